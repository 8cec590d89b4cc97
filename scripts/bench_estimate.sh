#!/usr/bin/env bash
# Whole-process benchmark of `spillnet estimate` against pyfixest 0.60.
#
# Each CASE is DESIGN:N (designs in scripts/bench_estimate.py: fe3, simple,
# difficult, akm0.1, akm0.5, and the models pois (Poisson: spillnet
# --model poisson vs pyfixest fepois) and iv (2SLS, one endogenous regressor,
# two instruments)) or a bare N (= fe3:N, the original benchmark).
# Default: simple:1e5 simple:1e6 difficult:1e5 difficult:1e6 akm0.1:1e6 akm0.5:1e6.
# For each case it writes the design as Parquet, then runs REPS times (default 3):
#   spillnet:        the whole process (read Parquet -> fit -> CRV1 -> JSON on
#                    stdout), default solver (--demeaner auto), tolerance 1e-8;
#   pyfixest-map:    pyfixest's default demeaner (alternating projections, 1e-8);
#   pyfixest-within: pyfixest's LsmrDemeaner(backend="within"), atol = btol = 1e-8;
# pyfixest times read + feols + CRV1 inside Python (import and JIT warm-up
# excluded); every run's wall time and peak RSS come from /usr/bin/time -v.
# A run longer than TIMEOUT seconds (default 600) is stopped and recorded
# as "timeout". Writes bench/runs/<date>-<machine>/estimate.tsv and
# summary.txt (medians and ratios). spillnet's x1, x2 and SEs are checked
# against pyfixest-within at 1e-6 relative. Needs a release build (cargo
# build --release --bin spillnet), python3 with pyfixest 0.60 and pyarrow.
#
# Usage: scripts/bench_estimate.sh [CASE ...]   (env: REPS, THREADS, BIN, TIMEOUT, TOOLS, OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/spillnet}
REPS=${REPS:-3}
TIMEOUT=${TIMEOUT:-600}
TOOLS=${TOOLS:-"spillnet pyfixest-map pyfixest-within"}
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(simple:1e5 simple:1e6 difficult:1e5 difficult:1e6 akm0.1:1e6 akm0.5:1e6)
[ -x "$BIN" ] || { echo "missing $BIN: cargo build --release --bin spillnet" >&2; exit 1; }
OUT=${OUT:-"bench/runs/$(date -u +%Y-%m-%d)-$(hostname -s)"}
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TSV="$OUT/estimate.tsv"
[ -s "$TSV" ] || printf 'design\tn\ttool\trep\twall_s\tinner_s\tpeak_rss_kb\titerations\n' > "$TSV"
threads_flag=()
[ -n "${THREADS:-}" ] && threads_flag=(--threads "$THREADS")

