#!/usr/bin/env bash
# `make run`: PostgreSQL and RabbitMQ through infra/up.sh, then the four services, each
# waited on until it reports ready. Ctrl-C stops them all.
#
# This checkout's local ledger is one unit, kept apart from every other checkout's on the same
# servers: .ledger/ holds Notary's root key, the client keys and an instance id, and the
# services use the databases ledger_<instance>_<service> and the RabbitMQ virtual host
# ledger-<instance> made from that id. `make reset` removes exactly that unit.
#
# Each service connects as its own PostgreSQL role and RabbitMQ user (infra/accounts.sh creates
# them, with passwords in .ledger/accounts/): a service's credentials reach only its own database
# and publish only its own events (docs/SECURITY.md).
#
# Settings (optional): ConnectionStrings__Ledger / ConnectionStrings__RabbitMq replace the
# per-checkout database and virtual host, and the per-service accounts, for every service; LEDGER_RUN_PORT_BASE (5010) moves the twelve ports
# (notary base/+1, issuance +10/+11, revocation +20/+21, attestation +30/+31, and their metrics +100/+110/+120/+130);
# LEDGER_RUN_NO_BUILD=1 skips the build (the binaries must already be built).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
user_pg="${ConnectionStrings__Ledger:-}"
user_rabbit="${ConnectionStrings__RabbitMq:-}"
"$root/infra/up.sh"
# shellcheck source=infra/env.sh
. "$root/infra/env.sh"
# shellcheck source=infra/lib.sh
. "$root/infra/lib.sh"

state="$root/.ledger"
mkdir -p "$state/logs"
chmod 700 "$state"

# Notary's root key (the key-encryption key for private keys at rest), the client identities
# (an admin for you, one per service for calls between services) and the instance id, created once.
"$root/infra/secrets.sh" "$state"
instance="$(local_instance "$state")"
export Ledger__Notary__RootKeyFile="${Ledger__Notary__RootKeyFile:-$state/notary-root.key}"
export Ledger__Auth__ClientsFile="${Ledger__Auth__ClientsFile:-$state/clients.json}"

# Each service connects with accounts of its own (infra/accounts.sh): a PostgreSQL role that
# reaches only its own database, and a RabbitMQ user that publishes only its own events.
"$root/infra/accounts.sh" create "$state" "$instance"
# A connection string set in the environment replaces the service's own (for every service).
account_setting() { # service setting
  local value
  case "$2" in
    ConnectionStrings__Ledger) value="$user_pg" ;;
    ConnectionStrings__RabbitMq) value="$user_rabbit" ;;
  esac
  [ -n "$value" ] || value="$(sed -n "s/^$2=//p" "$state/accounts/$1.env")"
  printf '%s' "$value"
}

if [ "${LEDGER_RUN_NO_BUILD:-}" != 1 ]; then
  dotnet build Ledger.sln -c Release -v quiet -nologo
fi

base="${LEDGER_RUN_PORT_BASE:-5010}"
export Ledger__Notary__Url="${Ledger__Notary__Url:-http://127.0.0.1:$((base + 1))}"
# Notary reads the revocation log's head from here before signing a feed (docs/SECURITY.md).
export Ledger__Notary__RevocationUrl="${Ledger__Notary__RevocationUrl:-http://127.0.0.1:$((base + 20))}"
# Issuance asks Revocation here before re-keying a license (docs/ARCHITECTURE.md).
export Ledger__Revocation__Url="${Ledger__Revocation__Url:-http://127.0.0.1:$((base + 21))}"
# Revocation asks Issuance here for events its queues missed (docs/EVENTS.md).
export Ledger__Issuance__Url="${Ledger__Issuance__Url:-http://127.0.0.1:$((base + 11))}"
# ... and Attestation for the attestation revocations its queue missed (docs/EVENTS.md).
export Ledger__Attestation__Url="${Ledger__Attestation__Url:-http://127.0.0.1:$((base + 31))}"
# Revocation starts before Issuance and binds its queues first: it applies Issuance's events in
# Issuance's order, so the first ones come from RabbitMQ rather than a catch-up (docs/EVENTS.md).
services=(notary:Notary:0 revocation:Revocation:20 attestation:Attestation:30 issuance:Issuance:10)
pids=()
# SIGTERM, not SIGINT: a script's background jobs start with SIGINT ignored when the script itself
# was started that way (from another script's background job, or under CI), and .NET keeps an
# ignored SIGINT ignored; SIGTERM always reaches the host, which shuts down gracefully on it.
# A service still running after 30 s is killed, so Ctrl-C always ends make run.
stop() {
  trap - INT TERM EXIT
  echo
  echo "run: stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 60); do
    alive=()
    for pid in "${pids[@]}"; do if kill -0 "$pid" 2>/dev/null; then alive+=("$pid"); fi; done
    [ "${#alive[@]}" = 0 ] && break
    sleep 0.5
  done
  if [ "${#alive[@]}" != 0 ]; then
    echo "run: ${#alive[@]} service(s) still running after 30 s; killing them (pids ${alive[*]})" >&2
    kill -KILL "${alive[@]}" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  echo "run: stopped"
}
trap stop INT TERM EXIT

