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

# docker (compose) or native (apt packages). LEDGER_INFRA=docker|native forces one; otherwise
# native whenever the native servers are installed or can be (root with apt), and docker only
# where they cannot be and an engine answers. So `make test` on a machine takes the same path
# whether or not a Docker daemon happens to run there.
infra_mode() {
  if [ -n "${LEDGER_INFRA:-}" ]; then echo "$LEDGER_INFRA"
  elif command -v pg_ctlcluster >/dev/null 2>&1 && command -v rabbitmq-server >/dev/null 2>&1; then echo native
  elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then echo native
  elif docker_engine; then echo docker
  else echo native
  fi
}

# The native PostgreSQL cluster listening on port $1: "VERSION CLUSTER" (when none does, the one
# named main, else the first; make cluster's own clusters are never the default).
pg_cluster_on() { pg_lsclusters -h | awk -v port="$1" '$3 == port {print $1, $2; found=1; exit} $2 == "main" && !main {main = $1 " " $2} NR == 1 {first = $1 " " $2} END {if (!found) print (main ? main : first)}'; }

apt_updated=0
apt_install() {
  [ "$(id -u)" = 0 ] || fail "installing $* needs root" "run as root (or with sudo), or install $* yourself"
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update failed" "check network access to the Debian mirrors"
    apt_updated=1
  fi
  say "installing $* with apt"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed" "run 'apt-get install $*' by hand to see the error"
}

# --- Docker (infra/compose.sh, and infra/up.sh in docker mode) -----------------------------
# Where this script started dockerd itself (no systemd): its pid, so `infra/compose.sh
# engine-stop` stops only a daemon it started.
LEDGER_DOCKERD_PIDFILE="${LEDGER_DOCKERD_PIDFILE:-/run/ledger-dockerd.pid}"

# A Docker engine that answers: install docker.io from Debian when missing, start the daemon
# when it is not running (systemd when it runs the machine, else dockerd in the background).
ensure_docker_engine() {
  docker_engine && return 0
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  [ "$(id -u)" = 0 ] || fail "the Docker daemon is not running" "start it (sudo systemctl start docker), or run this as root"
  if [ -d /run/systemd/system ]; then
    say "starting the Docker daemon (systemctl start docker)"
    systemctl start docker || fail "systemctl start docker failed" "run 'journalctl -u docker' to see why"
  else
    say "starting the Docker daemon (dockerd, log /var/log/ledger-dockerd.log)"
    setsid dockerd >>/var/log/ledger-dockerd.log 2>&1 </dev/null &
    echo $! > "$LEDGER_DOCKERD_PIDFILE"
  fi
  wait_for docker 60 docker info || fail "the Docker daemon did not answer within 60 s" "read /var/log/ledger-dockerd.log"
}

# Stops the daemon ensure_docker_engine started with dockerd (never one it did not start).
stop_docker_engine() {
  [ -f "$LEDGER_DOCKERD_PIDFILE" ] || { say "the Docker daemon was not started by infra/: left running"; return 0; }
  local pid
  pid="$(cat "$LEDGER_DOCKERD_PIDFILE")"
  if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    say "stopping the Docker daemon (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  rm -f "$LEDGER_DOCKERD_PIDFILE"
}

# COMPOSE: Compose v2 (`docker compose`) when the plugin is there, else docker-compose (Debian's
# 1.29, installed when neither is).
find_compose() {
  if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
  else
    command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
    COMPOSE=(docker-compose)
  fi
}

# Whether the registries the official images come from answer (any HTTP status will do).
registry_answers() {
  local url code
  for url in https://registry-1.docker.io/v2/ https://mcr.microsoft.com/v2/; do
    code="$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$url" 2>/dev/null || true)"
    [ -n "$code" ] && [ "$code" != 000 ] || return 1
  done
}

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
    find_compose
    "${COMPOSE[@]}" -f "$(dirname "${BASH_SOURCE[0]}")/../docker-compose.yml" exec -T postgres \
      psql -U ledger -d ledger -v ON_ERROR_STOP=1 -qtAc "$1"
  fi
}

# --- Per-service accounts (infra/accounts.sh for make run, infra/compose-secrets.sh for compose) ----
# RabbitMQ permissions, per service. MassTransit names an event's exchange after its message type
# (Ledger.IntegrationEvents.V1:LicenseIssued) and a consumer's queue, and the exchange in front
# of it, <service>-<kebab-case event> (issuance-license-revoked, with _error and _skipped beside it).
# A consumer's endpoint declares the event's exchange and binds its own exchange to it: configure
# and read on the exchange, never write. Publishing needs configure and write on the event's exchange.
# A consumer that fails for good publishes Fault<T> (MassTransit:Fault exchanges), which nobody consumes.
event() { printf 'Ledger\\.IntegrationEvents\\.V1:%s' "$1"; }
alternatives() { local IFS='|'; printf '%s' "$*"; }
publishes() {
  case "$1" in
    notary) alternatives "$(event SigningKeyRotated)" "$(event SigningKeyRetired)" "$(event SigningKeyCompromised)" ;;
    issuance) alternatives "$(event LicenseIssued)" "$(event LicenseImported)" "$(event LicenseRenewed)" "$(event LicenseCapabilitiesChanged)" "$(event IssuanceHeartbeat)" ;;
    revocation) event LicenseRevoked ;;
    attestation) alternatives "$(event AttestationIssued)" "$(event AttestationRevoked)" ;;
  esac
}
consumes() {
  case "$1" in
    issuance) event LicenseRevoked ;;
    revocation) alternatives "$(event LicenseIssued)" "$(event LicenseImported)" "$(event LicenseRenewed)" "$(event LicenseCapabilitiesChanged)" "$(event IssuanceHeartbeat)" "$(event AttestationRevoked)" ;;
    *) echo "" ;;
  esac
}
# The permissions of a service's user, as the management API and definitions files take them
# (anchored regexes; RabbitMQ matches them anywhere in the resource name otherwise).
rabbit_permissions() { # service -> JSON
  local own="$1-.*|MassTransit:Fault.*" published consumed
  published="$(publishes "$1")"
  consumed="$(consumes "$1")"
  local configure="$own|$published${consumed:+|$consumed}" write="$own|$published" read="$own${consumed:+|$consumed}"
  # JSON strings: every regex backslash doubled.
  printf '{"configure":"^(%s)$","write":"^(%s)$","read":"^(%s)$"}' \
    "${configure//\\/\\\\}" "${write//\\/\\\\}" "${read//\\/\\\\}"
}

# RabbitMQ's rabbit_password_hashing_sha256 of a password, for definitions files:
# base64(salt || SHA-256(salt || password)) with a random 4-byte salt.
rabbit_password_hash() { # password
  local salt digest
  salt="$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  digest="$({ printf "$(printf '%s' "$salt" | sed 's/../\\x&/g')"; printf '%s' "$1"; } | openssl dgst -sha256 -binary | od -An -tx1 | tr -d ' \n')"
  printf "$(printf '%s' "$salt$digest" | sed 's/../\\x&/g')" | base64 -w0
}

# A random password of 32 url-safe characters, kept in FILE (mode 0600) once made.
service_password() { # file
  if [ ! -s "$1" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$1")
  fi
  cat "$1"
}
