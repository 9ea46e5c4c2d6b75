#!/usr/bin/env bash
# `make cluster` / `make cluster-down`: a scaled-out Ledger on this one machine, natively with
# Debian's packages (no Docker), as docs/SCALING.md "A cluster on one machine" describes:
#   - RabbitMQ: three nodes (<name>-r1..r3@localhost), one cluster, quorum queues for the services;
#   - PostgreSQL 15: a primary and a streaming standby that every commit waits for
#     (synchronous_standby_names), the services reaching both through one multi-host connection
#     string that follows a promotion (Target Session Attributes=primary);
#   - two replicas of each service, behind HAProxy balancing per call over HTTP/2 (h2c); HAProxy
#     also spreads the services' AMQP connections over the three RabbitMQ nodes.
#
# Usage: infra/cluster.sh COMMAND
#   up                      create what is missing and start what is stopped (idempotent), wait
#                           until every replica is ready, print the addresses
#   down                    stop everything it started (data kept: `up` starts it again)
#   destroy                 down, then delete the PostgreSQL clusters and the state directory
#   status                  what runs, replica by replica
#   env                     the addresses as shell variables (for scripts and the tests)
#   promote                 promote the PostgreSQL standby to primary (after the primary failed)
#   pg-stop-primary         stop the PostgreSQL primary (immediate: as a crash)
#   kill SERVICE N          kill -9 replica N (1|2) of SERVICE (notary|issuance|revocation|attestation)
#   start SERVICE N         start that replica again and wait until it is ready
#   rabbit-stop N           stop RabbitMQ node N (1..3);  rabbit-start N: start it again
#   drain SERVICE N         take replica N out of the balancer (it keeps running); undrain: back in
#
# Settings (all optional):
#   LEDGER_CLUSTER_NAME       prefix of node, cluster and directory names (ledger)
#   LEDGER_CLUSTER_PORT_BASE  first of the 100 ports it uses (6100); see the port table in docs/SCALING.md
#   LEDGER_CLUSTER_DIR        state: keys, logs, pid files, RabbitMQ data (<checkout>/.cluster/<name>)
#   LEDGER_CLUSTER_NO_BUILD=1 skip the build (the Release binaries must exist)
#   LEDGER_CLUSTER_CLIENT_BALANCING=0|1  services balance Notary calls and RabbitMQ nodes themselves
#                             (1) or through HAProxy (0); by default 1 where the build supports it
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=infra/lib.sh
. "$root/infra/lib.sh"

