#!/usr/bin/env bash
# The tool-install test: `dotnet tool install` of the packed anneal tool from the folder feed $1 into the tool path
# $2, then, from another directory, `anneal train` (a tiny run) and `anneal schedule`; then `anneal schedule` again
# with libtorch's and TorchSharp's native libraries moved away (it must not need them). Prints package and install sizes.
set -euo pipefail
trap 'echo "FAIL: $(basename "$0") line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
feed=$(cd "${1:?usage: tool-install-test.sh FEED_DIR TOOL_PATH}" && pwd)
tools=${2:?usage: tool-install-test.sh FEED_DIR TOOL_PATH}
version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$here/../../Directory.Build.props")
work=$(mktemp -d /tmp/anneal-tool.XXXXXX)
trap 'rm -rf "$work"' EXIT

rm -rf "$tools"
dotnet tool install Anneal.Cli --version "$version" --tool-path "$tools" --add-source "$feed" >/dev/null
tools=$(cd "$tools" && pwd)
pkg=$(stat -c %s "$feed/Anneal.Cli.linux-x64.$version.nupkg")
unpacked=$(unzip -l "$feed/Anneal.Cli.linux-x64.$version.nupkg" | tail -1 | awk '{print $1}')
installed=$(du -sb "$tools" | cut -f1)
echo "tool: Anneal.Cli.linux-x64 package $((pkg / 1000000)) MB, unpacked $((unpacked / 1000000)) MB, installed $((installed / 1000000)) MB"

cd "$work"
"$tools/anneal" train --steps 4 --dim 32 --layers 1 --heads 2 --context 16 --batch-size 4 --eval-every 2 --out tiny >train.log 2>&1 \
  || { cat train.log; echo "FAIL: anneal train from the installed tool"; exit 1; }
test -s tiny/summary.json && test -s tiny/metrics.csv && test -s tiny/checkpoint.bin \
  || { ls -la tiny; echo "FAIL: the run directory is incomplete"; exit 1; }
echo "tool: anneal train (4 steps) from $work wrote $(ls tiny | tr '\n' ' ')"

native=$(dirname "$(find "$tools/.store" -name libtorch_cpu.so -print -quit)")
for f in libtorch_python.so libtorchbind_test.so libjitbackend_test.so libshm.so; do
  test ! -e "$native/$f" || { echo "FAIL: the tool ships $f"; exit 1; }
done
# The tool always ships the Debian 12-compatible copy of TorchSharp's library (AnnealTorchSharpNativeFix=always).
needs=$(readelf -V "$native/libLibTorchSharp.so")
if grep -q 'GLIBCXX_3\.4\.32' <<<"$needs"; then
  echo "FAIL: the tool's libLibTorchSharp.so still needs GLIBCXX_3.4.32"; exit 1
fi
mkdir hidden
mv "$native"/libtorch* "$native"/libc10.so "$native"/libgomp-*.so.1 "$native"/libLibTorchSharp.so hidden/
status=0
"$tools/anneal" schedule '{"type":"OneCycleLR","max_lr":0.1,"total_steps":10}' --steps 10 --format csv >schedule.csv 2>schedule.err || status=$?
mv hidden/* "$native"/
if [ "$status" -ne 0 ] || [ "$(wc -l <schedule.csv)" -ne 12 ]; then cat schedule.err; echo "FAIL: anneal schedule without the native libraries"; exit 1; fi
echo "tool: anneal schedule ran with every libtorch and TorchSharp native library moved away"
