#!/usr/bin/env bash
# A real one-node Slurm cluster on localhost, without systemd (see README.md next to this file).
#
#   cluster.sh start          install slurm-wlm + munge if missing, configure, start munged, slurmctld and
#                             slurmd, wait until the node is idle (idempotent; safe to run when already up)
#   cluster.sh stop           stop the three daemons (state and config are kept)
#   cluster.sh status         print daemon pids, sinfo and squeue; exit 0 only if the node is usable
#   cluster.sh wait JOBID...  block until the jobs (arrays included) have left the queue, print each job's
#                             final state; exit 0 only if every job COMPLETED with exit code 0:0
#   cluster.sh clean          stop, then remove the config, state and logs this script wrote
#
# Runs as root. Environment knobs: SLURM_START_TIMEOUT (seconds, default 60),
# SLURM_WAIT_TIMEOUT (seconds for `wait`, default 1800).
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MARKER="# Written by Anneal tests/slurm/cluster.sh"
STATE_DIR=/var/lib/slurm
LOG_DIR=/var/log/slurm
CTLD_LOG=$LOG_DIR/slurmctld.log
SLURMD_LOG=$LOG_DIR/slurmd.log
CTLD_PID=/run/slurmctld.pid
SLURMD_PID=/run/slurmd.pid
MUNGE_RUN=/run/munge
MUNGE_PID=$MUNGE_RUN/munged.pid
MUNGE_LOG=/var/log/munge/munged.log
MUNGE_KEY=/etc/munge/munge.key
START_TIMEOUT=${SLURM_START_TIMEOUT:-60}
WAIT_TIMEOUT=${SLURM_WAIT_TIMEOUT:-1800}
MIN_JOB_AGE=600   # seconds slurmctld keeps finished jobs; `wait` reads their final state from it

say() { echo "slurm-cluster: $*"; }
die() { echo "slurm-cluster: error: $*" >&2; exit 1; }

# pid from a pid file if that process is alive, else nothing.
live_pid() {
  local f=$1 p
  [[ -s $f ]] || return 1
  p=$(tr -dc '0-9' <"$f")
  [[ -n $p ]] && kill -0 "$p" 2>/dev/null && echo "$p"
}

show_logs() {
  local f
  for f in "$MUNGE_LOG" "$CTLD_LOG" "$SLURMD_LOG"; do
    echo "----- last lines of $f -----" >&2
    # (PMIx lines are noise: slurm loads every MPI plugin and Debian ships no libpmix.)
    if [[ -r $f ]]; then grep -v -e 'pmix' -e 'MPI: Cannot create context' "$f" | tail -n 25 >&2
    else echo "(missing)" >&2; fi
  done
}

need_root() { [[ $(id -u) -eq 0 ]] || die "run as root (it installs packages and starts system daemons)"; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
     && command -v munged >/dev/null; then
    return 0
  fi
  say "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # The plugins used here are all in slurm-wlm-basic-plugins; recommends add ~20 unused plugin packages.
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=900 install --no-install-recommends slurm-wlm munge)
  if ! "${apt[@]}"; then
    say "apt-get install failed; running apt-get update and retrying"
    apt-get -q -o DPkg::Lock::Timeout=900 update
    "${apt[@]}"
  fi
}

# The node line comes from `slurmd -C`, which reports exactly what slurmd will register with
# (CPUs, sockets, cores, threads, RealMemory); a slurm.conf that claims more drains the node.
node_line() {
  slurmd -C | head -n 1
}

