#!/usr/bin/env bash
# The OCI registry the CLI tests start on 127.0.0.1 to resolve tags to digests: Debian's
# docker-registry package (the CNCF distribution registry). Installs it with apt when missing and
# keeps the Debian service from running (each test starts its own registry on a free port with
# its own config and storage). Idempotent. Run by infra/test.sh, and by the tests themselves when
# /usr/bin/docker-registry is missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=infra/lib.sh
. "$root/infra/lib.sh"

if command -v docker-registry >/dev/null 2>&1; then
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "installing docker-registry needs root" "run 'sudo infra/registry.sh' once"
say "installing docker-registry (the OCI registry the CLI tests run on 127.0.0.1)"
# policy-rc.d 101: the package's own service must not start and take port 5000.
policy=/usr/sbin/policy-rc.d
restore_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  restore_policy=1
fi
trap '[ "$restore_policy" = 1 ] && rm -f "$policy"' EXIT
DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update failed" "check network access to the Debian mirrors"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null \
  || fail "apt-get install docker-registry failed" "run 'apt-get install docker-registry' by hand to see the error"
command -v docker-registry >/dev/null 2>&1 || fail "docker-registry is installed but not on the PATH" "check /usr/bin/docker-registry"
say "docker-registry installed"
