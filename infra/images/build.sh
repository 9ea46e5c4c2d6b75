#!/usr/bin/env bash
# Builds, when missing or out of date, the local images that stand in for registry images:
#   ledger-local/debian:bookworm      debootstrap of this machine's Debian release (base.sh)
#   ledger-local/dotnet-sdk:10.0      the base plus this machine's .NET SDK (builds the services)
#   ledger-local/dotnet-aspnet:10.0   the base plus the ASP.NET Core runtime (runs the services)
#   ledger-local/postgres:15          PostgreSQL from Debian's packages
#   ledger-local/rabbitmq:3-management RabbitMQ and its management plugin from Debian's packages
#   ledger-local/prometheus:2         Prometheus from Debian's package
# Each image carries a hash of what it was built from (label org.ledger.inputs); an image
# whose inputs did not change is kept, so a second run builds nothing.
#   infra/images/build.sh [--force]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=infra/images/lib.sh
. "$here/lib.sh"

force=0
[ "${1:-}" = --force ] && force=1
cache="${LEDGER_IMAGE_CACHE:-/var/cache/ledger/images}"
suite="$(debian_suite)"

BASE_IMAGE="ledger-local/debian:$suite"
SDK_IMAGE=ledger-local/dotnet-sdk:10.0
RUNTIME_IMAGE=ledger-local/dotnet-aspnet:10.0
POSTGRES_IMAGE=ledger-local/postgres:15
RABBITMQ_IMAGE=ledger-local/rabbitmq:3-management
PROMETHEUS_IMAGE=ledger-local/prometheus:2

image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
image_inputs() { docker image inspect -f '{{index .Config.Labels "org.ledger.inputs"}}' "$1" 2>/dev/null || true; }

# build IMAGE DOCKERFILE CONTEXT EXTRA-INPUTS [docker build args...]
build() {
  local image="$1" dockerfile="$2" context="$3" extra="$4"; shift 4
  local inputs
  inputs="$( { cat "$dockerfile"; printf '%s\n' "$extra" "$@"; } | sha256sum | cut -c1-16)"
  if [ "$force" = 0 ] && [ "$(image_inputs "$image")" = "$inputs" ]; then
    say "$image is up to date"
    return 0
  fi
  say "building $image"
  local started=$SECONDS previous
  previous="$(image_id "$image")"
  local log
  log="$(mktemp)"
  if ! DOCKER_BUILDKIT=0 docker build -f "$dockerfile" --label "org.ledger.inputs=$inputs" \
      --label "org.ledger.image=${image%%:*}" -t "$image" "$@" "$context" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    fail "building $image failed (the build's last lines are above)" "run: docker build -f $dockerfile $* $context"
  fi
  rm -f "$log"
  # The image this one replaces, unless something still uses it (then removal fails, harmlessly).
  [ -n "$previous" ] && [ "$previous" != "$(image_id "$image")" ] && docker rmi "$previous" >/dev/null 2>&1 || true
  say "built $image in $((SECONDS - started)) s"
}

if [ "$force" = 1 ] || [ -z "$(image_id "$BASE_IMAGE")" ]; then
  "$here/base.sh" "$BASE_IMAGE"
fi
base_id="$(image_id "$BASE_IMAGE")"

# The SDK image's context: this machine's dotnet directory (hard links where possible) and the
# certificate authorities it adds to the system's, which NuGet inside the build must trust too.
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
sdk_version="$(dotnet --version)"
cas=(/usr/local/share/ca-certificates/*.crt)
[ -e "${cas[0]}" ] || cas=()
ca_hash="$( { [ ${#cas[@]} -gt 0 ] && cat "${cas[@]}"; true; } | sha256sum | cut -c1-16)"
sdk_extra="base=$base_id sdk=$sdk_version cas=$ca_hash"
if [ "$force" = 1 ] || [ "$(image_inputs "$SDK_IMAGE")" != "$( { cat "$here/dotnet-sdk.Dockerfile"; printf '%s\n' "$sdk_extra" --build-arg "BASE_IMAGE=$BASE_IMAGE"; } | sha256sum | cut -c1-16)" ]; then
  context="$(mktemp -d "${TMPDIR:-/tmp}/ledger-sdk-context.XXXXXX")"
  trap 'rm -rf "$context"' EXIT
  cp -al "$dotnet_root" "$context/dotnet" 2>/dev/null || cp -a "$dotnet_root" "$context/dotnet"
  mkdir -p "$context/ca-certificates"
  [ ${#cas[@]} -gt 0 ] && cp "${cas[@]}" "$context/ca-certificates/"
  build "$SDK_IMAGE" "$here/dotnet-sdk.Dockerfile" "$context" "$sdk_extra" --build-arg "BASE_IMAGE=$BASE_IMAGE"
  rm -rf "$context"
  trap - EXIT
else
  say "$SDK_IMAGE is up to date"
fi
sdk_id="$(image_id "$SDK_IMAGE")"

build "$RUNTIME_IMAGE" "$here/dotnet-aspnet.Dockerfile" "$here" "base=$base_id sdk=$sdk_id" \
  --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "SDK_IMAGE=$SDK_IMAGE"
build "$POSTGRES_IMAGE" "$here/postgres.Dockerfile" "$here" "base=$base_id $(sha256sum "$here/postgres-entrypoint.sh")" \
  --build-arg "BASE_IMAGE=$BASE_IMAGE"
build "$RABBITMQ_IMAGE" "$here/rabbitmq.Dockerfile" "$here" "base=$base_id $(sha256sum "$here/rabbitmq-entrypoint.sh")" \
  --build-arg "BASE_IMAGE=$BASE_IMAGE"
build "$PROMETHEUS_IMAGE" "$here/prometheus.Dockerfile" "$here" "base=$base_id" \
  --build-arg "BASE_IMAGE=$BASE_IMAGE"
