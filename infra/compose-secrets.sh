#!/usr/bin/env bash
# `make compose-secrets`: the one step before `docker compose --profile full up --build`.
# Creates the local secrets once (infra/secrets.sh, the same ones `make run` uses), then puts
# the copies docker-compose.yml mounts as secrets into .ledger/compose/, with each service's
# database and broker password (made once), its connection strings and the broker's definitions (LEDGER_COMPOSE_STATE
# moves .ledger elsewhere, LEDGER_COMPOSE_SECRETS the copies; infra/compose.sh passes both).
#
# Why copies: compose (without Swarm) bind-mounts a secret file with its host owner and mode,
# and ignores uid/gid/mode. The originals are 0600 and owned by you, so the services, which run
# as the images' non-root user (uid 1654), could not read them. The copies are 0644 inside a
# 0700 directory: no other user on this machine can reach them, and each container sees only
# the secrets docker-compose.yml gives it. Run this again after changing a key.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
state="${LEDGER_COMPOSE_STATE:-$root/.ledger}"
out="${LEDGER_COMPOSE_SECRETS:-$state/compose}"

"$root/infra/secrets.sh" "$state"

mkdir -p "$out"
chmod 700 "$out"
install -m 0644 "$state/notary-root.key" "$out/notary-root.key"
install -m 0644 "$state/clients.json" "$out/clients.json"
for service in issuance revocation attestation; do
  install -m 0644 "$state/clients/$service.private.jwk" "$out/$service.private.jwk"
done

# Each service's own PostgreSQL role and RabbitMQ user (docs/SECURITY.md, "Least privilege below
# the services"): passwords made once, the connection strings each service container reads
# (env_file, only its own), the roles' passwords for the one-shot `accounts` service, and the
# broker definitions RabbitMQ imports on start (the ledger admin and the four users, with hashes).
# shellcheck source=infra/lib.sh
. "$root/infra/lib.sh"
services=(notary issuance revocation attestation)
users="{\"name\":\"ledger\",\"password_hash\":\"$(rabbit_password_hash ledger)\",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\",\"tags\":[\"administrator\"]}"
permissions="{\"user\":\"ledger\",\"vhost\":\"/\",\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}"
for service in "${services[@]}"; do
  pg="$(service_password "$out/postgres-$service.password")"
  mq="$(service_password "$out/rabbitmq-$service.password")"
  chmod 0644 "$out/postgres-$service.password"
  (umask 022 && cat > "$out/$service.env" <<ENV
ConnectionStrings__Ledger=Host=postgres;Port=5432;Database=ledger;Username=ledger_$service;Password=$pg
ConnectionStrings__RabbitMq=amqp://ledger-$service:$mq@rabbitmq:5672/
ENV
  )
  users+=",{\"name\":\"ledger-$service\",\"password_hash\":\"$(rabbit_password_hash "$mq")\",\"hashing_algorithm\":\"rabbit_password_hashing_sha256\",\"tags\":[]}"
  permissions+=",$(rabbit_permissions "$service" | sed "s/^{/{\"user\":\"ledger-$service\",\"vhost\":\"\/\",/")"
done
(umask 022 && printf '{"users":[%s],"vhosts":[{"name":"/"}],"permissions":[%s]}\n' "$users" "$permissions" > "$out/rabbitmq-definitions.json")
echo "compose-secrets: ready in $out; now: docker compose --profile full up --build"
echo "compose-secrets: your admin client key is $state/clients/admin.private.jwk (ledgerctl: export LEDGER_CLIENT_KEY=...)"