write_config() {
  local host node tmp
  host=$(hostname -s)
  node=$(node_line)
  [[ $node == "NodeName=$host "* ]] || die "slurmd -C reported '$node', expected NodeName=$host"
  if [[ -e $CONF ]] && ! grep -qxF "$MARKER" "$CONF"; then
    die "$CONF exists and was not written by this script; move it away or use that cluster directly"
  fi
  mkdir -p "$CONF_DIR" "$STATE_DIR/slurmctld" "$STATE_DIR/slurmd" "$LOG_DIR"
  tmp=$(mktemp)
  cat >"$tmp" <<EOF
$MARKER
# (rewritten on every start; edit the script, not this file)
ClusterName=anneal
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
SwitchType=switch/none
ProctrackType=proctrack/pgid
TaskPlugin=task/affinity
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=$MIN_JOB_AGE
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$SLURMD_LOG
SlurmctldDebug=info
SlurmdDebug=info
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  if [[ -e $CONF ]] && cmp -s "$tmp" "$CONF"; then
    CONFIG_CHANGED=0
  else
    install -m 0644 "$tmp" "$CONF"
    CONFIG_CHANGED=1
  fi
  rm -f "$tmp"
}

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  if [[ ! -s $MUNGE_KEY ]]; then
    say "creating $MUNGE_KEY"
    mkdir -p /etc/munge
    if command -v mungekey >/dev/null; then mungekey --create --keyfile="$MUNGE_KEY" --force
    else dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none; fi
  fi
  # munged refuses to start unless the key and its directories belong to munge with tight modes.
  chown munge:munge /etc/munge "$MUNGE_KEY"
  chmod 0700 /etc/munge
  chmod 0600 "$MUNGE_KEY"
  mkdir -p "$MUNGE_RUN" /var/lib/munge /var/log/munge
  chown munge:munge "$MUNGE_RUN" /var/lib/munge /var/log/munge
  chmod 0755 "$MUNGE_RUN"
  chmod 0700 /var/lib/munge /var/log/munge
  if munge_ok; then return 0; fi
  if [[ -z $(live_pid "$MUNGE_PID") ]]; then
    say "starting munged"
    rm -f "$MUNGE_PID"
    # 9>&-: the daemon must not inherit (and so hold forever) the lock taken below.
    runuser -u munge -- /usr/sbin/munged </dev/null >>/var/log/munge/munged.start.log 2>&1 9>&- \
      || { show_logs; die "munged failed to start"; }
  fi
  local i
  for i in $(seq 50); do munge_ok && return 0; sleep 0.1; done
  show_logs
  die "munged runs but 'munge -n | unmunge' fails"
}

ctld_up() { scontrol ping 2>/dev/null | grep -q 'is UP'; }

start_daemon() {  # name pidfile
  local name=$1 pidf=$2
  if [[ -n $(live_pid "$pidf") ]]; then return 0; fi
  say "starting $name"
  rm -f "$pidf"
  # Without -D both daemons fork into the background and write their pid file.
  "/usr/sbin/$name" </dev/null >>"$LOG_DIR/$name.start.log" 2>&1 9>&- || { show_logs; die "$name exited at start"; }
  # The forked child writes the pid file after the parent has returned.
  local i
  for i in $(seq 100); do [[ -n $(live_pid "$pidf") ]] && return 0; sleep 0.1; done
  show_logs
  die "$name did not stay up (no live pid in $pidf after 10 s)"
}

node_state() { sinfo -h -N -n "$(hostname -s)" -o '%T' 2>/dev/null | head -n 1; }

wait_idle() {
  local deadline=$((SECONDS + START_TIMEOUT)) st=""
  while ((SECONDS < deadline)); do
    # A daemon that exits after forking (port in use, bad config) never makes the node idle: fail now.
    [[ -n $(live_pid "$CTLD_PID") ]] || { show_logs; die "slurmctld exited (see its log above)"; }
    [[ -n $(live_pid "$SLURMD_PID") ]] || { show_logs; die "slurmd exited (see its log above)"; }
    st=$(node_state || true)
    case $st in
      idle|mixed|allocated|completing) return 0 ;;
      drain*|down*|fail*|inval*)
        # A node left down by an earlier run; ReturnToService=2 normally clears it on registration.
        scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 1
  done
  echo "slurm-cluster: error: node $(hostname -s) not idle after ${START_TIMEOUT}s (state: '${st:-no answer}')" >&2
  sinfo -N -l >&2 2>&1 || true
  scontrol show node "$(hostname -s)" >&2 2>&1 || true
  show_logs
  exit 1
}

cmd_start() {
  need_root
  local t0=$SECONDS
  install_packages
  write_config
  start_munge
  if ((CONFIG_CHANGED)) && { [[ -n $(live_pid "$CTLD_PID") ]] || [[ -n $(live_pid "$SLURMD_PID") ]]; }; then
    say "configuration changed; restarting the Slurm daemons"
    stop_slurm
  fi
  start_daemon slurmctld "$CTLD_PID"
  local i
  for i in $(seq 100); do ctld_up && break; sleep 0.2; done
  ctld_up || { show_logs; die "slurmctld does not answer 'scontrol ping'"; }
  start_daemon slurmd "$SLURMD_PID"
  wait_idle
  say "up: node $(hostname -s) $(node_state) ($(sinfo -h -N -o '%c CPUs, %m MB')) in $((SECONDS - t0))s"
}

