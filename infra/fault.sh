#!/usr/bin/env bash
# Stops or starts PostgreSQL or RabbitMQ, however infra/up.sh runs them (docker compose or the
# native packages), for the outage tests (tests/Ledger.Reliability.Tests) and for trying a
# fault by hand against `make run`.
#   infra/fault.sh stop  postgres|rabbitmq   # returns once it no longer answers
#   infra/fault.sh start postgres|rabbitmq   # returns once it answers again
# Every service and test using this PostgreSQL or RabbitMQ sees the outage: `make test` runs the
# outage tests alone, after every other test.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=infra/lib.sh
. "$here/lib.sh"
# shellcheck source=infra/env.sh
. "$here/env.sh"

usage() { echo "usage: infra/fault.sh stop|start postgres|rabbitmq" >&2; exit 2; }
[ $# -eq 2 ] || usage
action="$1" target="$2"
case "$action" in stop|start) ;; *) usage ;; esac
case "$target" in postgres|rabbitmq) ;; *) usage ;; esac

pg_answers() { pg_isready -q -h 127.0.0.1 -p "$LEDGER_PG_PORT"; }
rabbitmq_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$LEDGER_RABBITMQ_PORT") 2>/dev/null; }
answers() { if [ "$target" = postgres ]; then pg_answers; else rabbitmq_answers; fi; }
gone() { ! answers; }

if [ "$(infra_mode)" = docker ]; then
  find_compose
  "${COMPOSE[@]}" -f "$here/../docker-compose.yml" "$action" "$target" >/dev/null
else
  case "$action:$target" in
    stop:postgres)
      read -r version cluster <<<"$(pg_cluster_on "$LEDGER_PG_PORT")"
      pg_ctlcluster "$version" "$cluster" stop -m fast ;;
    start:postgres)
      read -r version cluster <<<"$(pg_cluster_on "$LEDGER_PG_PORT")"
      pg_ctlcluster "$version" "$cluster" start ;;
    # stop_app closes every connection and the listeners, and keeps durable queues and their
    # persistent messages, as a broker restart does; the Erlang node stays up so start is quick.
    stop:rabbitmq) rabbitmqctl -q stop_app ;;
    start:rabbitmq) rabbitmqctl -q start_app && rabbitmqctl -q await_startup ;;
  esac
fi

if [ "$action" = stop ]; then
  wait_for "$target to stop" 60 gone || fail "$target still answers after stop"
  say "$target stopped"
else
  wait_for "$target to answer" 90 answers || fail "$target does not answer after start" "read its log (/var/log/postgresql, /var/log/rabbitmq)"
  say "$target answers"
fi
