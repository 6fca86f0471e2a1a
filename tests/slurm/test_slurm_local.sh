#!/usr/bin/env bash
# Self-test of tools/slurm_local.sh (docs/slurm.md): starts the one-node cluster in a temporary
# directory, submits a 4-task job array (each task writes a file) and a job that depends on it
# (afterany) and concatenates the files, waits, checks the result and that tasks ran side by side
# (when the node has 2 CPUs or more), stops the cluster and checks that none of its processes is
# left. Runs as root or as an ordinary user. Exit 0 when all holds.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tools/slurm_local.sh
source "$root/tools/slurm_local.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/slq_slurm.XXXXXX")
cleanup() {
  local rc=$?
  slurm_local_stop "$dir" || rc=1
  if [ $rc -ne 0 ] && [ -d "$dir/log" ]; then
    echo "(the cluster's files are kept in $dir)" >&2
  else
    rm -rf "$dir"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM # so that cleanup runs on these too
trap 'exit 130' INT

t0=$(date +%s%N)
slurm_local_start "$dir"
t1=$(date +%s%N)
[ "$SLURM_CONF" = "$dir/slurm.conf" ] || fail "SLURM_CONF is '$SLURM_CONF'"
cpus=$(sinfo -h -o %c | head -n 1)

work=$dir/work
mkdir -p "$work"
cd "$work"
# Each task: its start time, a second of work, its output file, its end time.
# shellcheck disable=SC2016 # expanded by the job
array=$(sbatch --parsable --job-name=slq_points --array=0-3 --output="$work/point_%a.log" \
          --wrap='date +%s.%N >start_$SLURM_ARRAY_TASK_ID
                  sleep 1
                  echo "point $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID" >point_$SLURM_ARRAY_TASK_ID.txt
                  date +%s.%N >end_$SLURM_ARRAY_TASK_ID')
# shellcheck disable=SC2016
merge=$(sbatch --parsable --job-name=slq_merge --dependency="afterany:$array" --output="$work/merge.log" \
          --wrap='cat point_0.txt point_1.txt point_2.txt point_3.txt >merged.txt')
echo "submitted array $array and merge $merge"
states=$(slurm_local_wait -t 120 "$array" "$merge") || fail "jobs did not all complete: $states"
t2=$(date +%s%N)
echo "$states"
[ "$(grep -c ' COMPLETED 0:0$' <<<"$states")" -eq 5 ] || fail "expected 5 completed jobs"
expected=$(for i in 0 1 2 3; do echo "point $i of job ${array%%;*}"; done)
[ "$(cat merged.txt)" = "$expected" ] || fail "merged.txt is: $(cat merged.txt)"
# The merge ran after every task.
for i in 0 1 2 3; do
  [ ! merged.txt -ot "point_$i.txt" ] || fail "merged.txt is older than point_$i.txt"
done
# Tasks ran side by side: two whose [start, end] intervals overlap.
if [ "${cpus:-1}" -ge 2 ]; then
  overlap=$(for i in 0 1 2 3; do echo "$(cat "start_$i") $(cat "end_$i")"; done |
            sort -n | awk 'NR > 1 && $1 < last_end { hit = 1 } { if ($2 > last_end) last_end = $2 }
                           END { print hit ? "yes" : "no" }')
  [ "$overlap" = yes ] || fail "no two array tasks ran at the same time on $cpus CPUs"
fi

cd /
slurm_local_stop "$dir" || fail "slurm_local_stop"
t3=$(date +%s%N)
left=$(slurm_local_pids "$dir")
[ -z "$left" ] || fail "processes left: $left"
# shellcheck disable=SC2009 # any process naming the directory, whatever its kind
others=$(ps -eo pid=,args= | grep -F "$dir" | grep -v grep) || true
[ -z "$others" ] || fail "processes naming $dir left: $others"
[ -z "${SLURM_CONF:-}" ] || fail "SLURM_CONF still set"
ms() { echo $((($2 - $1) / 1000000)); }
echo "slurm_local: start $(ms "$t0" "$t1") ms, jobs $(ms "$t1" "$t2") ms, stop $(ms "$t2" "$t3") ms ($cpus CPUs, $(id -un))"
echo "1 passed, 0 failed"
