#!/usr/bin/env bash
# Benchmark of the streamed `worker_moves` loader (issue #5).
#
# Generates (once per size) a data folder under bench/tmp/moves-<ROWS>/ with
# FIRMS domestic firms, no JV link and ROWS person-level moves
# (from_firm,to_firm,year,count,person_id; every seventh count is 2, the
# others empty), then runs `spillnet check --data DIR` (which loads and
# validates every table, i.e. streams and aggregates the moves) under
# /usr/bin/time -v and prints wall time, rows/second and peak RSS. The
# result block is appended to bench/runs/<date>-<host>/moves.txt.
#
# Usage: scripts/bench_moves.sh [ROWS]      (default 1e7; env: BIN, FIRMS, LABEL)
#   BIN    binary to run (default target/release/spillnet: cargo build --release --bin spillnet)
#   FIRMS  number of firms (default 150: ≤ 150·149·14 = 312,900 distinct triples)
#   LABEL  free text recorded with the result (e.g. "debug build, before streaming")
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=$(python3 -c 'import sys; print(int(float(sys.argv[1])))' "${1:-1e7}")
BIN=${BIN:-target/release/spillnet}
FIRMS=${FIRMS:-150}
LABEL=${LABEL:-}
[ -x "$BIN" ] || { echo "missing $BIN: cargo build --release --bin spillnet" >&2; exit 1; }
DIR="bench/tmp/moves-$ROWS-$FIRMS"
OUT="bench/runs/$(date -u +%Y-%m-%d)-$(hostname -s)"
mkdir -p "$OUT" bench/tmp

if [ ! -f "$DIR/.complete" ]; then
  rm -rf "$DIR"
  mkdir -p "$DIR"
  python3 - "$DIR" "$ROWS" "$FIRMS" <<'PY'
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
  touch "$DIR/.complete"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/time -v -o "$TMP/time.txt" "$BIN" check --data "$DIR" > "$TMP/check.txt"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$TMP/time.txt")
rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$TMP/time.txt")
user=$(awk -F': ' '/User time/{print $2}' "$TMP/time.txt")
sys=$(awk -F': ' '/System time/{print $2}' "$TMP/time.txt")
bytes=$(stat -c %s "$DIR/worker_moves.csv")
{
  echo "== worker_moves load: $(date -u +%Y-%m-%dT%H:%M:%SZ) ${LABEL:+($LABEL)}"
  echo "binary:      $BIN (commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), tree may be dirty)"
  echo "machine:     $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "command:     $BIN check --data $DIR"
  echo "input:       $ROWS person-level rows, $FIRMS firms, $((bytes / 1048576)) MiB of CSV"
  grep -E '^  worker_moves|^worker_moves:' "$TMP/check.txt" | sed 's/^ */check:       /'
  python3 - "$ROWS" "$wall" "$rss" "$user" "$sys" "$bytes" <<'PY'
import sys
rows, wall, rss, user, sys_t, size = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
print(f"wall:        {wall:.2f} s (user {user} s, sys {sys_t} s)")
print(f"throughput:  {rows / wall:,.0f} rows/s, {size / wall / 1048576:.1f} MiB/s")
print(f"peak RSS:    {rss / 1024:.1f} MiB ({rss} KiB)")
PY
  echo
} | tee -a "$OUT/moves.txt"
