#!/usr/bin/env bash
# The per-service accounts of one local ledger (docs/SECURITY.md, "Least privilege"):
#
#   infra/accounts.sh create STATE-DIR INSTANCE
#   infra/accounts.sh remove STATE-DIR INSTANCE
#
# create (idempotent; `make run` calls it every start):
#   - PostgreSQL: a login role per service, ledger_<instance>_<service>, owning its database of the
#     same name and nothing else. PUBLIC loses CONNECT on those databases, so a service's role
#     cannot even connect to another service's database. The deployment's base database
#     ledger_<instance> (where a service finds the server; it holds nothing) admits the four roles.
#     Databases an earlier `make run` created under the shared `ledger` role are handed over to the
#     service's role, with everything in them.
#   - RabbitMQ: the virtual host ledger-<instance>, and a user per service, ledger-<instance>-<service>,
#     whose configure/write/read permissions on it reach only its own queues and the exchanges of the
#     integration events it publishes, plus read (to bind) on the exchanges of the events it consumes.
#     So one service's credentials cannot publish another's events (LicenseRevoked, AttestationRevoked).
#   - STATE-DIR/accounts/<service>.env (mode 0600): the service's ConnectionStrings__Ledger and
#     ConnectionStrings__RabbitMq, with passwords generated once (STATE-DIR/accounts/*.password).
# remove: drops the roles, deletes the users and the virtual host (`make reset` drops the databases first).
#
# Runs as the infrastructure's admin account `ledger` (infra/up.sh grants it CREATEROLE natively;
# in the compose container it is the superuser). Settings: LEDGER_PG_PORT, LEDGER_RABBITMQ_PORT,
# LEDGER_RABBITMQ_MANAGEMENT_PORT (infra/env.sh).
set -euo pipefail
action="${1:?usage: infra/accounts.sh create|remove STATE-DIR INSTANCE}"
state="${2:?usage: infra/accounts.sh create|remove STATE-DIR INSTANCE}"
instance="${3:?usage: infra/accounts.sh create|remove STATE-DIR INSTANCE}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=infra/lib.sh
. "$here/lib.sh"
[[ "$instance" =~ ^[a-z0-9]+$ ]] || fail "instance '$instance' is not lowercase letters and digits" "use the id in .ledger/instance"

pg_port="${LEDGER_PG_PORT:-5432}"
rabbit_port="${LEDGER_RABBITMQ_PORT:-5672}"
base_db="$(local_database "$instance")"
vhost="$(local_vhost "$instance")"
services=(notary issuance revocation attestation)

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
    issuance) alternatives "$(event LicenseIssued)" "$(event LicenseRenewed)" "$(event LicenseCapabilitiesChanged)" "$(event IssuanceHeartbeat)" ;;
    revocation) event LicenseRevoked ;;
    attestation) alternatives "$(event AttestationIssued)" "$(event AttestationRevoked)" ;;
  esac
}
consumes() {
  case "$1" in
    issuance) event LicenseRevoked ;;
    revocation) alternatives "$(event LicenseIssued)" "$(event LicenseRenewed)" "$(event LicenseCapabilitiesChanged)" "$(event IssuanceHeartbeat)" "$(event AttestationRevoked)" ;;
    *) echo "" ;;
  esac
}
# The regexes (anchored; RabbitMQ matches them against the whole resource name).
permissions() { # service -> JSON
  local own="$1-.*|MassTransit:Fault.*" published consumed
  published="$(publishes "$1")"
  consumed="$(consumes "$1")"
  local configure="$own|$published${consumed:+|$consumed}" write="$own|$published" read="$own${consumed:+|$consumed}"
  # JSON strings: every regex backslash doubled.
  printf '{"configure":"^(%s)$","write":"^(%s)$","read":"^(%s)$"}' \
    "${configure//\\/\\\\}" "${write//\\/\\\\}" "${read//\\/\\\\}"
}

role_of() { echo "${base_db}_$1"; }
rabbit_user_of() { echo "$vhost-$1"; }

password() { # file: created once, 32 url-safe characters
  local file="$1"
  if [ ! -s "$file" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$file")
  fi
  cat "$file"
}

# psql as `ledger` against another database of the server (ledger_psql uses the maintenance one).
ledger_psql_in() { # database SQL
  if command -v psql >/dev/null 2>&1; then
    PGPASSWORD=ledger psql -h 127.0.0.1 -p "$pg_port" -U ledger -d "$1" -v ON_ERROR_STOP=1 -qtAc "$2"
  else
    find_compose
    "${COMPOSE[@]}" -f "$here/../docker-compose.yml" exec -T postgres psql -U ledger -d "$1" -v ON_ERROR_STOP=1 -qtAc "$2"
  fi
}

# Everything an earlier `make run` created in the service's database as `ledger` becomes the
# service role's: schemas, tables (their indexes and owned sequences follow), free-standing
# sequences, views, functions and types.
hand_over() { # database role
  ledger_psql_in "$1" "DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT n.nspname FROM pg_namespace n
           WHERE n.nspowner = 'ledger'::regrole AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT IN ('information_schema', 'public') LOOP
    EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, '$2');
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner = 'ledger'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name, '$2');
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relowner = 'ledger'::regrole AND c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.name, '$2');
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS name, p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.proowner = 'ledger'::regrole AND n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.prokind WHEN 'a' THEN 'AGGREGATE' ELSE 'ROUTINE' END, r.name, '$2');
  END LOOP;
  FOR r IN SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typowner = 'ledger'::regrole AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')) LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO %I', r.name, '$2');
  END LOOP;