wall_of() { awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/{print $2}' "$1"; }

for case in "${CASES[@]}"; do
  if [[ "$case" == *:* ]]; then design=${case%%:*}; n=${case#*:}; else design=fe3; n=$case; fi
  mapfile -t model_args < <(python3 scripts/bench_estimate.py args "$design")
  f="$TMP/${design}_$n.parquet"
  python3 scripts/bench_estimate.py gen "$design" "$n" "$f"
  for rep in $(seq 1 "$REPS"); do
    for tool in $TOOLS; do
      case $tool in
        spillnet)
          if timeout "$TIMEOUT" /usr/bin/time -v -o "$TMP/time.txt" "$BIN" -q "${threads_flag[@]}" estimate --data "$f" \
              "${model_args[@]}" --vcov cluster:cl --format json > "$TMP/spillnet.json"; then
            wall=$(wall_of "$TMP/time.txt")
            it=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["models"][0]; print("/".join("%s:%d" % (c["method"], c["iterations"]) for c in m["demeaning"]))' "$TMP/spillnet.json")
            printf '%s\t%s\tspillnet\t%s\t%s\t%s\t%s\t%s\n' "$design" "$n" "$rep" "$wall" "$wall" "$(rss_of "$TMP/time.txt")" "$it" >> "$TSV"
          else
            printf '%s\t%s\tspillnet\t%s\ttimeout\ttimeout\t\t\n' "$design" "$n" "$rep" >> "$TSV"
          fi ;;
        pyfixest-map|pyfixest-within)
          dm=${tool#pyfixest-}
          if timeout "$TIMEOUT" /usr/bin/time -v -o "$TMP/time.txt" python3 scripts/bench_estimate.py pyfixest "$f" "$dm" \
              > "$TMP/py-$dm.json"; then
            inner=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["read_fit_s"])' "$TMP/py-$dm.json")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n' "$design" "$n" "$tool" "$rep" "$(wall_of "$TMP/time.txt")" "$inner" "$(rss_of "$TMP/time.txt")" >> "$TSV"
          else
            printf '%s\t%s\t%s\t%s\ttimeout\ttimeout\t\t\n' "$design" "$n" "$tool" "$rep" >> "$TSV"
            rm -f "$TMP/py-$dm.json"
          fi ;;
      esac
    done
  done
  # Same estimates: spillnet against pyfixest within (or map) at 1e-6 relative.
  ref="$TMP/py-within.json"; [ -s "$ref" ] || ref="$TMP/py-map.json"
  if [ -s "$TMP/spillnet.json" ] && [ -s "$ref" ]; then
    python3 - "$TMP/spillnet.json" "$ref" "$design:$n" <<'PY'
import json, sys
coefs = {c["name"]: c for c in json.load(open(sys.argv[1]))["models"][0]["coefficients"]}
p = json.load(open(sys.argv[2]))
for k in ("x1", "x2"):
    s = coefs[k]
    assert abs(s["estimate"] - p[k]) <= 1e-6 * abs(p[k]), (sys.argv[3], k, s["estimate"], p[k])
    assert abs(s["se"] - p["se_" + k]) <= 1e-6 * p["se_" + k], (sys.argv[3], k, s["se"], p["se_" + k])
print(sys.argv[3], "spillnet = pyfixest", p["demeaner"], "to 1e-6 (x1, x2, SEs)", file=sys.stderr)
PY
  fi
  rm -f "$TMP"/py-*.json "$TMP/spillnet.json" "$f"
done

python3 - "$TSV" > "$OUT/summary.txt" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
cases = []
for r in rows:
    if (r["design"], r["n"]) not in cases:
        cases.append((r["design"], r["n"]))
def med(d, n, tool, key):
    v = [r[key] for r in rows if (r["design"], r["n"], r["tool"]) == (d, n, tool)]
    if not v:
        return None
    if any(x == "timeout" for x in v):
        return float("inf")
    return statistics.median(float(x) for x in v)
fmt = lambda x: "-" if x is None else ("timeout" if x == float("inf") else "%.3f" % x)
ratio = lambda a, b: "-" if a is None or b is None or b == float("inf") else "%.3f" % (a / b)
print("design\tn\tspillnet_wall_s\tpf_map_s\tpf_within_s\tratio_vs_within\tratio_vs_map\tspillnet_MB\tpf_within_MB\tmem_ratio\tspillnet_iterations")
for d, n in cases:
    s = med(d, n, "spillnet", "wall_s")
    m = med(d, n, "pyfixest-map", "inner_s")
    w = med(d, n, "pyfixest-within", "inner_s")
    sr = med(d, n, "spillnet", "peak_rss_kb")
    wr = med(d, n, "pyfixest-within", "peak_rss_kb")
    its = [r["iterations"] for r in rows if (r["design"], r["n"], r["tool"]) == (d, n, "spillnet")]
    print("\t".join([d, n, fmt(s), fmt(m), fmt(w), ratio(s, w), ratio(s, m),
                     fmt(sr and sr / 1024), fmt(wr and wr / 1024), ratio(sr, wr), its[-1] if its else "-"]))
PY
cat "$OUT/summary.txt"
echo "results in $OUT" >&2
