#!/usr/bin/env bash
# Whole-process benchmark of `spillnet estimate` against pyfixest 0.60.
#
# For each N (default: 1e5 1e6 5e6) it generates the DGP of
# scripts/bench_estimate.py as Parquet, then runs REPS times (default 3):
#   spillnet: the whole process (read Parquet -> fit -> CRV1 -> JSON on stdout),
#   pyfixest: feols(...) + CRV1 on the same file (read time excluded),
# measuring wall time and peak RSS with /usr/bin/time -v, and writes
# bench/runs/<date>-<machine>/estimate.tsv plus a summary with medians and
# ratios. Needs a release build (cargo build --release --bin spillnet),
# python3 with pyfixest 0.60 and pyarrow.
#
# Usage: scripts/bench_estimate.sh [N ...]     (env: REPS, THREADS, BIN)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/spillnet}
REPS=${REPS:-3}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1e5 1e6 5e6)
[ -x "$BIN" ] || { echo "missing $BIN: cargo build --release --bin spillnet" >&2; exit 1; }
OUT="bench/runs/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TSV="$OUT/estimate.tsv"
printf 'n\ttool\trep\twall_s\tfit_s\tpeak_rss_kb\n' > "$TSV"
threads_flag=()
[ -n "${THREADS:-}" ] && threads_flag=(--threads "$THREADS")

for n in "${SIZES[@]}"; do
  f="$TMP/bench_$n.parquet"
  python3 scripts/bench_estimate.py gen "$n" "$f"
  for rep in $(seq 1 "$REPS"); do
    /usr/bin/time -v -o "$TMP/time.txt" "$BIN" -q "${threads_flag[@]}" estimate --data "$f" --y y --x x1,x2 \
      --fe f1,f2,f3 --vcov cluster:cl --format json > "$TMP/spillnet.json"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$TMP/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time.txt")
    printf '%s\tspillnet\t%s\t%s\t%s\t%s\n' "$n" "$rep" "$wall" "$wall" "$rss" >> "$TSV"

    /usr/bin/time -v -o "$TMP/time.txt" python3 scripts/bench_estimate.py pyfixest "$f" > "$TMP/py.json"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$TMP/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time.txt")
    fit=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fit_s"])' "$TMP/py.json")
    printf '%s\tpyfixest\t%s\t%s\t%s\t%s\n' "$n" "$rep" "$wall" "$fit" "$rss" >> "$TSV"
  done
  # Same estimates (sanity): x1 coefficient agrees to 1e-6.
  python3 - "$TMP/spillnet.json" "$TMP/py.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["models"][0]["coefficients"][0]
p = json.load(open(sys.argv[2]))
assert abs(s["estimate"] - p["x1"]) < 1e-6 * max(1, abs(p["x1"])), (s, p)
assert abs(s["se"] - p["se_x1"]) < 1e-5 * p["se_x1"], (s, p)
PY
done

python3 - "$TSV" > "$OUT/summary.txt" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
sizes = sorted({r["n"] for r in rows}, key=float)
print("n\tspillnet_wall_s\tpyfixest_fit_s\tpyfixest_wall_s\tratio_wall/fit\tspillnet_rss_MB\tpyfixest_rss_MB\trss_ratio")
for n in sizes:
    med = lambda tool, key: statistics.median(float(r[key]) for r in rows if r["n"] == n and r["tool"] == tool)
    s, pf_fit, pf_wall = med("spillnet", "wall_s"), med("pyfixest", "fit_s"), med("pyfixest", "wall_s")
    sr, pr = med("spillnet", "peak_rss_kb") / 1024, med("pyfixest", "peak_rss_kb") / 1024
    print(f"{n}\t{s:.3f}\t{pf_fit:.3f}\t{pf_wall:.3f}\t{s / pf_fit:.3f}\t{sr:.0f}\t{pr:.0f}\t{sr / pr:.3f}")
PY
cat "$OUT/summary.txt"
echo "results in $OUT" >&2
