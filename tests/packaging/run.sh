#!/usr/bin/env bash
# Packs the repository's packages into a temporary folder feed, then runs the tool-install test and the consumer test
# against them (called by .ci/run after the test suite; about two minutes here).
set -euo pipefail
trap 'echo "FAIL: $(basename "$0") line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d /tmp/anneal-packages.XXXXXX)
trap 'rm -rf "$root"' EXIT
start=$SECONDS
"$here/pack.sh" "$root/feed"
echo "pack: $((SECONDS - start)) s"; start=$SECONDS
"$here/tool-install-test.sh" "$root/feed" "$root/tools"
echo "tool-install test: $((SECONDS - start)) s"; start=$SECONDS
"$here/consumer-test.sh" "$root/feed" "$root/tools/anneal"
echo "consumer test: $((SECONDS - start)) s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "packaging tests: 2 passed, 0 failed"
