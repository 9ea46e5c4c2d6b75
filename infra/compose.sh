#!/usr/bin/env bash
# The stack of docker-compose.yml on this machine, from nothing: `make compose-up`,
# `make compose-down`, and infra/up.sh in docker mode.
#   infra/compose.sh up [--no-build]   keys, engine, images, the whole stack; waits for every
#                                      container's health check, prints the addresses
#   infra/compose.sh infra             only postgres and rabbitmq (infra/up.sh, LEDGER_INFRA=docker)
#   infra/compose.sh build             only the images
#   infra/compose.sh down [--volumes]  removes the project's containers and network (and its
#                                      data volume with --volumes)
#   infra/compose.sh engine            only the engine (installed, daemon running)
#   infra/compose.sh images            the engine and the infrastructure images; prints which
#                                      (LEDGER_IMAGES=..., LEDGER_POSTGRES_IMAGE=..., LEDGER_RABBITMQ_IMAGE=...)
#   infra/compose.sh engine-stop       stops the Docker daemon if infra/ started it
# Engine: docker.io and docker-compose from Debian when missing, the daemon started when it
# does not run. Images: LEDGER_IMAGES=auto (default: official images when their registries
# answer, else local ones from infra/images/build.sh), official, or local.
# Idempotent: a second `up` builds nothing new and leaves running containers as they are.
# Settings: COMPOSE_PROJECT_NAME (ledger), LEDGER_COMPOSE_STATE (keys; .ledger),
# LEDGER_COMPOSE_PROFILES (full observability, plus tracing with official images),
# LEDGER_COMPOSE_WAIT (seconds for health, 300), and the image and port variables of docker-compose.yml.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=infra/lib.sh
. "$root/infra/lib.sh"

command="${1:-up}"
[ $# -gt 0 ] && shift
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-ledger}"
state="${LEDGER_COMPOSE_STATE:-$root/.ledger}"
export LEDGER_COMPOSE_SECRETS="${LEDGER_COMPOSE_SECRETS:-$state/compose}"
all_profiles=(--profile full --profile observability --profile tracing)

compose() { "${COMPOSE[@]}" -f "$root/docker-compose.yml" --project-directory "$root" "$@"; }

# Sets the image variables docker-compose.yml reads: local images unless official ones can be pulled.
choose_images() {
  local mode="${LEDGER_IMAGES:-auto}"
  if [ "$mode" = auto ]; then
    if registry_answers; then mode=official; else mode=local; say "no registry answers: using local images (infra/images/)"; fi
  fi
  case "$mode" in
    official) images=official ;;
    local)
      images=local
      "$root/infra/images/build.sh"
      export LEDGER_POSTGRES_IMAGE="${LEDGER_POSTGRES_IMAGE:-ledger-local/postgres:15}"
      export LEDGER_RABBITMQ_IMAGE="${LEDGER_RABBITMQ_IMAGE:-ledger-local/rabbitmq:3-management}"
      export LEDGER_PROMETHEUS_IMAGE="${LEDGER_PROMETHEUS_IMAGE:-ledger-local/prometheus:2}"
      export LEDGER_DOTNET_SDK_IMAGE="${LEDGER_DOTNET_SDK_IMAGE:-ledger-local/dotnet-sdk:10.0}"
      export LEDGER_DOTNET_RUNTIME_IMAGE="${LEDGER_DOTNET_RUNTIME_IMAGE:-ledger-local/dotnet-aspnet:10.0}"
      ;;
    *) fail "LEDGER_IMAGES is '$mode'" "set it to auto, official or local" ;;
  esac
}

profiles() {
  local names="${LEDGER_COMPOSE_PROFILES:-}"
  if [ -z "$names" ]; then
    names="full observability"
    # The collector and Jaeger exist only as registry images.
    [ "$images" = official ] && names="$names tracing"
  fi
  PROFILES=()
  for name in $names; do PROFILES+=(--profile "$name"); done
  case " $names " in *" tracing "*) export LEDGER_OTLP_ENDPOINT="${LEDGER_OTLP_ENDPOINT-http://otel-collector:4317}" ;; esac
}