stop_pidfile() {  # name pidfile
  local name=$1 pidf=$2 p i
  p=$(live_pid "$pidf") || return 0
  say "stopping $name (pid $p)"
  kill "$p" 2>/dev/null || true
  for i in $(seq 100); do kill -0 "$p" 2>/dev/null || { rm -f "$pidf"; return 0; }; sleep 0.1; done
  say "$name did not exit on SIGTERM within 10s; sending SIGKILL"
  kill -9 "$p" 2>/dev/null || true
  rm -f "$pidf"
}

stop_slurm() {
  stop_pidfile slurmd "$SLURMD_PID"
  stop_pidfile slurmctld "$CTLD_PID"
}

cmd_stop() {
  need_root
  stop_slurm
  stop_pidfile munged "$MUNGE_PID"
  say "stopped"
}

cmd_status() {
  local ok=0 p
  for pair in "munged:$MUNGE_PID" "slurmctld:$CTLD_PID" "slurmd:$SLURMD_PID"; do
    p=$(live_pid "${pair#*:}" || true)
    echo "${pair%%:*}: ${p:+running, pid }${p:-not running}"
    [[ -n $p ]] || ok=1
  done
  if ((ok == 0)); then
    sinfo -N -l || ok=1
    squeue || ok=1
    case $(node_state) in idle|mixed|allocated|completing) ;; *) ok=1 ;; esac
  fi
  return $ok
}

cmd_wait() {
  (($# > 0)) || die "usage: cluster.sh wait JOBID..."
  local deadline=$((SECONDS + WAIT_TIMEOUT)) ids=$(IFS=,; echo "$*") q
  while :; do
    # squeue lists the jobs still pending/running; it fails with "Invalid job id" when none is known any more.
    if ! q=$(squeue -h -j "$ids" -o '%i' 2>&1); then
      grep -q 'Invalid job id' <<<"$q" || die "squeue failed (is the cluster up? cluster.sh status): $q"
      q=""
    fi
    [[ -z $q ]] && break
    ((SECONDS < deadline)) || { squeue -j "$ids" >&2; die "jobs $ids still queued after ${WAIT_TIMEOUT}s"; }
    sleep 1
  done
  # Finished jobs stay in slurmctld's memory for MinJobAge (600 s): their final state and exit code
  # come from `scontrol show job`, so no accounting database (sacct) is needed.
  local bad=0 id line
  for id in "$@"; do
    local out
    out=$(scontrol -o show job "$id" 2>&1) || {
      echo "job $id: UNKNOWN ($out; finished jobs are forgotten ${MIN_JOB_AGE}s after they end)"; bad=1; continue; }
    while read -r line; do
      local jid state code task
      jid=$(grep -oE '(^| )JobId=[0-9]+' <<<"$line" | cut -d= -f2)
      task=$(grep -oE ' ArrayTaskId=[^ ]+' <<<"$line" | cut -d= -f2 || true)
      state=$(grep -oE ' JobState=[A-Z_]+' <<<"$line" | cut -d= -f2)
      code=$(grep -oE ' ExitCode=[0-9:]+' <<<"$line" | cut -d= -f2)
      echo "job $id${task:+ task $task} (JobId $jid): $state exit $code"
      [[ $state == COMPLETED && $code == 0:0 ]] || bad=1
    done <<<"$out"
  done
  return $bad
}

cmd_clean() {
  need_root
  cmd_stop
  if [[ -e $CONF ]] && grep -qxF "$MARKER" "$CONF"; then rm -f "$CONF"; fi
  rm -rf "$STATE_DIR/slurmctld" "$STATE_DIR/slurmd"
  rm -f "$CTLD_LOG" "$SLURMD_LOG" "$LOG_DIR"/slurm*.start.log
  say "removed config, state and logs"
}

# One start/stop/clean at a time (e.g. two test processes starting the cluster together).
lock() {
  exec 9>/run/anneal-slurm-cluster.lock
  flock -w 300 9 || die "another cluster.sh has held /run/anneal-slurm-cluster.lock for 5 minutes ($(fuser /run/anneal-slurm-cluster.lock 2>&1))"
}

case ${1:-} in
  start) need_root; lock; cmd_start ;;
  stop) need_root; lock; cmd_stop ;;
  status) cmd_status ;;
  wait) shift; cmd_wait "$@" ;;
  clean) need_root; lock; cmd_clean ;;
  *) echo "usage: $0 start|stop|status|wait JOBID...|clean" >&2; exit 2 ;;
esac
