#!/usr/bin/env bash
# `make reset`: removes this checkout's local ledger, and nothing else: its PostgreSQL
# databases (ledger_<instance> and ledger_<instance>_<service>) and the services' roles of the
# same names, its RabbitMQ virtual host (ledger-<instance>) and the services' users
# (ledger-<instance>-<service>), and .ledger/ (Notary's root key, client keys, the services'
# database and broker passwords, logs). The next `make run`
# starts a new, empty ledger. Says what it removes first; asks when run from a terminal,
# otherwise needs FORCE=1 (make reset FORCE=1). Stop `make run` first.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=infra/env.sh
. "$root/infra/env.sh"
# shellcheck source=infra/lib.sh
. "$root/infra/lib.sh"
state="$root/.ledger"

if [ ! -d "$state" ]; then
  echo "reset: nothing to remove: this checkout has no local ledger ($state does not exist)"
  exit 0
fi

databases=""
vhost=""
if [ -f "$state/instance" ]; then
  instance="$(cat "$state/instance")"
  prefix="$(local_database "$instance")"
  databases="$(ledger_psql "SELECT datname FROM pg_database WHERE datname = '$prefix' OR datname LIKE '${prefix//_/\\_}\\_%' ORDER BY 1" 2>/dev/null || true)"
  vhost="$(local_vhost "$instance")"
  rabbit_management GET "api/vhosts/$vhost" || vhost=""
fi

echo "reset: this removes this checkout's local ledger:"
for db in $databases; do echo "  PostgreSQL database  $db"; done
[ -n "$vhost" ] && echo "  RabbitMQ vhost       $vhost"
[ -n "${instance:-}" ] && echo "  the services' PostgreSQL roles ${prefix}_<service> and RabbitMQ users ledger-$instance-<service>"
echo "  directory            $state (Notary's root key, client keys, service passwords, logs)"

if [ "${FORCE:-}" != 1 ]; then
  if [ -t 0 ]; then
    read -r -p "reset: remove them? [y/N] " answer
    case "$answer" in y|Y|yes) ;; *) echo "reset: nothing removed"; exit 1 ;; esac
  else
    echo "reset: not a terminal: run 'make reset FORCE=1' to remove them" >&2
    exit 2
  fi
fi

for db in $databases; do
  ledger_psql "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  echo "reset: dropped database $db"
done
if [ -n "$vhost" ]; then
  rabbit_management DELETE "api/vhosts/$vhost"
  echo "reset: deleted RabbitMQ virtual host $vhost"
fi
if [ -n "${instance:-}" ]; then
  "$root/infra/accounts.sh" remove "$state" "$instance" | sed 's/^accounts:/reset:/'
fi
rm -rf "$state"
echo "reset: removed $state; the next 'make run' starts a new ledger"
