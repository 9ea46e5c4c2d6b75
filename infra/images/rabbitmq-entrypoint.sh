#!/bin/sh
# Writes rabbitmq.conf from RABBITMQ_DEFAULT_USER/RABBITMQ_DEFAULT_PASS (default guest/guest,
# which RabbitMQ then allows only from inside the container), with the definitions mounted at
# /run/secrets/rabbitmq-definitions when there are any, and starts the broker.
set -eu
{
  echo "listeners.tcp.default = 5672"
  echo "management.tcp.port = 15672"
  echo "default_user = ${RABBITMQ_DEFAULT_USER:-guest}"
  echo "default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}"
  # docker-compose.yml's users and permissions (infra/compose-secrets.sh), imported on every start.
  if [ -f /run/secrets/rabbitmq-definitions ]; then
    echo "load_definitions = /run/secrets/rabbitmq-definitions"
  fi
} > /etc/rabbitmq/rabbitmq.conf
exec "$@"
