#!/usr/bin/env bash
# Merges the shard databases of sweep-array.sh into one and writes the report, CSV and JSON.
#   sbatch --dependency=afterok:<array job id> scripts/slurm/merge.sh
#SBATCH --job-name=reef-sweep-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=4G
#SBATCH --time=00:30:00
#SBATCH --output=reef-sweep-merge-%j.log
set -euo pipefail

ROOT="${REEF_ROOT:-${SLURM_SUBMIT_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}}"
OUT="${REEF_SWEEP_OUT:-sweep-results}"
BIN="$ROOT/apps/sweep/dist/bin.js"

shopt -s nullglob
shards=("$OUT"/shard-*-of-*.db)
if [ ${#shards[@]} -eq 0 ]; then
  echo "merge.sh: no shard databases in $OUT" >&2
  exit 1
fi
node "$BIN" merge "$OUT/results.db" "${shards[@]}"
node "$BIN" export --db "$OUT/results.db" --format csv --out "$OUT/results.csv"
node "$BIN" export --db "$OUT/results.db" --format json --out "$OUT/results.json"
node "$BIN" report --db "$OUT/results.db" --out "$OUT"
