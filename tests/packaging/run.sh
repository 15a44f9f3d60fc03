#!/usr/bin/env bash
# Packs the repository's packages into a temporary folder feed, then runs the tool-install test and the consumer test
# against them (called by .ci/run after the test suite; about two minutes here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(mktemp -d /tmp/anneal-packages.XXXXXX)
trap 'rm -rf "$root"' EXIT
"$here/pack.sh" "$root/feed"
"$here/tool-install-test.sh" "$root/feed" "$root/tools"
"$here/consumer-test.sh" "$root/feed" "$root/tools/anneal"
echo "packaging tests: 2 passed, 0 failed"
