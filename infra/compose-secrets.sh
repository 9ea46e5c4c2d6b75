#!/usr/bin/env bash
# `make compose-secrets`: the one step before `docker compose --profile full up --build`.
# Creates the local secrets once (infra/secrets.sh, the same ones `make run` uses), then puts
# the copies docker-compose.yml mounts as secrets into .ledger/compose/ (LEDGER_COMPOSE_STATE
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
echo "compose-secrets: ready in $out; now: docker compose --profile full up --build"
echo "compose-secrets: your admin client key is $state/clients/admin.private.jwk (ledgerctl: export LEDGER_CLIENT_KEY=...)"
