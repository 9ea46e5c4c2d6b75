#!/usr/bin/env bash
# `make test`: PostgreSQL and RabbitMQ through infra/up.sh, docker-registry through infra/registry.sh,
# then every test in the solution:
#   1. every project except the container and reliability tests, in parallel;
#   2. the container tests alone (tests/Ledger.Containers.Tests): they get a Docker engine
#      (installed and started when missing, stopped again if they started it), build the images
#      (local ones where no registry answers; cached between runs) and bring a compose stack up
#      and down on free ports; they take both cores while they build. LEDGER_TEST_CONTAINERS=0 skips them;
#   3. the reliability tests alone (tests/Ledger.Reliability.Tests): they kill services under
#      load and stop PostgreSQL and RabbitMQ (infra/fault.sh), which nothing else may be using;
#      and ClusterFaultTests builds a cluster of its own with infra/cluster.sh (three RabbitMQ
#      nodes, a PostgreSQL primary and standby, two replicas per service behind HAProxy, on ports
#      from 6400; it installs haproxy with apt when missing), faults it, and removes it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/infra/up.sh"
# The CLI tests resolve tags against a real OCI registry they start on 127.0.0.1 (Debian's docker-registry).
"$root/infra/registry.sh"
# shellcheck source=infra/env.sh
. "$root/infra/env.sh"
dotnet build Ledger.sln -c Release
dotnet test Ledger.sln -c Release --no-build --filter "Category!=Reliability&Category!=Containers" --logger "console;verbosity=normal" "$@"
if [ "${LEDGER_TEST_CONTAINERS:-1}" = 0 ]; then
  echo "test: container tests skipped (LEDGER_TEST_CONTAINERS=0)"
else
  dotnet test tests/Ledger.Containers.Tests -c Release --no-build --logger "console;verbosity=detailed" "$@"
fi
LEDGER_TEST_OUTAGES=1 dotnet test tests/Ledger.Reliability.Tests -c Release --no-build --logger "console;verbosity=detailed" "$@"