containers() { docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" "$@"; }

# Waits until every container of the project that has a health check reports healthy, and
# every other one runs; fails at once when one turns unhealthy or exits.
wait_healthy() {
  local deadline=$((SECONDS + ${LEDGER_COMPOSE_WAIT:-300})) pending id name status
  while :; do
    pending=()
    for id in $(containers); do
      name="$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}' "$id")"
      status="$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")"
      # The one-shot `accounts` service (each service's database role) is done once it exited 0.
      if [ "$name" = accounts ] && [ "$status" = "exited none" ] \
        && [ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" = 0 ]; then
        continue
      fi
      case "$status" in
        "running healthy"|"running none") ;;
        *" unhealthy"|exited*|dead*)
          docker logs --tail 30 "$id" >&2 || true
          fail "$name is $status (its last log lines are above)" "run: ${COMPOSE[*]} -p $COMPOSE_PROJECT_NAME logs $name" ;;
        *) pending+=("$name") ;;
      esac
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    [ $SECONDS -lt "$deadline" ] || fail "not healthy after ${LEDGER_COMPOSE_WAIT:-300} s: ${pending[*]}" \
      "run: ${COMPOSE[*]} -p $COMPOSE_PROJECT_NAME logs ${pending[*]}"
    sleep 2
  done
}

addresses() {
  local line
  say "PostgreSQL    127.0.0.1:${LEDGER_PG_PORT:-5432} (user ledger, password ledger)"
  say "RabbitMQ      amqp://127.0.0.1:${LEDGER_RABBITMQ_PORT:-5672}, management http://127.0.0.1:${LEDGER_RABBITMQ_MANAGEMENT_PORT:-15672} (ledger/ledger)"
  [ "${1:-}" = infra ] && return 0
  for line in Notary:NOTARY:5010:5011 Issuance:ISSUANCE:5020:5021 Revocation:REVOCATION:5030:5031 Attestation:ATTESTATION:5040:5041; do
    IFS=: read -r name var http grpc <<<"$line"
    http_var="LEDGER_${var}_HTTP_PORT" grpc_var="LEDGER_${var}_GRPC_PORT"
    printf 'infra: %-13s gRPC http://127.0.0.1:%s  HTTP http://127.0.0.1:%s\n' "$name" "${!grpc_var:-$grpc}" "${!http_var:-$http}"
  done
  [ -n "$(containers --filter label=com.docker.compose.service=prometheus)" ] \
    && say "Prometheus    http://127.0.0.1:${LEDGER_PROMETHEUS_PORT:-9090}"
  [ -n "$(containers --filter label=com.docker.compose.service=jaeger)" ] \
    && say "Jaeger        http://127.0.0.1:${LEDGER_JAEGER_PORT:-16686}"
  say "calls need a client token: export LEDGER_CLIENT_KEY=$state/clients/admin.private.jwk (docs/SECURITY.md)"
}

case "$command" in
  up|build|infra)
    ensure_docker_engine
    find_compose
    started=$SECONDS
    choose_images
    profiles
    # The keys, once (docker-compose.yml names them as secrets, whichever services start).
    "$root/infra/compose-secrets.sh" >/dev/null
    if [ "$command" = infra ]; then
      compose up -d postgres rabbitmq
      wait_healthy
      addresses infra
      exit 0
    fi
    if [ "${1:-}" != --no-build ]; then
      compose "${PROFILES[@]}" build
      say "images ready in $((SECONDS - started)) s ($images images)"
    fi
    [ "$command" = build ] && exit 0
    starting=$SECONDS
    compose "${PROFILES[@]}" up -d --no-build
    wait_healthy
    say "stack healthy $((SECONDS - starting)) s after start (project $COMPOSE_PROJECT_NAME)"
    addresses
    ;;
  down)
    if ! docker_engine; then
      command -v dockerd >/dev/null 2>&1 || { say "no Docker engine installed: nothing to remove"; exit 0; }
      ensure_docker_engine
    fi
    find_compose
    "$root/infra/compose-secrets.sh" >/dev/null
    volumes=()
    [ "${1:-}" = --volumes ] && volumes=(--volumes)
    # Every profile, so no service is left behind whatever `up` started.
    compose "${all_profiles[@]}" down --remove-orphans "${volumes[@]}"
    ;;
  images)
    ensure_docker_engine
    choose_images
    echo "LEDGER_IMAGES=$images"
    echo "LEDGER_POSTGRES_IMAGE=${LEDGER_POSTGRES_IMAGE:-postgres:16-alpine}"
    echo "LEDGER_RABBITMQ_IMAGE=${LEDGER_RABBITMQ_IMAGE:-rabbitmq:3.13-management}"
    ;;
  engine) ensure_docker_engine; find_compose; say "Docker engine answers (API $(docker version -f '{{.Server.APIVersion}}')); compose: ${COMPOSE[*]}" ;;
  engine-stop) stop_docker_engine ;;
  *) fail "unknown command '$command'" "use: infra/compose.sh up|infra|build|down|images|engine|engine-stop" ;;
esac
