#!/usr/bin/env bash
# How long Graphviz `dot` takes on random graphs of N nodes and M edges (the
# measurements behind export::render::DOT_COST_LIMIT, the automatic layout's
# switch to sfdp). Each run is capped at LIMIT seconds (default 60).
# Usage: scripts/dot_cost.sh ["N M" ...]
set -euo pipefail
LIMIT=${LIMIT:-60}
specs=("$@")
[ ${#specs[@]} -eq 0 ] && specs=("30 200" "40 400" "54 600" "54 800" "54 1000" "54 1340" "80 800" "100 300" \
  "100 1000" "100 1500" "200 600" "400 1200" "500 2500" "1000 3000")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'nodes\tedges\tcost_2m2_over_n\tseconds\tfinished\n'
for spec in "${specs[@]}"; do
  set -- $spec
  python3 - "$1" "$2" > "$tmp/g.dot" <<'PY'
import random, sys
n, m = int(sys.argv[1]), int(sys.argv[2]); random.seed(1)
pairs = [(i, j) for i in range(n) for j in range(n) if i < j]
print("digraph G { graph [splines=true]; node [shape=box];")
for k in range(m):
    i, j = pairs[k % len(pairs)] if m <= len(pairs) else random.choice(pairs)
    print(f" n{i} -> n{j};")
print("}")
PY
  s=$(date +%s.%N)
  if timeout "$LIMIT" dot -Tsvg "$tmp/g.dot" -o "$tmp/g.svg"; then ok=yes; else ok=no; fi
  e=$(date +%s.%N)
  printf '%s\t%s\t%.0f\t%.1f\t%s\n' "$1" "$2" "$(echo "2*$2*$2/$1" | bc -l)" "$(echo "$e - $s" | bc -l)" "$ok"
done
