#!/usr/bin/env bash
# Brings up PostgreSQL and RabbitMQ for Ledger and waits until both answer.
#   - native (CI, a Debian/Ubuntu box as root, or wherever both servers are installed):
#     installs postgresql and rabbitmq-server with apt when missing, starts them, and creates
#     the `ledger` role, database and broker user.
#   - docker (LEDGER_INFRA=docker, or where the native servers cannot be installed and a Docker
#     engine answers): the postgres and rabbitmq services of docker-compose.yml, through
#     infra/compose.sh (engine, local images when no registry answers, health).
# Which one: infra_mode in infra/lib.sh. Idempotent: a second run installs nothing and changes nothing.
# Settings (all optional): LEDGER_PG_PORT (5432), LEDGER_RABBITMQ_PORT (5672),
# LEDGER_RABBITMQ_MANAGEMENT_PORT (15672), LEDGER_INFRA=docker|native to force one path.
set -euo pipefail

PG_PORT="${LEDGER_PG_PORT:-5432}"
RMQ_PORT="${LEDGER_RABBITMQ_PORT:-5672}"
RMQ_MGMT_PORT="${LEDGER_RABBITMQ_MANAGEMENT_PORT:-15672}"
DB_USER=ledger
DB_PASSWORD=ledger
here="$(cd "$(dirname "$0")" && pwd)"

# shellcheck source=infra/lib.sh
. "$here/lib.sh"

mode="$(infra_mode)"
say "infrastructure: $mode (LEDGER_INFRA=${LEDGER_INFRA:-unset}; the rule is infra_mode in infra/lib.sh)"

if [ "$mode" = docker ]; then
  exec "$here/compose.sh" infra
fi
[ "$mode" = native ] || fail "LEDGER_INFRA is '$mode'" "set LEDGER_INFRA=native or LEDGER_INFRA=docker, or unset it"

[ "$(id -u)" = 0 ] || fail "the native path installs and starts servers, which needs root" \
  "run as root (or with sudo), or use containers: LEDGER_INFRA=docker"

# --- PostgreSQL -------------------------------------------------------------
command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-contrib
read -r pg_version pg_cluster <<<"$(pg_cluster_on "$PG_PORT")"
[ -n "$pg_version" ] || fail "PostgreSQL is installed but has no cluster" "run 'pg_createcluster 15 main'"

pg_conf="/etc/postgresql/$pg_version/$pg_cluster/postgresql.conf"
ledger_conf="/etc/postgresql/$pg_version/$pg_cluster/conf.d/ledger.conf"
if [ ! -f "$ledger_conf" ]; then
  mkdir -p "$(dirname "$ledger_conf")"
  grep -q "^include_dir = 'conf.d'" "$pg_conf" || echo "include_dir = 'conf.d'" >> "$pg_conf"
  # Every service and every test class holds its own connection pool.
  cat > "$ledger_conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
max_connections = 400
CONF
  pg_ctlcluster "$pg_version" "$pg_cluster" stop >/dev/null 2>&1 || true
fi
# The benchmarks count the statements each operation costs (pg_stat_statements, bench/README.md);
# the library loads at server start, so a cluster configured before this runs restarts once.
statements_conf="/etc/postgresql/$pg_version/$pg_cluster/conf.d/ledger-statements.conf"
if [ ! -f "$statements_conf" ]; then
  echo "shared_preload_libraries = 'pg_stat_statements'" > "$statements_conf"
  pg_ctlcluster "$pg_version" "$pg_cluster" stop >/dev/null 2>&1 || true
fi
# The status of the cluster on our port (other clusters on the machine, say a replica pair on
# other ports, may be listed first and be down).
if ! pg_lsclusters -h | awk -v v="$pg_version" -v c="$pg_cluster" '$1 == v && $2 == c {print $4}' | grep -q online; then
  say "starting PostgreSQL $pg_version/$pg_cluster"
  pg_ctlcluster "$pg_version" "$pg_cluster" start \
    || fail "PostgreSQL did not start" "read /var/log/postgresql/postgresql-$pg_version-$pg_cluster.log"
