#!/usr/bin/env bash
# Packs every package of the repository into the folder feed $1 (Release, one build of the solution): Anneal,
# Anneal.TorchSharp, Anneal.TorchSharp.Debian12Fix, and the anneal tool (Anneal.Cli pointing to Anneal.Cli.linux-x64).
# Tests, samples, benchmarks and Anneal.Training are not packable.
set -euo pipefail
trap 'echo "FAIL: $(basename "$0") line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
cd "$(dirname "$0")/../.."
feed=${1:?usage: pack.sh FEED_DIR}
mkdir -p "$feed"
feed=$(cd "$feed" && pwd)
dotnet pack Anneal.slnx -c Release -nologo -v quiet -p:PackageOutputPath="$feed"
ls -l "$feed"
