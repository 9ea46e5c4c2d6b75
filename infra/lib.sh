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
