#!/usr/bin/env bash
# `make run`: PostgreSQL and RabbitMQ through infra/up.sh, then the four services, each
# waited on until it reports ready. Ctrl-C stops them all.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/infra/up.sh"
# shellcheck source=infra/env.sh
. "$root/infra/env.sh"

state="$root/.ledger"
mkdir -p "$state/logs"
chmod 700 "$state"

# Notary's root key (the key-encryption key for private keys at rest) and the client
# identities (an admin for you, one per service for calls between services), created once.
"$root/infra/secrets.sh" "$state"
export Ledger__Notary__RootKeyFile="${Ledger__Notary__RootKeyFile:-$state/notary-root.key}"
export Ledger__Auth__ClientsFile="${Ledger__Auth__ClientsFile:-$state/clients.json}"

dotnet build Ledger.sln -c Release -v quiet -nologo

# Revocation starts before Issuance and binds its queues first: it applies Issuance's events in
# Issuance's order and waits at any gap, so it must not miss the first ones (docs/EVENTS.md).
services=(notary:Notary:5010:5011 revocation:Revocation:5030:5031 attestation:Attestation:5040:5041 issuance:Issuance:5020:5021)
pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "run: stopping services"
  for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "run: stopped"
}
trap stop INT TERM EXIT

for entry in "${services[@]}"; do
  IFS=: read -r name project http grpc <<<"$entry"
  if [ "$name" = issuance ]; then
    for _ in $(seq 1 90); do
      if curl -sf "http://127.0.0.1:5030/health/publishing" >/dev/null; then break; fi
      sleep 1
    done
  fi
  dll="$root/services/Ledger.$project/bin/Release/net10.0/Ledger.$project.dll"
  (cd "$root/services/Ledger.$project" && exec dotnet "$dll" \
     --Kestrel:Endpoints:Http:Url="http://127.0.0.1:$http" \
     --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$grpc" \
     --Ledger:Auth:ClientKeyFile="$state/clients/$name.private.jwk") > "$state/logs/$name.log" 2>&1 &
  pids+=($!)
done

for entry in "${services[@]}"; do
  IFS=: read -r name project http grpc <<<"$entry"
  ok=0
  for _ in $(seq 1 90); do
    if curl -sf "http://127.0.0.1:$http/health/ready" >/dev/null; then ok=1; break; fi
    sleep 1
  done
  if [ "$ok" != 1 ]; then
    echo "run: $name did not become ready in 90 s; its log says:" >&2
    tail -n 30 "$state/logs/$name.log" >&2
    exit 1
  fi
  printf 'run: %-12s ready  gRPC http://127.0.0.1:%s  HTTP http://127.0.0.1:%s (health /health/ready, metrics /metrics)\n' "$name" "$grpc" "$http"
done

cat <<TXT

Ledger is running. Logs: $state/logs/. Press Ctrl-C to stop.

Calls need a client token: your admin key is $state/clients/admin.private.jwk
(registered in $state/clients.json with every role). See docs/SECURITY.md.

ledgerctl (docs/CLI.md), in another shell:
  alias ledgerctl="dotnet $root/sdk/Ledger.Cli/bin/Release/net10.0/ledgerctl.dll"
  export LEDGER_CLIENT_KEY=$state/clients/admin.private.jwk
  ledgerctl health
  ledgerctl license issue --customer-id cust-1 --customer-name "Example Corp" --product flux-enterprise --audience flux-operator --duration 365 --capabilities sso

Try:
  curl -s http://127.0.0.1:5010/health/ready
  curl -s http://127.0.0.1:5010/.well-known/jwks.json
  grpcurl -plaintext 127.0.0.1:5011 list                     # reflection is on
  grpcurl -plaintext 127.0.0.1:5011 grpc.health.v1.Health/Check
TXT
wait
