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

role_of() { echo "${base_db}_$1"; }
rabbit_user_of() { echo "$vhost-$1"; }

# Everything an earlier `make run` created in the service's database as `ledger` becomes the
# service role's (infra/sql/hand-over.sql).
hand_over() { # database role
  if command -v psql >/dev/null 2>&1; then
    PGPASSWORD=ledger psql -h 127.0.0.1 -p "$pg_port" -U ledger -d "$1" -v ON_ERROR_STOP=1 -qtA \
      -c "SET ledger.new_owner = '$2'" -f "$here/sql/hand-over.sql" >/dev/null
  else
    find_compose
    "${COMPOSE[@]}" -f "$here/../docker-compose.yml" exec -T postgres psql -U ledger -d "$1" -v ON_ERROR_STOP=1 -qtA \
      -c "SET ledger.new_owner = '$2'" -f - < "$here/sql/hand-over.sql" >/dev/null
  fi
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
    pw="$(service_password "$state/accounts/postgres-$service.password")"
    ledger_psql "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE \"$role\"; END IF;
    END \$\$" >/dev/null
    ledger_psql "ALTER ROLE \"$role\" WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD '$pw'" >/dev/null
    # `ledger` administers the local ledger (make reset drops it): it needs the role's rights.
    if [ "$(ledger_psql "SELECT 1 FROM pg_auth_members WHERE roleid = '$role'::regrole AND member = 'ledger'::regrole")" != 1 ]; then
      ledger_psql "GRANT \"$role\" TO ledger" >/dev/null
    fi
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
    pw="$(service_password "$state/accounts/rabbitmq-$service.password")"
    rabbit_management PUT "api/users/$user" "{\"password\":\"$pw\",\"tags\":\"\"}" \
      && rabbit_management PUT "api/permissions/$vhost/$user" "$(rabbit_permissions "$service")" \
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