for entry in "${services[@]}"; do
  IFS=: read -r name project offset <<<"$entry"
  if [ "$name" = issuance ]; then
    for _ in $(seq 1 90); do
      if curl -sf "http://127.0.0.1:$((base + 20))/health/publishing" >/dev/null; then break; fi
      sleep 1
    done
  fi
  dll="$root/services/Ledger.$project/bin/Release/net10.0/Ledger.$project.dll"
  [ -f "$dll" ] || fail "$dll is missing" "build first: make build (or run without LEDGER_RUN_NO_BUILD)"
  (cd "$root/services/Ledger.$project" \
   && export ConnectionStrings__Ledger="$(account_setting "$name" ConnectionStrings__Ledger)" \
             ConnectionStrings__RabbitMq="$(account_setting "$name" ConnectionStrings__RabbitMq)" \
   && exec dotnet "$dll" \
     --Kestrel:Endpoints:Http:Url="http://127.0.0.1:$((base + offset))" \
     --Kestrel:Endpoints:Grpc:Url="http://127.0.0.1:$((base + offset + 1))" \
     --Kestrel:Endpoints:Metrics:Url="http://127.0.0.1:$((base + offset + 100))" \
     --Ledger:Auth:ClientKeyFile="$state/clients/$name.private.jwk") > "$state/logs/$name.log" 2>&1 &
  pids+=($!)
done

# Why a service stopped, from its log, and what fixes it.
explain() { # name pid
  local name="$1" log="$state/logs/$1.log"
  echo "run: $name stopped while starting. From $log:" >&2
  if grep -q 'cannot start:' "$log"; then
    grep -E 'cannot start:|what to do:' "$log" | sed 's/^/  /' >&2
  else
    tail -n 20 "$log" | sed 's/^/  /' >&2
  fi
  if grep -q 'is not the one that wrapped the stored private keys' "$log"; then
    echo "run: what to do: this checkout's database holds keys wrapped by another root key." >&2
    echo "     Restore .ledger/notary-root.key, or start this checkout's local ledger afresh with 'make reset' (it says what it deletes)." >&2
  elif grep -qE 'setting |configuration value at' "$log"; then
    echo "run: what to do: correct the setting named above (as an environment variable, ':' becomes '__'), then run make run again." >&2
  fi
}

for entry in "${services[@]}"; do
  IFS=: read -r name project offset <<<"$entry"
  http=$((base + offset)) ok=0
  for _ in $(seq 1 180); do
    if curl -sf "http://127.0.0.1:$http/health/ready" >/dev/null; then ok=1; break; fi
    for i in "${!services[@]}"; do
      if ! kill -0 "${pids[$i]}" 2>/dev/null; then
        explain "${services[$i]%%:*}"
        exit 1
      fi
    done
    sleep 0.5
  done
  if [ "$ok" != 1 ]; then
    echo "run: $name did not become ready in 90 s; its log ($state/logs/$name.log) ends with:" >&2
    tail -n 30 "$state/logs/$name.log" >&2
    exit 1
  fi
  printf 'run: %-12s ready  gRPC http://127.0.0.1:%s  HTTP http://127.0.0.1:%s (health /health/ready)  metrics http://127.0.0.1:%s/metrics\n' "$name" "$((http + 1))" "$http" "$((http + 100))"
done

cat <<TXT

Ledger is running. Logs: $state/logs/. Press Ctrl-C to stop.
This checkout's ledger: instance $instance (PostgreSQL database prefix and RabbitMQ virtual host
from it; 'make reset' removes them with .ledger/). Each service connects as its own database role
and broker user (.ledger/accounts/; docs/SECURITY.md).

Calls need a client token: your admin key is $state/clients/admin.private.jwk
(registered in $state/clients.json with every role). See docs/SECURITY.md.

ledgerctl (docs/CLI.md), in another shell:
  alias ledgerctl="dotnet $root/sdk/Ledger.Cli/bin/Release/net10.0/ledgerctl.dll"
  export LEDGER_CLIENT_KEY=$state/clients/admin.private.jwk
  ledgerctl health
  ledgerctl license issue --customer-id cust-1 --customer-name "Example Corp" --product flux-enterprise --audience flux-operator --duration 365 --capabilities sso

Try:
  curl -s http://127.0.0.1:$base/health/ready
  curl -s http://127.0.0.1:$base/.well-known/jwks.json
  grpcurl -plaintext 127.0.0.1:$((base + 1)) list                     # reflection is on
  grpcurl -plaintext 127.0.0.1:$((base + 1)) grpc.health.v1.Health/Check
TXT
wait
