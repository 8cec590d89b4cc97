#!/usr/bin/env bash
# Benchmark of the `worker_moves` load (validate + aggregate by
# (from_firm, to_firm, year)) against Python polars and DuckDB (issue #16).
#
# For each size ROWS it generates (once) a data folder under
# bench/tmp/moves-<ROWS>-<FIRMS>/ with FIRMS domestic firms, no JV link and
# ROWS person-level moves (from_firm,to_firm,year,count,person_id; every
# seventh count is 2, the others empty), and with FORMATS containing
# `parquet` the same table as worker_moves.parquet in a sibling folder
# (…-parquet/, written by Python polars, streaming). Then, REPS times each
# and on the same file in the same run:
#   spillnet   `spillnet check --data DIR`: loads and validates every table
#              (streams, checks and aggregates the moves; the manifest's row
#              accounting), the whole process; the run fails unless the moves
#              went through DataFusion (not the native fallback);
#   spillnet-ballista
#              the same with `--engine $BALLISTA_URL`: the plan on an Apache
#              Ballista cluster; without BALLISTA_URL the script starts a local
#              one (CLUSTER_BIN, EXECUTORS executors on 127.0.0.1) and stops it
#              at the end;
#   polars     Python polars lazy `scan_csv`/`scan_parquet` → `group_by`
#              (sum of count, empty = 1; rows) → collect: aggregation only,
#              no validation (the reference a user would pick);
#   duckdb     DuckDB `read_csv`/`read_parquet` … GROUP BY, fetched to Arrow.
# spillnet's time is the whole process's wall time; the peers' is measured
# inside Python around the query (imports excluded, as in bench_estimate.sh);
# peak RSS of every process comes from /usr/bin/time -v. Writes bench/runs/<date>-<host>/moves.tsv
# (one line per run) and moves-summary.txt (medians, rows/s, ratios to
# polars), and checks that the three tools find the same number of
# distinct triples and the same total count.
#
# Usage: scripts/bench_moves.sh [ROWS ...]       (default 1e7)
#   env: BIN (default ${CARGO_TARGET_DIR:-target}/release/spillnet), FIRMS (150),
#        CLUSTER_BIN (default …/release/examples/local_cluster, built by
#        `cargo build --release -p spillnet-flows --features ballista --example local_cluster`),
#        EXECUTORS (2), BALLISTA_URL (an existing scheduler, ballista://HOST:PORT),
#        FORMATS ("csv parquet"), TOOLS ("spillnet polars duckdb"), REPS (3),
#        OUT (bench/runs/<date>-<host>), LABEL (free text kept in the summary)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/spillnet}
FIRMS=${FIRMS:-150}
FORMATS=${FORMATS:-"csv parquet"}
TOOLS=${TOOLS:-"spillnet polars duckdb"}
REPS=${REPS:-3}
LABEL=${LABEL:-}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1e7)
[ -x "$BIN" ] || { echo "missing $BIN: cargo build --release --bin spillnet" >&2; exit 1; }
OUT=${OUT:-"bench/runs/$(date -u +%Y-%m-%d)-$(hostname -s)"}
mkdir -p "$OUT" bench/tmp
TSV="$OUT/moves.tsv"
[ -s "$TSV" ] || printf 'rows\tformat\ttool\trep\twall_s\tpeak_rss_kb\ttriples\tworkers\n' > "$TSV"
TMP=$(mktemp -d)
CLUSTER_PID=
trap 'rm -rf "$TMP"; [ -n "$CLUSTER_PID" ] && kill "$CLUSTER_PID" 2>/dev/null' EXIT
if [[ " $TOOLS " == *" spillnet-ballista "* ]] && [ -z "${BALLISTA_URL:-}" ]; then
  CLUSTER_BIN=${CLUSTER_BIN:-${CARGO_TARGET_DIR:-target}/release/examples/local_cluster}
  [ -x "$CLUSTER_BIN" ] || { echo "missing $CLUSTER_BIN (see the usage above)" >&2; exit 1; }
  "$CLUSTER_BIN" --executors "${EXECUTORS:-2}" --port 50050 > "$TMP/cluster.txt" 2>&1 &
  CLUSTER_PID=$!
  for _ in $(seq 120); do grep -q "ballista://" "$TMP/cluster.txt" && break; sleep 0.5; done
  BALLISTA_URL=$(grep -o "ballista://[0-9.:]*" "$TMP/cluster.txt" | head -1)
  [ -n "$BALLISTA_URL" ] || { echo "the local cluster did not start:" >&2; cat "$TMP/cluster.txt" >&2; exit 1; }
  echo "local Ballista cluster at $BALLISTA_URL (${EXECUTORS:-2} executors)" >&2
fi

generate() { # DIR ROWS
  python3 - "$1" "$2" "$FIRMS" <<'PY'
import os, random, sys
d, rows, firms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(os.path.join(d, "firms.csv"), "w") as f:
    f.write("firm_id,name,kind,group_id,province,ownership\n")
    for i in range(firms):
        f.write(f"F{i:04d},Firm {i},domestic,,,private\n")
with open(os.path.join(d, "jv_links.csv"), "w") as f:
    f.write("jv_id,domestic_parent,foreign_parent,founded,dissolved,foreign_share\n")
rng = random.Random(20251129)
ids = [f"F{i:04d}" for i in range(firms)]
with open(os.path.join(d, "worker_moves.csv"), "w") as f:
    f.write("from_firm,to_firm,year,count,person_id\n")
    batch = []
    for i in range(rows):
        a = rng.randrange(firms)
        b = (a + 1 + rng.randrange(firms - 1)) % firms
        batch.append(f"{ids[a]},{ids[b]},{2001 + rng.randrange(14)},{'2' if i % 7 == 0 else ''},P{i:09d}\n")
        if len(batch) == 100_000:
            f.write("".join(batch))
            batch.clear()
    f.write("".join(batch))
PY
}

