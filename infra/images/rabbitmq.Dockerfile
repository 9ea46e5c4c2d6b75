# RabbitMQ with the management plugin from Debian's packages, for use where the official
# rabbitmq image cannot be pulled. It takes RABBITMQ_DEFAULT_USER and RABBITMQ_DEFAULT_PASS
# like the official image, logs to stdout, and runs as the `rabbitmq` user.
ARG BASE_IMAGE=ledger-local/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y rabbitmq-server \
 && rm -rf /var/lib/apt/lists/* \
 && rabbitmq-plugins --offline enable rabbitmq_management >/dev/null \
 && chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq
# RabbitMQ's own scripts first: Debian's wrappers in /usr/sbin send the server's output to
# /var/log/rabbitmq/startup_log, where `docker logs` (and Testcontainers) cannot see it.
ENV PATH=/usr/lib/rabbitmq/bin:$PATH RABBITMQ_LOGS=- HOME=/var/lib/rabbitmq
WORKDIR /var/lib/rabbitmq
COPY rabbitmq-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER rabbitmq
EXPOSE 4369 5672 15672 25672
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["rabbitmq-server"]
