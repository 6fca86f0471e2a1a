#!/usr/bin/env bash
# A sweep on a real Slurm cluster (docs/sweeps.md, docs/slurm.md): starts the one-node cluster of
# tools/slurm_local.sh, runs `slqsim sweep --slurm --submit` (a job array, one task per point,
# and a merge job that depends on it), waits for both, and checks that the merged sweep.csv is
# byte for byte the one a local `slqsim sweep --jobs 2` writes. Also checks that a sweep whose
# points are all finished submits nothing.
#   tests/slurm/test_sweep_slurm.sh SLQSIM_BINARY
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
slqsim=$(realpath "${1:?usage: test_sweep_slurm.sh SLQSIM_BINARY}")
# shellcheck source=tools/slurm_local.sh
source "$root/tools/slurm_local.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/slq_sweep_slurm.XXXXXX")
cleanup() {
  local rc=$?
  slurm_local_stop "$dir/cluster" || rc=1
  if [ $rc -ne 0 ]; then echo "(files kept in $dir)" >&2; else rm -rf "$dir"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

cat >"$dir/sweep.yaml" <<YAML
base: {model: $root/data/lenet_fmnist.onnx, images: 48}
grid: {theta: [0, 0.03125], encodings: [tag, lq]}
YAML

"$slqsim" sweep -q --config "$dir/sweep.yaml" --out "$dir/local" --jobs 2 >/dev/null

slurm_local_start "$dir/cluster"
cd "$dir"
"$slqsim" sweep --config "$dir/sweep.yaml" --out "$dir/slurm" --slurm --submit >"$dir/submit.txt"
cat "$dir/submit.txt"
[ -f "$dir/slurm/slurm/jobs.txt" ] || fail "no slurm/jobs.txt"
mapfile -t jobs <"$dir/slurm/slurm/jobs.txt"
states=$(slurm_local_wait -t 600 "${jobs[0]}" "${jobs[1]}") || fail "jobs did not all complete: $states"
echo "$states"
[ "$(grep -c ' COMPLETED 0:0$' <<<"$states")" -eq 5 ] || fail "expected 4 point tasks and a merge job, completed"
[ -f "$dir/slurm/sweep.csv" ] || fail "the merge job wrote no sweep.csv: $(cat "$dir/slurm/slurm/merge.out")"
cmp "$dir/local/sweep.csv" "$dir/slurm/sweep.csv" || fail "sweep.csv from Slurm differs from the local one"

# Every point finished: a second --submit writes the table and submits nothing.
"$slqsim" sweep --config "$dir/sweep.yaml" --out "$dir/slurm" --slurm --submit >"$dir/again.txt" 2>&1
grep -q "submitted" "$dir/again.txt" && fail "submitted again: $(cat "$dir/again.txt")"
echo "PASS: the Slurm sweep's sweep.csv equals the local one"
