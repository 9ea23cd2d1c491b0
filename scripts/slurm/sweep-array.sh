#!/usr/bin/env bash
# One slice of a Reef sweep per Slurm array task; merge the slices with merge.sh afterwards.
#
#   cd /path/to/reef && pnpm install && pnpm build
#   jid=$(sbatch --parsable --array=1-16 scripts/slurm/sweep-array.sh --dataset data/sift-128-euclidean.hdf5 --methods all --full)
#   sbatch --dependency=afterok:$jid scripts/slurm/merge.sh
#
# Every task runs `reef-sweep --shard i/N` (i = 1..N, round-robin over the grid) into its own
# database under $REEF_SWEEP_OUT (default sweep-results/), so tasks never write the same file.
# A task that is preempted or times out can simply be resubmitted: finished configurations are
# in its database already and are skipped.
#SBATCH --job-name=reef-sweep
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=reef-sweep-%A_%a.log
set -euo pipefail

# Slurm runs a copy of this script from its spool folder, so find the repo from the submit folder.
ROOT="${REEF_ROOT:-${SLURM_SUBMIT_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}}"
OUT="${REEF_SWEEP_OUT:-sweep-results}"
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=1-N (or set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT)}"
MIN="${SLURM_ARRAY_TASK_MIN:-1}"
COUNT="${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT is not set}"
INDEX=$((SLURM_ARRAY_TASK_ID - MIN + 1))

mkdir -p "$OUT"
exec node "$ROOT/apps/sweep/dist/bin.js" run \
  --shard "$INDEX/$COUNT" \
  --db "$OUT/shard-$INDEX-of-$COUNT.db" \
  --out "$OUT/shard-$INDEX" \
  --no-report --quiet \
  "$@"