fi
wait_for postgres 30 pg_isready -h 127.0.0.1 -p "$PG_PORT" \
  || fail "PostgreSQL does not answer on 127.0.0.1:$PG_PORT" "read /var/log/postgresql/postgresql-$pg_version-$pg_cluster.log"

psql_admin() { (cd / && su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -qtAc \"$1\""); }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" != 1 ]; then
  say "creating role $DB_USER"
  psql_admin "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='$DB_USER'")" != 1 ]; then
  say "creating database $DB_USER"
  psql_admin "CREATE DATABASE $DB_USER OWNER $DB_USER"
fi
# `make run` gives each service a role of its own that reaches only its own database
# (infra/accounts.sh); `ledger` creates and drops them.
if [ "$(psql_admin "SELECT rolcreaterole FROM pg_roles WHERE rolname = '$DB_USER'")" != t ]; then
  say "granting CREATEROLE to $DB_USER"
  psql_admin "ALTER ROLE $DB_USER CREATEROLE"
fi
# Grants a predefined role to $DB_USER once, saying why.
grant_once() {
  if [ "$(psql_admin "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = '$1' AND u.rolname = '$DB_USER'")" != 1 ]; then
    say "granting $1 to $DB_USER$2"
    psql_admin "GRANT $1 TO $DB_USER"
  fi
}
# Test and benchmark cleanups drop their databases WITH (FORCE); ending an autovacuum worker
# in them needs pg_signal_backend.
grant_once pg_signal_backend ""

(cd / && su postgres -c "psql -p $PG_PORT -d $DB_USER -v ON_ERROR_STOP=1 -qtAc 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements'") >/dev/null 2>&1 \
  || say "pg_stat_statements is not available: the benchmarks will not count statements"
grant_once pg_read_all_stats " (the benchmarks read every service's statements)"

# --- RabbitMQ ---------------------------------------------------------------
command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
if [ ! -f /etc/rabbitmq/enabled_plugins ] || ! grep -q rabbitmq_management /etc/rabbitmq/enabled_plugins; then
  # Offline enable: takes effect at the next start; the management API creates test vhosts.
  rabbitmq-plugins --offline enable rabbitmq_management >/dev/null
  /etc/init.d/rabbitmq-server stop >/dev/null 2>&1 || true
fi
if ! rabbitmqctl -q status >/dev/null 2>&1; then
  say "starting RabbitMQ"
  /etc/init.d/rabbitmq-server start >/dev/null 2>&1 || true
fi
wait_for rabbitmq 90 rabbitmqctl -q await_startup \
  || fail "RabbitMQ did not start" "read /var/log/rabbitmq/*.log"
if ! rabbitmqctl -q list_users 2>/dev/null | awk '{print $1}' | grep -qx "$DB_USER"; then
  say "creating RabbitMQ user $DB_USER"
  rabbitmqctl -q add_user "$DB_USER" "$DB_PASSWORD" >/dev/null
  rabbitmqctl -q set_user_tags "$DB_USER" administrator >/dev/null
  rabbitmqctl -q set_permissions -p / "$DB_USER" '.*' '.*' '.*' >/dev/null
fi
wait_for "rabbitmq management" 60 curl -sf -u "$DB_USER:$DB_PASSWORD" "http://127.0.0.1:$RMQ_MGMT_PORT/api/overview" \
  || fail "the RabbitMQ management API does not answer on 127.0.0.1:$RMQ_MGMT_PORT" "read /var/log/rabbitmq/*.log"

say "ready: postgres on 127.0.0.1:$PG_PORT (user $DB_USER), rabbitmq on 127.0.0.1:$RMQ_PORT (management :$RMQ_MGMT_PORT)"
