#!/usr/bin/env bash
# Runs every BpfDotnet test. As root it first prepares the machine (scripts/prepare-machine.sh);
# otherwise the kernel integration tests that need root skip or fail with a message saying so.
# Extra arguments go to `dotnet test` (for example: --filter FullyQualifiedName~Build).
# BPFDOTNET_TEST_TARGET selects what to test (default: BpfDotnet.sln).
set -euo pipefail

cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
    ./scripts/prepare-machine.sh
else
    echo "test.sh: not root: machine not prepared; kernel tests need root (run: sudo ./scripts/test.sh)" >&2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
# Leave no MSBuild worker nodes behind once the run is over.
export MSBUILDDISABLENODEREUSE=1

target=${BPFDOTNET_TEST_TARGET:-BpfDotnet.sln}
start=$SECONDS
status=0
log=$(mktemp)
# The benchmark project is not a test project, so `dotnet test` does not build it: build it here so that
# it keeps compiling (running it takes minutes and is done on purpose, see README).
if [ "$target" = "BpfDotnet.sln" ]; then
    dotnet build tests/BpfDotnet.Benchmarks -c Release -nologo -v quiet 2>&1 | tee "$log" || status=$?
fi
dotnet test "$target" -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee -a "$log" || status=$?
# One closing line for the whole run, summed over the test assemblies.
sum() { { grep -E "^\s+$1: [0-9]+" "$log" || true; } | awk '{s += $2} END {print s + 0}'; }
passed=$(sum Passed); failed=$(sum Failed); skipped=$(sum Skipped)
rm -f "$log"

elapsed=$((SECONDS - start))
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ]; then
    echo "test.sh: all tests passed ($target, ${elapsed}s)"
else
    echo "test.sh: TESTS FAILED ($target, dotnet test exit code $status, ${elapsed}s)" >&2
fi
exit "$status"
