#!/usr/bin/env bash
# `make test`: PostgreSQL and RabbitMQ through infra/up.sh, then every test in the solution.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/infra/up.sh"
# shellcheck source=infra/env.sh
. "$root/infra/env.sh"
dotnet build Ledger.sln -c Release
dotnet test Ledger.sln -c Release --no-build --logger "console;verbosity=normal" "$@"
