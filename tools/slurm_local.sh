# shellcheck shell=bash
# A real single-node Slurm cluster on this machine, for tests: Debian's slurm-wlm and munge, with
# everything (slurm.conf, munge key and socket, state, spool, logs, pid files) in a directory the
# caller gives. Touches neither /etc/slurm nor the system's munged, needs no systemd. Works as root
# (CI) and as an ordinary user (the jobs then run as that user). docs/slurm.md tells more.
#
# Source it (bash), then:
#   slurm_local_start DIR      starts munged, slurmctld and slurmd with their files in DIR (created
#                              if missing; use an empty one, e.g. from mktemp -d), exports SLURM_CONF
#                              (so sbatch, squeue, scontrol, scancel, sinfo use this cluster) and
#                              SLURM_LOCAL_DIR, and returns once the node is idle. On failure: the
#                              logs' tails on stderr, whatever it had started stopped, status 1.
#   slurm_local_stop [DIR]     cancels every job, stops the daemons it started (pid files), kills any
#                              process left that belongs to this cluster and checks none remains.
#                              DIR defaults to SLURM_LOCAL_DIR; a no-op when nothing was started, so
#                              `trap slurm_local_stop EXIT` is safe. Returns 1 if something survived.
#   slurm_local_wait [-t SECONDS] JOBID...
#                              waits until the jobs (an array's id stands for all its tasks) have
#                              finished, then prints one line per job or array task: "ID STATE
#                              EXITCODE" (e.g. "12_3 COMPLETED 0:0"). Status 0 when all COMPLETED,
#                              1 when any ended otherwise, 2 on timeout (default 120 s) with the
#                              queue and the logs' tails on stderr, or on an unknown job id.
#   slurm_local_pids [DIR]     the pids of the processes of this cluster still running (daemons,
#                              slurmstepd, job processes), one a line.
#
# Settings (environment, read by slurm_local_start):
#   SLURM_LOCAL_START_TIMEOUT  seconds to wait for the node to be idle (default 30)
#   SLURM_LOCAL_CPUS           CPUs the node advertises (default: the machine's, from slurmd -C);
#                              more than the machine has is allowed (SlurmdParameters=config_overrides)
#   SLURM_LOCAL_CTLD_PORT, SLURM_LOCAL_SLURMD_PORT
#                              ports (default: random free ones in 20000-59999)
#   SLURM_LOCAL_PARTITION      the partition's name (default "local")
#   SLURM_LOCAL_OWNER_PID      a watchdog (a process of its own session) stops the cluster once this
#                              process has exited, even killed by SIGKILL (default: the shell that
#                              sourced this file, $$); 0: no watchdog
#   SLURM_LOCAL_WAIT_TIMEOUT   slurm_local_wait's default timeout (120 s)
#
# The functions are safe under `set -euo pipefail` and leave the caller's shell options as they were.
# A caller's EXIT trap does not run when bash dies of a signal: trap TERM and INT too (exit from
# them), or rely on the watchdog.

SLURM_LOCAL_CLUSTER=slqlocal
SLURM_LOCAL_SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
SLURM_LOCAL_BINARIES=(munged mungekey munge unmunge slurmctld slurmd slurmstepd sbatch squeue scontrol
                      scancel sinfo)

_slurm_local_err() { echo "slurm_local: $*" >&2; }

# _slurm_local_check_binaries: fails naming the missing programs and the packages to install.
_slurm_local_check_binaries() {
  local missing=() b
  for b in "${SLURM_LOCAL_BINARIES[@]}"; do
    # The daemons live in /usr/sbin, which an ordinary user's PATH may lack.
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b")
  done
  if [ ${#missing[@]} -ne 0 ]; then
    _slurm_local_err "missing programs: ${missing[*]}. Install Debian's packages slurm-wlm and munge" \
                     "(tools/deps.sh: source it and run slqsim_install_deps; or apt-get install slurm-wlm munge)"
    return 1
  fi
}

# _slurm_local_used_ports: every local TCP port in use (any state), one a line, decimal.
_slurm_local_used_ports() {
  local f line addr
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ addr _; do
      case $addr in *:*) printf '%d\n' "0x${addr##*:}" ;; esac
    done <"$f"
  done
  # ss sees listeners in this network namespace too; harmless duplicate when both work.
  if command -v ss >/dev/null 2>&1; then
    ss -Htan 2>/dev/null | while read -r _ _ _ line _; do echo "${line##*:}"; done
  fi
}

# _slurm_local_free_port EXCLUDED...: a random port in 20000-59999 that no socket uses nor is excluded.
_slurm_local_free_port() {
  local used port i
  used=" $(_slurm_local_used_ports | tr '\n' ' ') $* "
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    case $used in *" $port "*) continue ;; esac
    echo "$port"
    return 0
  done
  _slurm_local_err "found no free TCP port"
  return 1
}

