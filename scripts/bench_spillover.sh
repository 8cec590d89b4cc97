#!/usr/bin/env bash
# Whole-process benchmark of `spillnet spillover --spec baseline` on a data
# folder (default: the shipped paper-scale data/, 717,725 pair x dimension
# rows) against the same two-step estimator written with pandas + pyfixest
# 0.60 (tests/reference/spillover.py --bench: read CSVs, step 1 with
# pyfixest, pair panel with pandas, baseline (2) with CRV1 two-way
# clustering). Same data, same run, REPS repetitions (default 3); wall time
# and peak RSS from /usr/bin/time -v. Writes
# bench/runs/<date>-<machine>/spillover.tsv and a summary with medians and
# ratios.
#
# Needs a release build (cargo build --release --bin spillnet) and python3
# with pyfixest 0.60 (pip install "pyfixest==0.60.*" pyarrow).
#
# Usage: scripts/bench_spillover.sh [DATA_DIR]      (env: REPS, BIN, BOOT)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/spillnet}
REPS=${REPS:-3}
BOOT=${BOOT:-999}
DATA=${1:-data}
[ -x "$BIN" ] || { echo "missing $BIN: cargo build --release --bin spillnet" >&2; exit 1; }
[ "$DATA" = data ] || { echo "the pyfixest side reads data/; pass no argument" >&2; exit 2; }
OUT="bench/runs/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TSV="$OUT/spillover.tsv"
printf 'tool\trep\twall_s\tpeak_rss_kb\theadline\n' > "$TSV"
measure() { # tool rep cmd...
  local tool=$1 rep=$2; shift 2
  /usr/bin/time -v -o "$TMP/time.txt" "$@" > "$TMP/out.json"
  local wall rss h
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$TMP/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time.txt")
  h=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("headline", d).get("estimate"))' "$TMP/out.json")
  printf '%s\t%s\t%s\t%s\t%s\n' "$tool" "$rep" "$wall" "$rss" "$h" >> "$TSV"
}
for rep in $(seq 1 "$REPS"); do
  measure spillnet "$rep" "$BIN" -q spillover --data "$DATA" --spec baseline --boot "$BOOT" --format json
  measure spillnet_boot0 "$rep" "$BIN" -q spillover --data "$DATA" --spec baseline --boot 0 --format json
  measure pyfixest "$rep" python3 tests/reference/spillover.py --bench
done
python3 - "$TSV" > "$OUT/spillover_summary.txt" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = {}
for tool in sorted({r["tool"] for r in rows}):
    rs = [r for r in rows if r["tool"] == tool]
    med[tool] = (statistics.median(float(r["wall_s"]) for r in rs), statistics.median(float(r["peak_rss_kb"]) for r in rs), rs[0]["headline"])
    print(f"{tool:15s} median wall {med[tool][0]:7.2f} s   median peak RSS {med[tool][1]/1024:8.1f} MB   headline {med[tool][2]}")
for tool in ("spillnet", "spillnet_boot0"):
    print(f"{tool}/pyfixest: time ratio {med[tool][0]/med['pyfixest'][0]:.3f}, memory ratio {med[tool][1]/med['pyfixest'][1]:.3f}")
PY
cat "$OUT/spillover_summary.txt"