END
\$\$" >/dev/null
}

create_postgres() {
  local exists
  exists="$(ledger_psql "SELECT 1 FROM pg_database WHERE datname = '$base_db'")"
  [ "$exists" = 1 ] || ledger_psql "CREATE DATABASE \"$base_db\"" >/dev/null
  ledger_psql "REVOKE ALL ON DATABASE \"$base_db\" FROM PUBLIC" >/dev/null
  local service role db
  for service in "${services[@]}"; do
    role="$(role_of "$service")"
    db="$role"
    local pw
    pw="$(password "$state/accounts/postgres-$service.password")"
    ledger_psql "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE \"$role\"; END IF;
    END \$\$" >/dev/null
    ledger_psql "ALTER ROLE \"$role\" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD '$pw'" >/dev/null
    # `ledger` administers the local ledger (make reset drops it): it needs the role's rights.
    ledger_psql "GRANT \"$role\" TO ledger" >/dev/null
    ledger_psql "GRANT CONNECT ON DATABASE \"$base_db\" TO \"$role\"" >/dev/null
    exists="$(ledger_psql "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$db'")"
    if [ -z "$exists" ]; then
      ledger_psql "CREATE DATABASE \"$db\" OWNER \"$role\"" >/dev/null
    elif [ "$exists" != "$role" ]; then
      say "handing database $db over from $exists to $role"
      ledger_psql "ALTER DATABASE \"$db\" OWNER TO \"$role\"" >/dev/null
      hand_over "$db" "$role"
    fi
    ledger_psql "REVOKE ALL ON DATABASE \"$db\" FROM PUBLIC" >/dev/null
  done
}

create_rabbitmq() {
  rabbit_management PUT "api/vhosts/$vhost" '{}' \
    && rabbit_management PUT "api/permissions/$vhost/ledger" '{"configure":".*","write":".*","read":".*"}' \
    || fail "could not create the RabbitMQ virtual host $vhost" "check the management API on 127.0.0.1:${LEDGER_RABBITMQ_MANAGEMENT_PORT:-15672} (infra/up.sh starts it)"
  local service user pw
  for service in "${services[@]}"; do
    user="$(rabbit_user_of "$service")"
    pw="$(password "$state/accounts/rabbitmq-$service.password")"
    rabbit_management PUT "api/users/$user" "{\"password\":\"$pw\",\"tags\":\"\"}" \
      && rabbit_management PUT "api/permissions/$vhost/$user" "$(permissions "$service")" \
      || fail "could not create the RabbitMQ user $user" "check the management API (the ledger user must be an administrator)"
  done
}

write_settings() {
  local service
  for service in "${services[@]}"; do
    (umask 077 && cat > "$state/accounts/$service.env" <<ENV
ConnectionStrings__Ledger=Host=127.0.0.1;Port=$pg_port;Database=$base_db;Username=$(role_of "$service");Password=$(cat "$state/accounts/postgres-$service.password")
ConnectionStrings__RabbitMq=amqp://$(rabbit_user_of "$service"):$(cat "$state/accounts/rabbitmq-$service.password")@127.0.0.1:$rabbit_port/$vhost
ENV
    )
  done
}

case "$action" in
  create)
    mkdir -p "$state/accounts"
    chmod 700 "$state" "$state/accounts"
    create_postgres
    create_rabbitmq
    write_settings
    ;;
  remove)
    for service in "${services[@]}"; do
      role="$(role_of "$service")"
      if [ "$(ledger_psql "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" = 1 ]; then
        if [ "$(ledger_psql "SELECT 1 FROM pg_database WHERE datname = '$base_db'")" = 1 ]; then
          ledger_psql "REVOKE ALL ON DATABASE \"$base_db\" FROM \"$role\"" >/dev/null
        fi
        ledger_psql "DROP ROLE \"$role\"" >/dev/null
        echo "accounts: dropped PostgreSQL role $role"
      fi
      user="$(rabbit_user_of "$service")"
      if rabbit_management GET "api/users/$user"; then
        rabbit_management DELETE "api/users/$user"
        echo "accounts: deleted RabbitMQ user $user"
      fi
    done
    if rabbit_management GET "api/vhosts/$vhost"; then
      rabbit_management DELETE "api/vhosts/$vhost"
      echo "accounts: deleted RabbitMQ virtual host $vhost"
    fi
    ;;
  *) fail "unknown action '$action'" "use create or remove" ;;
esac