# _slurm_local_tails DIR: the last lines of each log, for an error message.
_slurm_local_tails() {
  local f
  for f in "$1"/log/munged.log "$1"/log/slurmctld.log "$1"/log/slurmd.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 25 "$f" >&2 || true
  done
}

# _slurm_local_alive PIDFILE: the pid in PIDFILE when that process is running.
_slurm_local_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(head -n 1 "$1" 2>/dev/null) || return 1
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# _slurm_local_wait_file FILE SECONDS: waits for FILE to be non-empty.
_slurm_local_wait_file() {
  local deadline=$((SECONDS + $2))
  while [ ! -s "$1" ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

slurm_local_pids() {
  local dir=${1:-${SLURM_LOCAL_DIR:-}} p env found=" " pid ppid n
  [ -n "$dir" ] || return 0
  # Every process this cluster started carries SLURM_LOCAL_TAG=DIR in its environment (set on the
  # daemons); a job's processes carry this cluster's SLURM_CONF and name (the caller's shell may
  # have that SLURM_CONF too, and the job id of a real cluster it runs in, never that name).
  local nl=$'\n'
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    if [ "$p" = "$$" ] || [ "$p" = "${BASHPID:-$$}" ]; then continue; fi
    env=$(tr '\0' '\n' 2>/dev/null <"/proc/$p/environ") || continue
    env=$nl$env$nl
    if [[ $env == *"${nl}SLURM_LOCAL_TAG=$dir$nl"* ]] ||
       [[ $env == *"${nl}SLURM_CONF=$dir/slurm.conf$nl"* &&
          $env == *"${nl}SLURM_CLUSTER_NAME=$SLURM_LOCAL_CLUSTER$nl"* ]]; then
      found+="$p "
    fi
  done
  # A daemon that renames itself (slurmstepd, slurmctld's slurmscriptd) overwrites the memory that
  # /proc/PID/environ shows: those are found by a file of DIR they hold open (slurmstepd: the log),
  # or as a descendant of one found.
  # (The watchdog's log is not one: the watchdog and what it runs hold it. find runs from / since it
  # holds its working directory open, which may be in DIR.)
  for p in $(cd / && find /proc/[0-9]*/fd -maxdepth 1 -lname "$dir/*" ! -lname "$dir/log/watchdog.log" \
               2>/dev/null | cut -d/ -f3 | sort -u); do
    if [ "$p" = "$$" ] || [ "$p" = "${BASHPID:-$$}" ]; then continue; fi
    case $found in *" $p "*) ;; *) found+="$p " ;; esac
  done
  if [ "$found" != " " ] && command -v ps >/dev/null 2>&1; then
    local tree
    # (Zombies are not counted: they hold nothing and go with their parent.)
    tree=$(ps -e -o pid= -o ppid= -o stat= 2>/dev/null | awk '$3 !~ /^Z/ { print $1, $2 }') || tree=""
    for ((n = 0; n < 5; n++)); do
      while read -r pid ppid; do
        [ -n "$pid" ] || continue
        case $found in *" $ppid "*) case $found in *" $pid "*) ;; *) found+="$pid " ;; esac ;; esac
      done <<<"$tree"
    done
  fi
  for p in $found; do echo "$p"; done
}

# _slurm_local_write_conf DIR NODE NODE_RESOURCES PARTITION CTLD_PORT SLURMD_PORT: DIR/slurm.conf.
_slurm_local_write_conf() {
  local dir=$1 node=$2 resources=$3 part=$4 ctld_port=$5 slurmd_port=$6 user overrides=""
  user=$(id -un) || return 1
  [ -z "${SLURM_LOCAL_CPUS:-}" ] || overrides="SlurmdParameters=config_overrides"
  : >"$dir/plugstack.conf"
  cat >"$dir/slurm.conf" <<EOF
# Written by tools/slurm_local.sh: a one-node test cluster living in $dir.
ClusterName=$SLURM_LOCAL_CLUSTER
SlurmctldHost=$node(127.0.0.1)
SlurmUser=$user
SlurmdUser=$user
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$dir/plugstack.conf
# No cgroups, no accounting daemon: processes are tracked by their parentage.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# One line a finished job, with its final state and exit code.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
# CPUs are what jobs take (not memory), so as many one-CPU tasks run at once as the node has CPUs.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
# Schedule at once rather than every 3 s; cancel a job whose dependency can no longer be met.
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
ReturnToService=2
# Finished jobs stay visible to squeue and scontrol for 10 minutes.
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmdTimeout=60
$overrides
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node ${resources}State=UNKNOWN
PartitionName=$part Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
}