# The peers: aggregation only. Prints "<triples> <workers>".
cat > "$TMP/peer.py" <<'PY'
import sys, time
tool, path = sys.argv[1], sys.argv[2]
parquet = path.endswith(".parquet")
if tool == "polars":
    import polars as pl
    t0 = time.perf_counter()
    lf = pl.scan_parquet(path) if parquet else pl.scan_csv(path, schema_overrides={"person_id": pl.String})
    out = (lf.group_by("from_firm", "to_firm", "year")
             .agg(pl.col("count").fill_null(1).sum().alias("count"), pl.len().alias("rows"))
             .collect())
    print(out.height, int(out["count"].sum()), time.perf_counter() - t0)
else:
    import duckdb
    t0 = time.perf_counter()
    src = f"read_parquet('{path}')" if parquet else f"read_csv('{path}')"
    t = duckdb.sql(f"SELECT from_firm, to_firm, year, SUM(COALESCE(count, 1)) AS count, COUNT(*) AS rows "
                   f"FROM {src} GROUP BY ALL").to_arrow_table()
    print(t.num_rows, int(sum(t.column("count").to_pylist())), time.perf_counter() - t0)
PY

timed() { # LABEL... -- command: runs it under time -v, sets WALL and RSS; output in $TMP/out.txt
  /usr/bin/time -v -o "$TMP/time.txt" "$@" > "$TMP/out.txt"
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$TMP/time.txt")
  RSS=$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time.txt")
}

for size in "${SIZES[@]}"; do
  ROWS=$(python3 -c 'import sys; print(int(float(sys.argv[1])))' "$size")
  DIR="bench/tmp/moves-$ROWS-$FIRMS"
  if [ ! -f "$DIR/.complete" ]; then
    rm -rf "$DIR" && mkdir -p "$DIR"
    echo "generating $DIR ..." >&2
    generate "$DIR" "$ROWS"
    touch "$DIR/.complete"
  fi
  PDIR="$DIR-parquet"
  if [[ " $FORMATS " == *" parquet "* ]] && [ ! -f "$PDIR/.complete" ]; then
    rm -rf "$PDIR" && mkdir -p "$PDIR"
    echo "writing $PDIR/worker_moves.parquet ..." >&2
    cp "$DIR/firms.csv" "$DIR/jv_links.csv" "$PDIR/"
    python3 -c 'import sys, polars as pl; pl.scan_csv(sys.argv[1], schema_overrides={"person_id": pl.String}).sink_parquet(sys.argv[2])' \
      "$DIR/worker_moves.csv" "$PDIR/worker_moves.parquet"
    touch "$PDIR/.complete"
  fi
  for format in $FORMATS; do
    if [ "$format" = csv ]; then d=$DIR; file=$DIR/worker_moves.csv; else d=$PDIR; file=$PDIR/worker_moves.parquet; fi
    for rep in $(seq "$REPS"); do
      for tool in $TOOLS; do
        case $tool in
          spillnet|spillnet-ballista)
            engine=in-process
            [ "$tool" = spillnet-ballista ] && engine=$BALLISTA_URL
            timed "$BIN" --quiet --engine "$engine" check --data "$d" --format json
            read -r triples workers < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["worker_moves"]
if not m["loaded_by"].startswith("DataFusion"):
    sys.exit("not on the DataFusion path: " + m["loaded_by"])
print(m["aggregated"], m["workers"])' "$TMP/out.txt") ;;
          polars|duckdb)
            timed python3 "$TMP/peer.py" "$tool" "$file"
            read -r triples workers WALL < "$TMP/out.txt" ;;
        esac
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ROWS" "$format" "$tool" "$rep" "$WALL" "$RSS" "$triples" "$workers" | tee -a "$TSV"
      done
    done
  done
done

python3 - "$TSV" "$BIN" "$LABEL" > "$OUT/moves-summary.txt" <<'PY'
import collections, statistics, sys, os
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
runs = collections.defaultdict(list)
answers = collections.defaultdict(set)
for n, fmt, tool, rep, wall, rss, triples, workers in rows:
    runs[(int(n), fmt, tool)].append((float(wall), int(rss)))
    answers[(int(n), fmt)].add((triples, workers))
print(f"worker_moves load: spillnet check vs Python polars / DuckDB aggregation; {os.cpu_count()} cores; {sys.argv[2]} {sys.argv[3]}")
print("rows  format  tool      wall (median)  rows/s        peak RSS   time / polars  memory / polars")
for (n, fmt, tool), v in sorted(runs.items()):
    wall = statistics.median(w for w, _ in v)
    rss = statistics.median(r for _, r in v) / 1024
    ref = runs.get((n, fmt, "polars"))
    ratio = f"{wall / statistics.median(w for w, _ in ref):.2f}" if ref else "-"
    mem = f"{rss / (statistics.median(r for _, r in ref) / 1024):.2f}" if ref else "-"
    print(f"{n:.0e} {fmt:7} {tool:9} {wall:8.2f} s   {n / wall:12,.0f}  {rss:8.0f} MiB  {ratio:>13}  {mem:>15}")
for k, a in sorted(answers.items()):
    print(f"{k[0]:.0e} {k[1]}: {'same triples and total count' if len(a) == 1 else 'DIFFERENT ANSWERS: ' + str(a)}")
PY
cat "$OUT/moves-summary.txt"
