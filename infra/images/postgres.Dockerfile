# PostgreSQL from Debian's packages, for use where the official postgres image cannot be
# pulled. It takes the official image's settings (POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_DB, PGDATA, a command of `postgres -c ...`) and runs as the `postgres` user.
ARG BASE_IMAGE=ledger-local/debian:bookworm
FROM ${BASE_IMAGE}
ARG PG_MAJOR=15
RUN apt-get update \
 && apt-get install -y "postgresql-$PG_MAJOR" \
 && rm -rf /var/lib/apt/lists/* \
 && (pg_dropcluster "$PG_MAJOR" main 2>/dev/null || true)
ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:$PATH PGDATA=/var/lib/postgresql/data
RUN mkdir -p "$PGDATA" /var/run/postgresql \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
 && chmod 700 "$PGDATA"
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