# _slurm_local_start_slurm DIR NODE TIMEOUT: starts slurmctld and slurmd, waits for the node to be
# idle. Status 0: up; 3: a port was taken (both daemons stopped, their logs moved aside); 1: failed.
_slurm_local_start_slurm() {
  local dir=$1 node=$2 timeout=$3 state="" why="" f p
  local deadline=$((SECONDS + timeout))
  # -c: a clean start, whatever state an earlier cluster left in DIR.
  if ! SLURM_LOCAL_TAG=$dir slurmctld -c 2>>"$dir/log/slurmctld.log" ||
     ! _slurm_local_wait_file "$dir/run/slurmctld.pid" 10; then
    why="slurmctld did not start"
  elif ! SLURM_LOCAL_TAG=$dir slurmd -N "$node" 2>>"$dir/log/slurmd.log" ||
       ! _slurm_local_wait_file "$dir/run/slurmd.pid" 10; then
    why="slurmd did not start"
  fi
  while [ -z "$why" ]; do
    if ! _slurm_local_alive "$dir/run/slurmctld.pid" >/dev/null; then
      why="slurmctld exited"
    elif ! _slurm_local_alive "$dir/run/slurmd.pid" >/dev/null; then
      why="slurmd exited"
    elif timeout 2 scontrol ping 2>/dev/null | grep -q 'is UP'; then
      state=$(timeout 5 sinfo -h -N -n "$node" -o %T 2>/dev/null | head -n 1) || state=""
      [ "$state" = idle ] && return 0
    fi
    if [ -z "$why" ] && [ $SECONDS -ge $deadline ]; then
      why="the node did not become idle within ${timeout}s (its state: '${state:-no answer}')"
    fi
    [ -n "$why" ] || sleep 0.2
  done
  if grep -qs 'Address already in use' "$dir/log/slurmctld.log" "$dir/log/slurmd.log"; then
    local pids=()
    for f in "$dir"/run/{slurmd,slurmctld}.pid; do
      p=$(_slurm_local_alive "$f") && pids+=("$p")
    done
    # A slurmd that cannot register ignores SIGTERM for a while; nothing here needs a clean exit.
    if [ ${#pids[@]} -gt 0 ]; then
      mapfile -t pids < <(_slurm_local_kill KILL "${pids[@]}")
      _slurm_local_await 5 "${pids[@]}" >/dev/null
    fi
    for f in slurmctld slurmd; do
      [ ! -f "$dir/log/$f.log" ] || mv -f "$dir/log/$f.log" "$dir/log/$f.log.port-taken"
    done
    rm -f "$dir"/run/{slurmd,slurmctld}.pid
    return 3
  fi
  _slurm_local_err "the cluster in $dir did not start: $why"
  return 1
}

# _slurm_local_watch DIR OWNER: stops the cluster in DIR once OWNER (a pid) has exited, unless
# slurm_local_stop came first (it removes DIR/run/watchdog.pid and kills this process).
_slurm_local_watch() {
  local dir=$1 owner=$2
  while kill -0 "$owner" 2>/dev/null; do
    [ -f "$dir/run/watchdog.pid" ] || return 0
    sleep 1
  done
  [ -f "$dir/run/watchdog.pid" ] || return 0
  rm -f "$dir/run/watchdog.pid"
  {
    echo "$(date '+%F %T') process $owner, which started this cluster, has exited: stopping it"
    slurm_local_stop "$dir"
  } >>"$dir/log/watchdog.log" 2>&1
}

# _slurm_local_start_watchdog DIR: a process of its own session (out of the caller's process tree
# and process group, so that neither a kill of the tree, as ctest's timeout does, nor a Ctrl-C
# reaches it) that runs _slurm_local_watch for SLURM_LOCAL_OWNER_PID (default: the sourcing shell).
_slurm_local_start_watchdog() {
  local dir=$1 owner=${SLURM_LOCAL_OWNER_PID:-$$}
  [ "$owner" != 0 ] || return 0
  if command -v setsid >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # expanded by the watchdog's shell
    setsid -f bash -c 'source "$1" && echo $$ >"$2/run/watchdog.pid" && _slurm_local_watch "$2" "$3"' \
      slurm_local_watchdog "$SLURM_LOCAL_SCRIPT" "$dir" "$owner" </dev/null >/dev/null 2>&1 || true
  else
    ( (echo "$BASHPID" >"$dir/run/watchdog.pid" && _slurm_local_watch "$dir" "$owner") \
        </dev/null >/dev/null 2>&1 & )
  fi
}

slurm_local_start() {
  local dir=${1:?usage: slurm_local_start DIR}
  _slurm_local_check_binaries || return 1
  # The daemons live in /usr/sbin, which an ordinary user's PATH may lack.
  case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
  mkdir -p "$dir" || return 1
  dir=$(cd "$dir" && pwd -P) || return 1
  local f
  for f in "$dir"/run/{munged,slurmctld,slurmd}.pid; do
    if _slurm_local_alive "$f" >/dev/null; then
      _slurm_local_err "a cluster is already running in $dir (slurm_local_stop $dir first)"
      return 1
    fi
  done
  local t0=$SECONDS node cpus_line cpus mem ctld_port slurmd_port part attempt rc=1
  local timeout=${SLURM_LOCAL_START_TIMEOUT:-30}
  # slurmctld knows it is the controller by its host name (short), slurmd by -N; both talk over
  # 127.0.0.1 (NodeAddr, SlurmctldHost's address), so the name need not resolve.
  node=$(uname -n) || return 1
  node=${node%%.*}
  [ -n "$node" ] || node=localhost
  part=${SLURM_LOCAL_PARTITION:-local}
  mkdir -p "$dir"/{munge,state,spool,log,run} || return 1
  chmod 700 "$dir/munge" "$dir/state" || return 1
  rm -f "$dir"/run/*.pid "$dir/munge/munge.socket"*

  # munge: its own key and socket. munged wants the socket's directories executable by all and
  # refuses otherwise; --force turns that into a warning.
  if [ ! -s "$dir/munge/munge.key" ]; then
    mungekey --create --keyfile="$dir/munge/munge.key" 2>/dev/null ||
      dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none || return 1
  fi
  chmod 600 "$dir/munge/munge.key"
  export SLURM_LOCAL_DIR=$dir
  _slurm_local_start_watchdog "$dir"
  if ! SLURM_LOCAL_TAG=$dir munged --force --socket="$dir/munge/munge.socket" \
       --key-file="$dir/munge/munge.key" --pid-file="$dir/run/munged.pid" \
       --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" 2>>"$dir/log/munged.log" ||
     ! _slurm_local_wait_file "$dir/run/munged.pid" 10 ||
     ! munge -n -S "$dir/munge/munge.socket" 2>>"$dir/log/munged.log" |
       unmunge -S "$dir/munge/munge.socket" >/dev/null 2>>"$dir/log/munged.log"; then
    _slurm_local_err "munged did not start (or its credentials do not decode)"
    _slurm_local_tails "$dir"
    slurm_local_stop "$dir" >/dev/null 2>&1 || true
    return 1
  fi

  # The node: the machine's CPUs and memory as slurmd sees them.
  cpus_line=$(env -u SLURM_CONF slurmd -C 2>/dev/null | head -n 1) || cpus_line=""
  mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$cpus_line")
  [ -n "$mem" ] || mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
  if [ -n "${SLURM_LOCAL_CPUS:-}" ]; then
    cpus="CPUs=$SLURM_LOCAL_CPUS"
  elif [[ $cpus_line == *CPUs=* ]]; then
    cpus=$(tr ' ' '\n' <<<"$cpus_line" |
           grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
  else
    cpus="CPUs=$(nproc)"
  fi
  cpus="${cpus% } RealMemory=$mem "

  # Random free ports; should another program take one meanwhile, new ones (3 tries).
  export SLURM_CONF=$dir/slurm.conf
  for attempt in 1 2 3; do
    ctld_port=${SLURM_LOCAL_CTLD_PORT:-$(_slurm_local_free_port)} || break
    slurmd_port=${SLURM_LOCAL_SLURMD_PORT:-$(_slurm_local_free_port "$ctld_port")} || break
    _slurm_local_write_conf "$dir" "$node" "$cpus" "$part" "$ctld_port" "$slurmd_port" || break
    rc=0
    _slurm_local_start_slurm "$dir" "$node" "$timeout" || rc=$?
    [ $rc -eq 3 ] || break
    rc=1
    if [ -n "${SLURM_LOCAL_CTLD_PORT:-}${SLURM_LOCAL_SLURMD_PORT:-}" ] || [ $attempt -eq 3 ]; then
      _slurm_local_err "the cluster in $dir did not start: port $ctld_port or $slurmd_port is taken"
      break
    fi
    _slurm_local_err "port $ctld_port or $slurmd_port was taken: new ones"
  done
  if [ $rc -ne 0 ]; then
    _slurm_local_tails "$dir"
    slurm_local_stop "$dir" >/dev/null 2>&1 || true
    return 1
  fi
  echo "slurm_local: cluster up in $((SECONDS - t0))s: node $node (${cpus% }), partition $part," \
       "ports $ctld_port/$slurmd_port, user $(id -un), SLURM_CONF=$SLURM_CONF" >&2
}

# _slurm_local_kill SIGNAL PID...: sends SIGNAL to those still running, prints those.
_slurm_local_kill() {
  local sig=$1 p
  shift
  for p in "$@"; do
    kill -0 "$p" 2>/dev/null || continue
    kill "-$sig" "$p" 2>/dev/null || true
    echo "$p"
  done
}

# _slurm_local_await SECONDS PID...: waits until none of the pids runs; prints those still running.
_slurm_local_await() {
  local deadline=$((SECONDS + $1)) p left
  shift
  while :; do
    left=()
    for p in "$@"; do kill -0 "$p" 2>/dev/null && left+=("$p"); done
    [ ${#left[@]} -eq 0 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      printf '%s\n' "${left[@]}"
      return 0
    fi
    sleep 0.1
  done
}

slurm_local_stop() {
  local dir=${1:-${SLURM_LOCAL_DIR:-}} i pids=() left f p
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  dir=$(cd "$dir" && pwd -P) || return 0
  [ -f "$dir/slurm.conf" ] || [ -d "$dir/run" ] || return 0
  if _slurm_local_alive "$dir/run/slurmctld.pid" >/dev/null; then
    # Every job goes first, so that their steps end cleanly (a second or so at most).
    local jobs
    jobs=$(SLURM_CONF=$dir/slurm.conf timeout 10 squeue -h -o %A 2>/dev/null | sort -u) || jobs=""
    # shellcheck disable=SC2086 # a list of job ids
    [ -z "$jobs" ] || SLURM_CONF=$dir/slurm.conf timeout 10 scancel $jobs 2>/dev/null || true
    for ((i = 0; i < 25; i++)); do
      [ -z "$(SLURM_CONF=$dir/slurm.conf timeout 10 squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  # Then the watchdog, the daemons (from their pid files) and anything else of this cluster, all at
  # once: SIGTERM, up to 5 s, SIGKILL. A test cluster's state is thrown away: no order is needed.
  p=$(_slurm_local_alive "$dir/run/watchdog.pid") && [ "$p" != "$$" ] && pids+=("$p")
  rm -f "$dir/run/watchdog.pid"
  for f in "$dir"/run/{slurmd,slurmctld,munged}.pid; do
    p=$(_slurm_local_alive "$f") && pids+=("$p")
  done
  while read -r p; do [ -n "$p" ] && pids+=("$p"); done <<<"$(slurm_local_pids "$dir")"
  if [ ${#pids[@]} -gt 0 ]; then
    mapfile -t pids < <(_slurm_local_kill TERM "${pids[@]}")
    mapfile -t pids < <(_slurm_local_await 5 "${pids[@]}")
    if [ ${#pids[@]} -gt 0 ]; then
      _slurm_local_err "still running 5 s after SIGTERM, SIGKILL: ${pids[*]}"
      mapfile -t pids < <(_slurm_local_kill KILL "${pids[@]}")
      _slurm_local_await 5 "${pids[@]}" >/dev/null
    fi
  fi
  # Whatever a dying daemon started meanwhile.
  for ((i = 0; i < 10; i++)); do
    left=$(slurm_local_pids "$dir")
    [ -z "$left" ] && break
    # shellcheck disable=SC2086 # a list of pids
    kill -KILL $left 2>/dev/null || true
    sleep 0.2
  done
  [ -z "$left" ] || left=$(slurm_local_pids "$dir")
  rm -f "$dir"/run/*.pid
  if [ "${SLURM_LOCAL_DIR:-}" = "$dir" ]; then
    [ "${SLURM_CONF:-}" != "$dir/slurm.conf" ] || unset SLURM_CONF
    unset SLURM_LOCAL_DIR
  fi
  if [ -n "$left" ]; then
    _slurm_local_err "processes of the cluster in $dir still running:"
    # shellcheck disable=SC2086 # a list of pids
    ps -o pid=,stat=,args= -p "$(echo $left | tr ' ' ',')" >&2 || true
    return 1
  fi
}

# _slurm_local_final STATE: true for a state a job does not leave.
_slurm_local_final() {
  case $1 in
    COMPLETED | FAILED | CANCELLED* | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | PREEMPTED | BOOT_FAIL | \
      DEADLINE | REVOKED | SPECIAL_EXIT) return 0 ;;
  esac
  return 1
}

# _slurm_local_jobcomp DIR ID: "ID STATE EXITCODE" lines for the job (or each task of the array) ID
# from the job completion log, which keeps a finished job after squeue has forgotten it.
_slurm_local_jobcomp() {
  [ -f "$1/log/jobcomp.txt" ] || return 0
  awk -v want="$2" '
    { delete f; for (i = 1; i <= NF; i++) { n = index($i, "="); if (n) f[substr($i, 1, n - 1)] = substr($i, n + 1) } }
    "ArrayJobId" in f { id = f["ArrayJobId"] "_" f["ArrayTaskId"]; if (want != f["ArrayJobId"] && want != id) next }
    !("ArrayJobId" in f) { id = f["JobId"]; if (want != id) next }
    { print id, f["JobState"], f["ExitCode"] }' "$1/log/jobcomp.txt"
}

slurm_local_wait() {
  local timeout=${SLURM_LOCAL_WAIT_TIMEOUT:-120} usage="usage: slurm_local_wait [-t SECONDS] JOBID..."
  case ${1:-} in
    -t) timeout=${2:-}; shift 2 || true ;;
    --timeout=*) timeout=${1#*=}; shift ;;
  esac
  case $timeout in '' | *[!0-9]*) _slurm_local_err "$usage (SECONDS: a whole number)"; return 2 ;; esac
  [ $# -gt 0 ] || { _slurm_local_err "$usage"; return 2; }
  local ids=() id out all state code line pending deadline=$((SECONDS + timeout)) bad=0 err
  for id in "$@"; do
    id=${id%%;*} # sbatch --parsable prints ID or ID;CLUSTER
    case $id in
      [0-9]* ) [[ $id =~ ^[0-9]+(_[0-9]+)?$ ]] || { _slurm_local_err "not a job id: '$id'"; return 2; } ;;
      *) _slurm_local_err "not a job id: '$id' ($usage)"; return 2 ;;
    esac
    ids+=("$id")
  done
  while :; do
    all="" pending=""
    for id in "${ids[@]}"; do
      # -t all: finished jobs stay listed (MinJobAge=600 s) with their final state.
      if out=$(timeout 30 squeue -h -t all -j "$id" -O 'JobArrayID:40,State:20,exit_code:12' 2>&1) &&
         [ -n "$out" ]; then
        while read -r line state code; do
          _slurm_local_final "$state" || pending+=" $line($state)"
          # squeue prints the wait status: exit code in the high byte, signal in the low bits.
          case $code in '' | *[!0-9]*) code="?" ;; *) code="$((code >> 8)):$((code & 127))" ;; esac
          all+="$line $state $code"$'\n'
        done <<<"$out"
      elif out=$(_slurm_local_jobcomp "${SLURM_LOCAL_DIR:-/nonexistent}" "$id") && [ -n "$out" ]; then
        all+="$out"$'\n'
      else
        err=$(timeout 30 scontrol show job "$id" 2>&1 >/dev/null) || true
        if [[ $err == *"Invalid job id"* ]]; then
          _slurm_local_err "unknown job id $id ($usage)"
          return 2
        fi
        pending+=" $id(no answer: ${out:-$err})"
      fi
    done
    [ -z "$pending" ] && break
    if [ $SECONDS -ge $deadline ]; then
      _slurm_local_err "after ${timeout}s, not finished:$pending"
      squeue -t all -O 'JobArrayID:30,State:20,Reason:30' >&2 2>/dev/null || true
      _slurm_local_tails "${SLURM_LOCAL_DIR:-/nonexistent}"
      return 2
    fi
    sleep 0.2
  done
  while read -r id state code; do
    [ -n "$id" ] || continue
    echo "$id $state $code"
    [ "$state" = COMPLETED ] || bad=1
  done <<<"$(sort -u -V <<<"$all")"
  return $bad
}
