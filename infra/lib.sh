# Shared by infra/up.sh and infra/fault.sh: messages, waiting, and which infrastructure is in use.
say() { printf 'infra: %s\n' "$*"; }
fail() {
  printf 'infra: FAILED: %s\n' "$1" >&2
  [ $# -gt 1 ] && printf 'infra: what to do: %s\n' "$2" >&2
  exit 1
}

wait_for() { # description, seconds, command...
  local what="$1" seconds="$2"; shift 2
  for _ in $(seq 1 "$seconds"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

docker_engine() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

# docker (compose) or native (apt packages); LEDGER_INFRA forces one.
infra_mode() {
  if [ -n "${LEDGER_INFRA:-}" ]; then echo "$LEDGER_INFRA"
  elif docker_engine; then echo docker
  else echo native
  fi
}

# The native PostgreSQL cluster listening on port $1: "VERSION CLUSTER" (the first one when none matches).
pg_cluster_on() { pg_lsclusters -h | awk -v port="$1" '$3 == port {print $1, $2; found=1; exit} NR == 1 {first = $1 " " $2} END {if (!found) print first}'; }

# This checkout's local ledger (make run, make reset): an instance id kept in the state
# directory, created once, and the database and virtual host named from it.
local_instance() { # state-dir
  local file="$1/instance"
  if [ ! -f "$file" ]; then
    (umask 077 && head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file")
  fi
  cat "$file"
}
local_database() { echo "ledger_$1"; }
local_vhost() { echo "ledger-$1"; }

# A call to the RabbitMQ management API as the ledger user: METHOD PATH [JSON-BODY].
rabbit_management() {
  local method="$1" path="$2" body="${3:-}"
  curl -sf -o /dev/null -u ledger:ledger -X "$method" -H 'content-type: application/json' \
    ${body:+--data "$body"} "http://127.0.0.1:${LEDGER_RABBITMQ_MANAGEMENT_PORT:-15672}/$path"
}

# psql as the ledger role against the maintenance database `ledger`, natively or in the compose container.
ledger_psql() { # SQL
  if command -v psql >/dev/null 2>&1; then
    PGPASSWORD=ledger psql -h 127.0.0.1 -p "${LEDGER_PG_PORT:-5432}" -U ledger -d ledger -v ON_ERROR_STOP=1 -qtAc "$1"
  else
    docker compose -f "$(dirname "${BASH_SOURCE[0]}")/../docker-compose.yml" exec -T postgres \
      psql -U ledger -d ledger -v ON_ERROR_STOP=1 -qtAc "$1"
  fi
}
