#!/bin/sh
# docker-compose.yml's one-shot `accounts` service (POSIX sh: it runs in the postgres image): each
# service's PostgreSQL role, owning its database and nothing else, before any service starts
# (docs/SECURITY.md, "Least privilege below the services"). Idempotent: runs on every `up`.
#   roles ledger_notary, ledger_issuance, ledger_revocation, ledger_attestation, LOGIN only
#   databases ledger_<service> owned by them; PUBLIC may not connect to any of them
#   the base database `ledger` (where the services find the server) admits the four roles only
# Passwords: the secrets postgres-<service>-password (infra/compose-secrets.sh makes them).
# Connects as the container's superuser `ledger` (PGHOST, PGUSER, PGPASSWORD from compose).
# A service database an earlier stack created under `ledger` is handed over to its role with
# everything in it (/ledger/hand-over.sql, infra/sql/hand-over.sql).
set -eu
sql() { psql -v ON_ERROR_STOP=1 -qtA -d "$1" -c "$2"; }

for attempt in $(seq 1 60); do
  sql ledger "SELECT 1" >/dev/null 2>&1 && break
  [ "$attempt" = 60 ] && { echo "accounts: PostgreSQL at $PGHOST does not answer" >&2; exit 1; }
  sleep 1
done

sql ledger "REVOKE ALL ON DATABASE ledger FROM PUBLIC" >/dev/null
for service in notary issuance revocation attestation; do
  role="ledger_$service"
  password="$(cat "${LEDGER_SECRETS_DIR:-/run/secrets}/postgres-$service-password")"
  sql ledger "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE \"$role\"; END IF; END \$\$" >/dev/null
  sql ledger "ALTER ROLE \"$role\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '$password'" >/dev/null
  sql ledger "GRANT CONNECT ON DATABASE ledger TO \"$role\"" >/dev/null
  owner="$(sql ledger "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$role'")"
  if [ -z "$owner" ]; then
    sql ledger "CREATE DATABASE \"$role\" OWNER \"$role\"" >/dev/null
    echo "accounts: created role and database $role"
  elif [ "$owner" != "$role" ]; then
    sql ledger "ALTER DATABASE \"$role\" OWNER TO \"$role\"" >/dev/null
    psql -v ON_ERROR_STOP=1 -qtA -d "$role" -c "SET ledger.new_owner = '$role'" -f "${LEDGER_HAND_OVER_SQL:-/ledger/hand-over.sql}" >/dev/null
    echo "accounts: handed database $role over from $owner to $role"
  fi
  sql ledger "REVOKE ALL ON DATABASE \"$role\" FROM PUBLIC" >/dev/null
done
echo "accounts: each service's role reaches only its own database"
