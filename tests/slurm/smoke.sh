#!/usr/bin/env bash
# Smoke test of the one-node Slurm cluster (see README.md next to this file). Starts the cluster, then checks:
#   1. an array job (--array=0-2) sees SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, and two tasks run at once
#      (one per CPU: each task waits at a barrier until a second task has started);
#   2. a dependent job (--dependency=afterok:<array>) runs after all tasks and concatenates their files;
#   3. the submitter's PATH, HOME, DOTNET_ROOT (and a custom variable) reach jobs, `dotnet --version` runs in one,
#      and a 1-CPU job sees one CPU (nproc, and .NET's Environment.ProcessorCount; task/affinity pins it);
#   4. a failing job makes its afterok dependant get cancelled instead of pending forever, and
#      `cluster.sh wait` reports the failure with a non-zero exit.
# Exits non-zero on the first failed check. Prints how long start and the checks took.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cluster=$here/cluster.sh

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
ok() { echo "smoke: ok: $*"; }

t0=$(date +%s.%N)
"$cluster" start
t1=$(date +%s.%N)

work=$(mktemp -d /tmp/anneal-slurm-smoke.XXXXXX)
trap 'echo "smoke: job files kept in $work" >&2' ERR
cd "$work"
ncpu=$(sinfo -h -N -o '%c' | head -n 1)

# --- 1 + 2: array job and its dependant -----------------------------------------------------------------------
cat >task.sh <<'EOF'
#!/usr/bin/env bash
set -eu
id=$SLURM_ARRAY_TASK_ID
touch "running_$id" "started_$id"
# Barrier: wait (at most 60 s) until two tasks have started, then stay 2 s so the other sees us running.
for _ in $(seq 600); do (( $(ls started_* | wc -l) >= 2 )) && break; sleep 0.1; done
sleep 2
concurrent=$(ls running_* | wc -l)
rm -f "running_$id"
echo "$id $SLURM_ARRAY_TASK_COUNT $concurrent $(nproc)" >"task_$id.txt"
EOF
cat >gather.sh <<'EOF'
#!/usr/bin/env bash
set -eu
cat task_0.txt task_1.txt task_2.txt | cut -d' ' -f1,2 >all.txt
EOF
arr=$(sbatch --parsable --array=0-2 --ntasks=1 --cpus-per-task=1 --chdir="$work" \
  --output="$work/task-%A_%a.out" --job-name=anneal-smoke-array task.sh)
dep=$(sbatch --parsable --dependency="afterok:$arr" --kill-on-invalid-dep=yes --chdir="$work" \
  --output="$work/gather-%j.out" --job-name=anneal-smoke-gather gather.sh)
echo "smoke: submitted array job $arr and dependent job $dep"

# --- 3: environment and dotnet inside a job ---------------------------------------------------------------------
dotnet_bin=$(command -v dotnet) || fail "dotnet is not on PATH of the submitting shell"
export DOTNET_ROOT=${DOTNET_ROOT:-$(dirname "$(readlink -f "$dotnet_bin")")}
export ANNEAL_SMOKE_TOKEN=token-$$-$RANDOM
cat >env.sh <<'EOF'
#!/usr/bin/env bash
set -eu
{
  echo "PATH=$PATH"
  echo "HOME=$HOME"
  echo "DOTNET_ROOT=$DOTNET_ROOT"
  echo "ANNEAL_SMOKE_TOKEN=$ANNEAL_SMOKE_TOKEN"
  echo "PWD=$PWD"
} >env.txt
dotnet --version >dotnet.txt
echo 'printfn "%d" System.Environment.ProcessorCount' >cpus.fsx
dotnet fsi --quiet --exec cpus.fsx >dotnet_cpus.txt
EOF
envjob=$(sbatch --parsable --cpus-per-task=1 --chdir="$work" --output="$work/env-%j.out" --job-name=anneal-smoke-env env.sh)

# --- 4: a failure must not leave its dependant pending forever --------------------------------------------------
printf '#!/usr/bin/env bash\nexit 3\n' >fails.sh
badjob=$(sbatch --parsable --chdir="$work" --output="$work/fails-%j.out" --job-name=anneal-smoke-fails fails.sh)
orphan=$(sbatch --parsable --dependency="afterok:$badjob" --kill-on-invalid-dep=yes --chdir="$work" \
  --output="$work/orphan-%j.out" --job-name=anneal-smoke-orphan gather.sh)

"$cluster" wait "$arr" "$dep" "$envjob" || fail "array, gather or env job did not complete (outputs in $work)"

# Checks on 1 + 2.
printf '0 3\n1 3\n2 3\n' >expected.txt
cmp -s expected.txt all.txt || fail "all.txt is '$(cat all.txt 2>/dev/null)', expected '$(cat expected.txt)'"
ok "array tasks saw SLURM_ARRAY_TASK_ID 0..2 and SLURM_ARRAY_TASK_COUNT=3; afterok job concatenated them"
maxconc=$(cut -d' ' -f3 task_*.txt | sort -n | tail -n 1)
((maxconc >= 2)) || fail "array tasks never ran concurrently (max concurrent $maxconc, node has $ncpu CPUs)"
ok "$maxconc array tasks ran at once on $ncpu CPUs"
seen=$(cut -d' ' -f4 task_*.txt | sort -u | tr '\n' ' ')
[[ $seen == "1 " ]] || fail "1-CPU array tasks saw nproc = $seen(expected 1: is TaskPlugin=task/affinity on?)"
ok "each 1-CPU array task saw nproc=1"

# Checks on 3.
expect_var() { grep -qxF "$1=$2" env.txt || fail "job saw '$(grep "^$1=" env.txt)', submitter had '$1=$2'"; }
expect_var PATH "$PATH"
expect_var HOME "$HOME"
expect_var DOTNET_ROOT "$DOTNET_ROOT"
expect_var ANNEAL_SMOKE_TOKEN "$ANNEAL_SMOKE_TOKEN"
expect_var PWD "$work"
ok "PATH, HOME, DOTNET_ROOT, a custom variable and the working directory reached the job"
want=$(dotnet --version)
got=$(cat dotnet.txt)
[[ $got == "$want" ]] || fail "dotnet --version in the job printed '$got', here '$want'"
ok "dotnet --version in a job: $got"
[[ $(cat dotnet_cpus.txt) == 1 ]] || fail ".NET in a 1-CPU job saw ProcessorCount=$(cat dotnet_cpus.txt), expected 1"
ok ".NET in a 1-CPU job saw Environment.ProcessorCount=1"

# Checks on 4.
if out=$("$cluster" wait "$badjob" "$orphan"); then fail "cluster.sh wait returned 0 for a failing job:
$out"; fi
sed "s/^/smoke: (expected) /" <<<"$out"
grep -q "job $badjob (JobId $badjob): FAILED exit 3:0" <<<"$out" || fail "failing job not reported as FAILED 3:0"
grep -q "job $orphan (JobId $orphan): CANCELLED" <<<"$out" || fail "dependant of a failed job was not cancelled"
[[ ! -e "$work/orphan-$orphan.out" ]] || fail "dependant of a failed job ran"
ok "a failed job's afterok dependant was cancelled, and cluster.sh wait exited non-zero"

t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" \
  'BEGIN { printf "smoke: passed. cluster start %.1f s, jobs and checks %.1f s, total %.1f s\n", b - a, c - b, c - a }'
rm -rf "$work"