name="${LEDGER_CLUSTER_NAME:-ledger}"
base="${LEDGER_CLUSTER_PORT_BASE:-6100}"
dir="${LEDGER_CLUSTER_DIR:-$root/.cluster/$name}"
[[ "$name" =~ ^[a-z][a-z0-9]*$ ]] || fail "LEDGER_CLUSTER_NAME '$name' is not a plain name" "use lower-case letters and digits, starting with a letter"
[[ "$base" =~ ^[0-9]+$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65400 ] \
  || fail "LEDGER_CLUSTER_PORT_BASE '$base' is out of range" "give a port from 1024 to 65400; the cluster uses it and the 99 after it"

pg_version=15
pg_primary="$name-primary"
pg_standby="$name-standby"
pg_primary_port=$((base + 30))
pg_standby_port=$((base + 31))
replicator_password="replicator-$name"
haproxy_stats_port=$((base + 0))
amqp_port=$((base + 4))              # HAProxy: AMQP over the three nodes
management_port=$((base + 10))       # HAProxy: management API over the three nodes
services=(notary:Notary:40 issuance:Issuance:50 revocation:Revocation:60 attestation:Attestation:70)

rabbit_amqp_port() { echo $((base + $1)); }
rabbit_management_port() { echo $((base + 10 + $1)); }
rabbit_dist_port() { echo $((base + 20 + $1)); }
rabbit_node() { echo "$name-r$1@localhost"; }
service_offset() { local e; for e in "${services[@]}"; do IFS=: read -r n _ o <<<"$e"; [ "$n" = "$1" ] && { echo "$o"; return; }; done; fail "unknown service '$1'" "services are notary, issuance, revocation, attestation"; }
service_project() { local e; for e in "${services[@]}"; do IFS=: read -r n p _ <<<"$e"; [ "$n" = "$1" ] && { echo "$p"; return; }; done; }
balancer_http() { echo $((base + $(service_offset "$1"))); }
balancer_grpc() { echo $((base + $(service_offset "$1") + 1)); }
replica_http() { echo $((base + $(service_offset "$1") + 2 * $2)); }
replica_grpc() { echo $((base + $(service_offset "$1") + 2 * $2 + 1)); }

# Whether the services this checkout builds take a list of Notary replicas and of RabbitMQ nodes
# (issue 17's client-side balancing; read from the sources the binaries are built from). Without
# them, Notary calls and AMQP connections go through HAProxy, which also balances per call and
# over the nodes that answer. LEDGER_CLUSTER_CLIENT_BALANCING=0|1 forces one.
client_cluster_settings="${LEDGER_CLUSTER_CLIENT_BALANCING:-}"
if [ -z "$client_cluster_settings" ]; then
  if grep -q ClusterNodesSetting "$root/services/Ledger.ServiceDefaults/Messaging/MessagingExtensions.cs" 2>/dev/null \
     && grep -q "replicas' addresses separated by commas" "$root/building-blocks/Ledger.NotaryClient/NotaryClients.cs" 2>/dev/null; then
    client_cluster_settings=1
  else
    client_cluster_settings=0
  fi
fi

postgres_connection() {
  echo "Host=127.0.0.1:$pg_primary_port,127.0.0.1:$pg_standby_port;Target Session Attributes=primary;Database=ledger;Username=ledger;Password=ledger"
}

# --- RabbitMQ ----------------------------------------------------------------------------------
rabbit_dir() { echo "$dir/rabbitmq/r$1"; }
# The node's own environment: name, ports, data and log directories, and the cluster's Erlang
# cookie (HOME/.erlang.cookie, read by the server and by rabbitmqctl alike).
rabbit_env() {
  local n="$1" d; d="$(rabbit_dir "$1")"
  echo HOME="$dir/rabbitmq" RABBITMQ_NODENAME="$(rabbit_node "$n")" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$(rabbit_amqp_port "$n")" RABBITMQ_DIST_PORT="$(rabbit_dist_port "$n")" \
    RABBITMQ_MNESIA_BASE="$d/mnesia" RABBITMQ_LOG_BASE="$d/log" RABBITMQ_CONFIG_FILE="$d/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rabbitmq/enabled_plugins" RABBITMQ_PID_FILE="$d/pid"
}
rctl() { # node-number args...
  local n="$1"; shift
  env $(rabbit_env "$n") /usr/lib/rabbitmq/bin/rabbitmqctl -n "$(rabbit_node "$n")" "$@"
}
# Running: the process of the node's pid file is alive (answering or not).
rabbit_pid() { cat "$(rabbit_dir "$1")/pid" 2>/dev/null || true; }
rabbit_running() { local pid; pid="$(rabbit_pid "$1")"; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

rabbit_prepare() {
  command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
  mkdir -p "$dir/rabbitmq"
  chmod 700 "$dir/rabbitmq"
  if [ ! -f "$dir/rabbitmq/.erlang.cookie" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$dir/rabbitmq/.erlang.cookie")
    chmod 400 "$dir/rabbitmq/.erlang.cookie"
  fi
  echo '[rabbitmq_management].' > "$dir/rabbitmq/enabled_plugins"
  local n d
  for n in 1 2 3; do
    d="$(rabbit_dir "$n")"
    mkdir -p "$d/mnesia" "$d/log"
    cat > "$d/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$(rabbit_amqp_port "$n")
management.tcp.ip = 127.0.0.1
management.tcp.port = $(rabbit_management_port "$n")
loopback_users = none
# A node cut off from the majority stops serving rather than diverging.
cluster_partition_handling = pause_minority
CONF
  done
}

rabbit_start() { # node-number
  local n="$1"
  if rabbit_running "$n"; then return 0; fi
  say "starting RabbitMQ node $(rabbit_node "$n") (AMQP $(rabbit_amqp_port "$n"), management $(rabbit_management_port "$n"))"
  # Every descriptor away from the caller's: a caller reading this script's output to its end
  # (the tests) must not wait for the node.
  (cd "$dir/rabbitmq" && exec env $(rabbit_env "$n") setsid /usr/lib/rabbitmq/bin/rabbitmq-server) \
     >>"$(rabbit_dir "$n")/log/startup.log" 2>&1 </dev/null &
}
rabbit_await() { # node-number
  local n="$1"
  wait_for "$(rabbit_node "$n")" 120 rctl "$n" -q await_startup \
    || fail "RabbitMQ node $(rabbit_node "$n") did not start" "read $(rabbit_dir "$n")/log/"
}
rabbit_stop() { # node-number
  local n="$1"
  if ! rabbit_running "$n"; then return 0; fi
  local pid; pid="$(rabbit_pid "$n")"
  say "stopping RabbitMQ node $(rabbit_node "$n") (pid $pid)"
  rctl "$n" -q stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$(rabbit_dir "$n")/pid"; return 0; }; sleep 1; done
  say "$(rabbit_node "$n") did not stop within 60 s: SIGKILL"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$(rabbit_dir "$n")/pid"
}

rabbit_up() {
  rabbit_prepare
  local n
  for n in 1 2 3; do rabbit_start "$n"; done
  for n in 1 2 3; do rabbit_await "$n"; done
  for n in 2 3; do
    if ! rctl "$n" -q cluster_status 2>/dev/null | grep -q "$(rabbit_node 1)"; then
      say "joining $(rabbit_node "$n") to $(rabbit_node 1)"
      # (rabbitmqctl's warnings while the node rejoins go to the node's log directory.)
      { rctl "$n" -q stop_app && rctl "$n" -q reset && rctl "$n" -q join_cluster "$(rabbit_node 1)" && rctl "$n" -q start_app; } \
        >>"$(rabbit_dir "$n")/log/join.log" 2>&1 \
        || fail "$(rabbit_node "$n") could not join the cluster" "read $(rabbit_dir "$n")/log/join.log"
    fi
  done
  if ! rctl 1 -q list_users 2>/dev/null | awk '{print $1}' | grep -qx ledger; then
    say "creating RabbitMQ user ledger"
    rctl 1 -q add_user ledger ledger >/dev/null
    rctl 1 -q set_user_tags ledger administrator >/dev/null
    rctl 1 -q set_permissions -p / ledger '.*' '.*' '.*' >/dev/null
  fi
}

# --- PostgreSQL --------------------------------------------------------------------------------
pg_exists() { pg_lsclusters -h | awk -v c="$1" '$1 == "'$pg_version'" && $2 == c {found=1} END {exit !found}'; }
pg_online() { pg_lsclusters -h | awk -v c="$1" '$1 == "'$pg_version'" && $2 == c && $4 ~ /online/ {found=1} END {exit !found}'; }
pg_in_recovery() { # port
  [ "$(cd / && su postgres -c "psql -p $1 -qtAc 'SELECT pg_is_in_recovery()'" 2>/dev/null)" = t ]
}
pg_sql() { # port sql
  (cd / && su postgres -c "psql -p $1 -v ON_ERROR_STOP=1 -qtAc \"$2\"")
}

pg_conf() { # cluster port extra-lines
  local conf="/etc/postgresql/$pg_version/$1/conf.d/ledger-cluster.conf"
  mkdir -p "$(dirname "$conf")"
  cat > "$conf" <<CONF
# Written by infra/cluster.sh.
port = $2
listen_addresses = '127.0.0.1'
max_connections = 400
wal_level = replica
max_wal_senders = 10
wal_keep_size = 256MB
hot_standby = on
$3
CONF
  chown postgres:postgres "$conf"
}

pg_up() {
  command -v pg_createcluster >/dev/null 2>&1 || apt_install postgresql postgresql-contrib
  if ! pg_exists "$pg_primary"; then
    say "creating PostgreSQL cluster $pg_version/$pg_primary on port $pg_primary_port"
    pg_createcluster "$pg_version" "$pg_primary" --port "$pg_primary_port" >/dev/null
    # Asynchronous until the standby streams (a commit would wait for it forever otherwise).
    pg_conf "$pg_primary" "$pg_primary_port" ""
  fi
  if ! pg_online "$pg_primary" && ! { pg_exists "$pg_standby" && pg_online "$pg_standby" && ! pg_in_recovery "$pg_standby_port"; }; then
    say "starting PostgreSQL $pg_version/$pg_primary"
    pg_ctlcluster "$pg_version" "$pg_primary" start \
      || fail "PostgreSQL $pg_primary did not start" "read /var/log/postgresql/postgresql-$pg_version-$pg_primary.log"
  fi
  if pg_online "$pg_primary" && ! pg_in_recovery "$pg_primary_port"; then
    wait_for "$pg_primary" 30 pg_isready -h 127.0.0.1 -p "$pg_primary_port" || fail "PostgreSQL $pg_primary does not answer" "read /var/log/postgresql/postgresql-$pg_version-$pg_primary.log"
    if [ "$(pg_sql "$pg_primary_port" "SELECT 1 FROM pg_roles WHERE rolname='replicator'")" != 1 ]; then
      pg_sql "$pg_primary_port" "CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$replicator_password'"
    fi
    if [ "$(pg_sql "$pg_primary_port" "SELECT 1 FROM pg_roles WHERE rolname='ledger'")" != 1 ]; then
      say "creating role ledger"
      pg_sql "$pg_primary_port" "CREATE ROLE ledger LOGIN CREATEDB PASSWORD 'ledger'; GRANT pg_signal_backend TO ledger"
    fi
    if [ "$(pg_sql "$pg_primary_port" "SELECT 1 FROM pg_database WHERE datname='ledger'")" != 1 ]; then
      pg_sql "$pg_primary_port" "CREATE DATABASE ledger OWNER ledger"
    fi
  fi
  if ! pg_exists "$pg_standby"; then
    say "creating the standby $pg_version/$pg_standby on port $pg_standby_port (pg_basebackup from $pg_primary)"
    pg_createcluster "$pg_version" "$pg_standby" --port "$pg_standby_port" >/dev/null
    local data="/var/lib/postgresql/$pg_version/$pg_standby"
    rm -rf "$data"
    (cd / && su postgres -c "PGPASSWORD='$replicator_password' pg_basebackup -h 127.0.0.1 -p $pg_primary_port -U replicator -D '$data' -X stream -c fast") \
      || fail "pg_basebackup from $pg_primary failed" "read /var/log/postgresql/postgresql-$pg_version-$pg_primary.log"
    touch "$data/standby.signal"
    chown postgres:postgres "$data/standby.signal"
    # The standby's own settings: it streams from the primary under the name the primary waits for.
    pg_conf "$pg_standby" "$pg_standby_port" "primary_conninfo = 'host=127.0.0.1 port=$pg_primary_port user=replicator password=$replicator_password application_name=${name}_standby'"
  fi
  if ! pg_online "$pg_standby"; then
    say "starting PostgreSQL $pg_version/$pg_standby"
    pg_ctlcluster "$pg_version" "$pg_standby" start \
      || fail "PostgreSQL $pg_standby did not start" "read /var/log/postgresql/postgresql-$pg_version-$pg_standby.log"
  fi
  wait_for "$pg_standby" 30 pg_isready -h 127.0.0.1 -p "$pg_standby_port" || fail "PostgreSQL $pg_standby does not answer" "read /var/log/postgresql/postgresql-$pg_version-$pg_standby.log"
  if pg_online "$pg_primary" && ! pg_in_recovery "$pg_primary_port"; then
    wait_for "the standby to stream" 60 standby_state streaming \
      || fail "the standby does not stream from the primary" "read /var/log/postgresql/postgresql-$pg_version-$pg_standby.log"
    if ! grep -q synchronous_standby_names "/etc/postgresql/$pg_version/$pg_primary/conf.d/ledger-cluster.conf"; then
      # From now on a commit returns once the standby has it: a promotion loses nothing acknowledged.
      say "commits on $pg_primary now wait for $pg_standby (synchronous_standby_names)"
      pg_conf "$pg_primary" "$pg_primary_port" "synchronous_standby_names = '${name}_standby'
synchronous_commit = on"
      pg_ctlcluster "$pg_version" "$pg_primary" reload
    fi
    wait_for "the standby to be synchronous" 30 standby_state sync \
      || fail "the standby is not synchronous" "read /var/log/postgresql/postgresql-$pg_version-$pg_primary.log"
  fi
}

# The standby's replication state on the primary: streaming (state) or sync (sync_state).
standby_state() { # streaming|sync
  local column=state
  [ "$1" = sync ] && column=sync_state
  [ "$(pg_sql "$pg_primary_port" "SELECT $column FROM pg_stat_replication WHERE application_name = '${name}_standby'" 2>/dev/null)" = "$1" ]
}

pg_promote() {
  pg_online "$pg_standby" || fail "the standby $pg_standby is not running" "run infra/cluster.sh up first"
  if ! pg_in_recovery "$pg_standby_port"; then say "$pg_standby is already a primary"; return 0; fi
  say "promoting $pg_version/$pg_standby to primary"
  pg_ctlcluster "$pg_version" "$pg_standby" promote
  wait_for "promotion" 30 sh -c "! [ \"\$(cd / && su postgres -c \"psql -p $pg_standby_port -qtAc 'SELECT pg_is_in_recovery()'\")\" = t ]" \
    || fail "$pg_standby did not leave recovery" "read /var/log/postgresql/postgresql-$pg_version-$pg_standby.log"
  say "$pg_standby is the primary now (port $pg_standby_port); $pg_primary stays stopped: 'infra/cluster.sh destroy' and 'up' build a fresh pair"
}

# --- HAProxy -----------------------------------------------------------------------------------
haproxy_up() {
  command -v haproxy >/dev/null 2>&1 || apt_install haproxy
  local cfg="$dir/haproxy.cfg" n s
  {
    cat <<CFG
# Written by infra/cluster.sh: per-call balancing of gRPC (HTTP/2 cleartext, h2c) and HTTP over
# the replicas, and AMQP and the management API over the RabbitMQ nodes.
global
  maxconn 4096
  # Runtime API (infra/cluster.sh drain/undrain): take a replica out of rotation and back.
  stats socket $dir/haproxy.sock mode 600 level admin
  log stderr format short local0 warning
defaults
  log global
  timeout connect 2s
  timeout client 10m
  timeout server 10m
  timeout tunnel 1h
  retries 2
  option redispatch
listen stats
  mode http
  bind 127.0.0.1:$haproxy_stats_port
  stats enable
  stats uri /
listen amqp
  mode tcp
  bind 127.0.0.1:$amqp_port
  balance roundrobin
  timeout client 3h
  timeout server 3h
CFG
    for n in 1 2 3; do echo "  server r$n 127.0.0.1:$(rabbit_amqp_port "$n") check inter 1s fall 2 rise 2"; done
    cat <<CFG
listen rabbitmq-management
  mode http
  bind 127.0.0.1:$management_port
  balance roundrobin
CFG
    for n in 1 2 3; do echo "  server r$n 127.0.0.1:$(rabbit_management_port "$n") check inter 1s fall 2 rise 2"; done
    for entry in "${services[@]}"; do
      IFS=: read -r s _ _ <<<"$entry"
      cat <<CFG
frontend $s-grpc
  mode http
  bind 127.0.0.1:$(balancer_grpc "$s") proto h2
  default_backend $s-grpc
backend $s-grpc
  mode http
  balance roundrobin
  # A call whose connection could not be opened goes to the other replica (retries, redispatch);
  # a call that was under way when its replica died fails (the caller retries it with its
  # idempotency key). No layer-7 retries: they would buffer gRPC's streamed request bodies.
  option httpchk GET /health/ready
  http-check expect status 200
CFG
      for n in 1 2; do echo "  server r$n 127.0.0.1:$(replica_grpc "$s" "$n") proto h2 check port $(replica_http "$s" "$n") check-proto h1 inter 1s fall 1 rise 2"; done
      cat <<CFG
frontend $s-http
  mode http
  bind 127.0.0.1:$(balancer_http "$s")
  default_backend $s-http
backend $s-http
  mode http
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
CFG
      for n in 1 2; do echo "  server r$n 127.0.0.1:$(replica_http "$s" "$n") check inter 1s fall 1 rise 2"; done
    done
  } > "$cfg.new"
  haproxy -c -q -f "$cfg.new" || fail "the generated HAProxy configuration is invalid" "run haproxy -c -f $cfg.new"
  mv "$cfg.new" "$cfg"
  local pidfile="$dir/pids/haproxy.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    # Reload in place (a changed configuration), keeping established connections.
    haproxy -D -f "$cfg" -p "$pidfile" -sf "$(cat "$pidfile")" >>"$dir/logs/haproxy.log" 2>&1 </dev/null
  else
    say "starting HAProxy (stats http://127.0.0.1:$haproxy_stats_port/)"
    haproxy -D -f "$cfg" -p "$pidfile" >>"$dir/logs/haproxy.log" 2>&1 </dev/null || fail "HAProxy did not start" "read $dir/logs/haproxy.log"
  fi
}

# --- the services ------------------------------------------------------------------------------
replica_pidfile() { echo "$dir/pids/$1-$2.pid"; }
replica_running() { local f; f="$(replica_pidfile "$1" "$2")"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
replica_healthy() { curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$(replica_http "$1" "$2")$3"; }

replica_start() { # service n
  local s="$1" n="$2" project dll
  if replica_running "$s" "$n"; then return 0; fi
  project="$(service_project "$s")"
  dll="$root/services/Ledger.$project/bin/Release/net10.0/Ledger.$project.dll"
  [ -f "$dll" ] || fail "$dll is missing" "build first: make build (or run without LEDGER_CLUSTER_NO_BUILD=1)"
  say "starting $s replica $n (gRPC $(replica_grpc "$s" "$n"), HTTP $(replica_http "$s" "$n"))"
  (
    cd "$root/services/Ledger.$project"
    export ConnectionStrings__Ledger ConnectionStrings__RabbitMq
    ConnectionStrings__Ledger="$(postgres_connection)"
    if [ "$client_cluster_settings" = 1 ]; then
      # The bus knows every node itself (Ledger__Messaging__ClusterNodes, issue 17).
      ConnectionStrings__RabbitMq="amqp://ledger:ledger@127.0.0.1:$(rabbit_amqp_port 1)/"
      export Ledger__Messaging__ClusterNodes="127.0.0.1:$(rabbit_amqp_port 2),127.0.0.1:$(rabbit_amqp_port 3)"
    else
      ConnectionStrings__RabbitMq="amqp://ledger:ledger@127.0.0.1:$amqp_port/"
    fi
    export Ledger__Messaging__QuorumQueues=true
    export Ledger__Notary__RootKeyFile="$dir/notary-root.key"
    export Ledger__Auth__ClientsFile="$dir/clients.json"
    export Ledger__Auth__ClientKeyFile="$dir/clients/$s.private.jwk"
    # Calls to Notary: per call over both replicas, by the client itself where the build can
    # (a list in Ledger__Notary__Url, issue 17), else through the balancer. Revocation, and Issuance
    # (Revocation fetches the Issuance events its queues missed), through the balancer.
    if [ "$client_cluster_settings" = 1 ]; then
      export Ledger__Notary__Url="http://127.0.0.1:$(replica_grpc notary 1),http://127.0.0.1:$(replica_grpc notary 2)"
    else
      export Ledger__Notary__Url="http://127.0.0.1:$(balancer_grpc notary)"
    fi
    export Ledger__Notary__RevocationUrl="http://127.0.0.1:$(balancer_http revocation)"
    export Ledger__Revocation__Url="http://127.0.0.1:$(balancer_grpc revocation)"
    export Ledger__Issuance__Url="http://127.0.0.1:$(balancer_grpc issuance)"
    export Ledger__Attestation__Url="http://127.0.0.1:$(balancer_grpc attestation)"
    export Kestrel__Endpoints__Http__Url="http://127.0.0.1:$(replica_http "$s" "$n")"
    export Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$(replica_grpc "$s" "$n")"
    unset OTEL_EXPORTER_OTLP_ENDPOINT
    echo "---- start at $(date -u +%FT%TZ) ----" >> "$dir/logs/$s-$n.log"
    setsid dotnet "$dll" >>"$dir/logs/$s-$n.log" 2>&1 </dev/null &
    echo $! > "$(replica_pidfile "$s" "$n")"
  )
}

replica_await() { # service n [health path]
  local s="$1" n="$2" path="${3:-/health/ready}"
  for _ in $(seq 1 360); do
    if replica_healthy "$s" "$n" "$path"; then return 0; fi
    if ! replica_running "$s" "$n"; then
      tail -n 30 "$dir/logs/$s-$n.log" >&2
      fail "$s replica $n stopped while starting" "read $dir/logs/$s-$n.log"
    fi
    sleep 0.5
  done
  tail -n 30 "$dir/logs/$s-$n.log" >&2
  fail "$s replica $n was not ready ($path) within 180 s" "read $dir/logs/$s-$n.log"
}

replica_kill() { # service n
  local s="$1" n="$2" f pid
  f="$(replica_pidfile "$s" "$n")"
  if replica_running "$s" "$n"; then
    pid="$(cat "$f")"
    kill -9 "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "---- killed (SIGKILL) at $(date -u +%FT%TZ) ----" >> "$dir/logs/$s-$n.log"
    say "killed $s replica $n (pid $pid, SIGKILL)"
  fi
  rm -f "$f"
}

replica_stop() { # service n: SIGTERM, as make run, a container runtime or systemd stops a service
  local s="$1" n="$2" f pid
  f="$(replica_pidfile "$s" "$n")"
  if replica_running "$s" "$n"; then
    pid="$(cat "$f")"
    kill -TERM "$pid"
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$f"
}

services_up() {
  mkdir -p "$dir/logs" "$dir/pids"
  "$root/infra/secrets.sh" "$dir" >/dev/null
  if [ "${LEDGER_CLUSTER_NO_BUILD:-}" != 1 ]; then
    say "building (Release)"
    (cd "$root" && . infra/env.sh && dotnet build Ledger.sln -c Release -v quiet -nologo) >/dev/null \
      || fail "the build failed" "run make build to see the errors"
  fi
  # Replica 1 of each service first, replica 2 once replica 1 is ready: the first replica of a
  # service creates its database, and two creating it at once fail (docs/SCALING.md). Notary
  # first (the key rings), Revocation before Issuance, its queues bound first (as infra/run.sh).
  replica_start notary 1; replica_await notary 1
  replica_start revocation 1; replica_start attestation 1; replica_start notary 2
  replica_await revocation 1 /health/publishing
  replica_start issuance 1; replica_start revocation 2
  replica_await attestation 1; replica_start attestation 2
  replica_await issuance 1; replica_start issuance 2
  local entry s n
  for entry in "${services[@]}"; do
    IFS=: read -r s _ _ <<<"$entry"
    for n in 1 2; do replica_await "$s" "$n"; done
  done
}

print_env() {
  local entry s n
  echo "LEDGER_CLUSTER_DIR=$dir"
  echo "LEDGER_CLUSTER_POSTGRES='$(postgres_connection)'"
  echo "LEDGER_CLUSTER_POSTGRES_PRIMARY_PORT=$pg_primary_port"
  echo "LEDGER_CLUSTER_POSTGRES_STANDBY_PORT=$pg_standby_port"
  echo "LEDGER_CLUSTER_RABBITMQ=amqp://ledger:ledger@127.0.0.1:$amqp_port/"
  echo "LEDGER_CLUSTER_RABBITMQ_MANAGEMENT=http://ledger:ledger@127.0.0.1:$management_port/"
  for n in 1 2 3; do echo "LEDGER_CLUSTER_RABBITMQ_NODE_$n='$(rabbit_node "$n") $(rabbit_amqp_port "$n") $(rabbit_management_port "$n")'"; done
  for entry in "${services[@]}"; do
    IFS=: read -r s _ _ <<<"$entry"
    local upper; upper="$(echo "$s" | tr a-z A-Z)"
    echo "LEDGER_CLUSTER_${upper}_GRPC=http://127.0.0.1:$(balancer_grpc "$s")"
    echo "LEDGER_CLUSTER_${upper}_HTTP=http://127.0.0.1:$(balancer_http "$s")"
    echo "LEDGER_CLUSTER_${upper}_REPLICAS_GRPC=http://127.0.0.1:$(replica_grpc "$s" 1),http://127.0.0.1:$(replica_grpc "$s" 2)"
    echo "LEDGER_CLUSTER_${upper}_REPLICAS_HTTP=http://127.0.0.1:$(replica_http "$s" 1),http://127.0.0.1:$(replica_http "$s" 2)"
  done
}

status() {
  local entry s n state
  for n in 1 2 3; do
    if rabbit_running "$n"; then state=running; else state=stopped; fi
    printf '%-24s %-8s AMQP %s, management %s\n' "$(rabbit_node "$n")" "$state" "$(rabbit_amqp_port "$n")" "$(rabbit_management_port "$n")"
  done
  for c in "$pg_primary:$pg_primary_port" "$pg_standby:$pg_standby_port"; do
    IFS=: read -r cl port <<<"$c"
    if ! pg_exists "$cl"; then state=absent
    elif ! pg_online "$cl"; then state=stopped
    elif pg_in_recovery "$port"; then state=standby
    else state=primary
    fi
    printf '%-24s %-8s PostgreSQL %s on %s\n' "$cl" "$state" "$pg_version" "$port"
  done
  for entry in "${services[@]}"; do
    IFS=: read -r s _ _ <<<"$entry"
    for n in 1 2; do
      if replica_healthy "$s" "$n" /health/ready; then state=ready; elif replica_running "$s" "$n"; then state=starting; else state=stopped; fi
      printf '%-24s %-8s gRPC %s, HTTP %s\n' "$s replica $n" "$state" "$(replica_grpc "$s" "$n")" "$(replica_http "$s" "$n")"
    done
  done
}

down() {
  local entry s n
  for entry in "${services[@]}"; do
    IFS=: read -r s _ _ <<<"$entry"
    for n in 1 2; do replica_stop "$s" "$n"; done
  done
  if [ -f "$dir/pids/haproxy.pid" ]; then
    kill "$(cat "$dir/pids/haproxy.pid")" 2>/dev/null || true
    rm -f "$dir/pids/haproxy.pid"
  fi
  if [ -d "$dir/rabbitmq" ]; then for n in 3 2 1; do rabbit_stop "$n"; done; fi
  for c in "$pg_standby" "$pg_primary"; do
    if pg_exists "$c" && pg_online "$c"; then pg_ctlcluster "$pg_version" "$c" stop -m fast || true; fi
  done
  say "cluster $name stopped (data kept in $dir and PostgreSQL $pg_version/$pg_primary, $pg_standby)"
}

command="${1:-}"
case "$command" in
  up)
    [ "$(id -u)" = 0 ] || fail "the cluster installs and starts servers, which needs root" "run as root (or with sudo)"
    mkdir -p "$dir/logs" "$dir/pids"
    chmod 700 "$dir"
    rabbit_up
    pg_up
    haproxy_up
    services_up
    status
    cat <<TXT

Ledger cluster '$name' is running (state in $dir). Through the balancer:
  notary       gRPC 127.0.0.1:$(balancer_grpc notary)  HTTP 127.0.0.1:$(balancer_http notary)
  issuance     gRPC 127.0.0.1:$(balancer_grpc issuance)  HTTP 127.0.0.1:$(balancer_http issuance)
  revocation   gRPC 127.0.0.1:$(balancer_grpc revocation)  HTTP 127.0.0.1:$(balancer_http revocation)
  attestation  gRPC 127.0.0.1:$(balancer_grpc attestation)  HTTP 127.0.0.1:$(balancer_http attestation)
  RabbitMQ     AMQP 127.0.0.1:$amqp_port  management 127.0.0.1:$management_port (ledger/ledger)
  PostgreSQL   $(postgres_connection)
  HAProxy      stats http://127.0.0.1:$haproxy_stats_port/

Every replica's health:
  export LEDGER_CLIENT_KEY=$dir/clients/admin.private.jwk
  ledgerctl health --notary http://127.0.0.1:$(replica_grpc notary 1),http://127.0.0.1:$(replica_grpc notary 2) \\
    --issuance http://127.0.0.1:$(replica_grpc issuance 1),http://127.0.0.1:$(replica_grpc issuance 2) \\
    --revocation http://127.0.0.1:$(replica_grpc revocation 1),http://127.0.0.1:$(replica_grpc revocation 2) \\
    --attestation http://127.0.0.1:$(replica_grpc attestation 1),http://127.0.0.1:$(replica_grpc attestation 2)
Stop it: make cluster-down (data kept) or infra/cluster.sh destroy.
TXT
    ;;
  down) down ;;
  destroy)
    # Everything is deleted: no graceful stops (a RabbitMQ node's takes long on a loaded machine).
    for entry in "${services[@]}"; do
      IFS=: read -r s _ _ <<<"$entry"
      for n in 1 2; do replica_kill "$s" "$n" >/dev/null; done
    done
    if [ -f "$dir/pids/haproxy.pid" ]; then kill "$(cat "$dir/pids/haproxy.pid")" 2>/dev/null || true; fi
    for n in 1 2 3; do
      pid="$(rabbit_pid "$n")"
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then say "killing RabbitMQ node $(rabbit_node "$n") (pid $pid)"; kill -9 "$pid"; fi
    done
    for c in "$pg_standby" "$pg_primary"; do
      if pg_exists "$c"; then
        say "dropping PostgreSQL cluster $pg_version/$c"
        pg_online "$c" && pg_ctlcluster "$pg_version" "$c" stop -m immediate
        pg_dropcluster "$pg_version" "$c"
      fi
    done
    rm -rf "$dir"
    say "cluster $name removed"
    ;;
  status) status ;;
  env) print_env ;;
  promote) pg_promote ;;
  pg-stop-primary)
    say "stopping PostgreSQL $pg_version/$pg_primary (immediate)"
    pg_ctlcluster "$pg_version" "$pg_primary" stop -m immediate
    ;;
  kill) replica_kill "${2:?which service}" "${3:?which replica, 1 or 2}" ;;
  start)
    replica_start "${2:?which service}" "${3:?which replica, 1 or 2}"
    replica_await "$2" "$3"
    say "$2 replica $3 ready"
    ;;
  drain|undrain)
    command -v socat >/dev/null 2>&1 || apt_install socat
    s="${2:?which service}" n="${3:?which replica, 1 or 2}"
    service_offset "$s" >/dev/null
    for backend in "$s-grpc" "$s-http"; do
      echo "$([ "$command" = drain ] && echo disable || echo enable) server $backend/r$n" | socat stdio "unix-connect:$dir/haproxy.sock" >/dev/null \
        || fail "HAProxy's runtime API did not answer" "is the cluster up? (infra/cluster.sh status)"
    done
    say "$s replica $n $([ "$command" = drain ] && echo "out of" || echo "back in") the balancer"
    ;;
  rabbit-stop) rabbit_stop "${2:?which node, 1 to 3}" ;;
  rabbit-start) rabbit_start "${2:?which node, 1 to 3}"; rabbit_await "$2"; say "$(rabbit_node "$2") running" ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
