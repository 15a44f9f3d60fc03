#!/usr/bin/env bash
# The consumer test: a fresh console project outside the solution (tests/packaging/Consumer, copied to a temporary
# folder) takes Anneal, Anneal.TorchSharp, TorchSharp, libtorch-cpu-linux-x64 and Anneal.TorchSharp.Debian12Fix as
# PackageReferences from the folder feed $1 plus the usual NuGet sources, builds, trains through the drop-in
# LRScheduler, and must print the learning rates `anneal schedule` prints ($2: the anneal command to compare with).
# Also checks the nuspecs: Anneal has no dependencies, Anneal.TorchSharp none on a libtorch package.
set -euo pipefail
trap 'echo "FAIL: $(basename "$0") line $LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
here=$(cd "$(dirname "$0")" && pwd)
feed=$(cd "${1:?usage: consumer-test.sh FEED_DIR ANNEAL_COMMAND}" && pwd)
anneal=${2:?usage: consumer-test.sh FEED_DIR ANNEAL_COMMAND}
version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$here/../../Directory.Build.props")
work=$(mktemp -d /tmp/anneal-consumer.XXXXXX)
trap 'rm -rf "$work"' EXIT

# (Texts are read into variables before grep: with pipefail, `producer | grep -q` can fail when grep stops early.)
nuspec() { unzip -p "$feed/$1.$version.nupkg" "$1.nuspec"; }
core=$(nuspec Anneal)
binding=$(nuspec Anneal.TorchSharp)
if grep -q '<dependency ' <<<"$core"; then echo "FAIL: the Anneal package has dependencies"; exit 1; fi
if grep -qi 'dependency id="libtorch' <<<"$binding"; then echo "FAIL: Anneal.TorchSharp depends on a libtorch package"; exit 1; fi
grep -q 'dependency id="TorchSharp"' <<<"$binding" || { echo "FAIL: Anneal.TorchSharp does not depend on TorchSharp"; exit 1; }
for id in Anneal Anneal.TorchSharp Anneal.TorchSharp.Debian12Fix Anneal.Cli; do
  text=$(nuspec "$id")
  grep -q '<readme>README.md</readme>' <<<"$text" || { echo "FAIL: $id has no readme"; exit 1; }
  grep -q '<license type="expression">MIT</license>' <<<"$text" || { echo "FAIL: $id has no license"; exit 1; }
done
echo "nuspecs: Anneal has no dependencies; Anneal.TorchSharp depends on Anneal and TorchSharp only; readme and MIT license on every package"

app="$work/app"
mkdir "$app"
cp "$here/Consumer/Consumer.csproj" "$here/Consumer/Program.cs" "$app/"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="anneal-local" value="$feed" />
  </packageSources>
</configuration>
XML
# Anneal's packages are extracted into the test's own folder (never into the global cache); TorchSharp and libtorch
# come from the global cache when they are there (a fallback folder), else from the usual source.
packages="$work/packages"
global=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
cd "$app"
dotnet build -c Release -nologo -v quiet -p:AnnealVersion="$version" -p:RestorePackagesPath="$packages" \
  -p:RestoreFallbackFolders="$global"
test -d "$packages/anneal/$version" || { echo "FAIL: Anneal was not restored from the local feed"; exit 1; }
# On a libstdc++ without GLIBCXX_3.4.32 (Debian 12), the Debian12Fix package must have put a patched copy in bin/.
stdcxx=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found {print $NF; found = 1}')
system_versions=$(if [ -n "$stdcxx" ]; then readelf -V "$stdcxx"; fi)
if [ -n "$stdcxx" ] && ! grep -q 'GLIBCXX_3\.4\.32' <<<"$system_versions"; then
  needs=$(readelf -V bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so)
  if grep -q 'GLIBCXX_3\.4\.32' <<<"$needs"; then
    echo "FAIL: $stdcxx lacks GLIBCXX_3.4.32 but the consumer's libLibTorchSharp.so still needs it"; exit 1
  fi
  echo "consumer: Anneal.TorchSharp.Debian12Fix patched libLibTorchSharp.so ($stdcxx lacks GLIBCXX_3.4.32)"
fi

spec='{"type":"warmup_stable_decay","num_warmup_steps":3,"num_decay_steps":4,"num_training_steps":12,"decay_type":"1-sqrt"}'
dotnet bin/Release/net10.0/Consumer.dll "$spec" 12 > consumer.csv
"$anneal" schedule "$spec" --steps 12 --lr 0.1 --momentum 0.9 --format csv > anneal.csv
if ! diff -u anneal.csv consumer.csv; then echo "FAIL: the consumer's learning rates differ from anneal schedule's"; exit 1; fi
echo "consumer: built from the packages, trained 12 steps through AnnealLRScheduler; its 13 learning rates equal anneal schedule's"
