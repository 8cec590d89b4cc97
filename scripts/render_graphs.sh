#!/usr/bin/env bash
# Regenerate the curated diagrams in graphs/ from a data folder (default: data/).
#
# Usage: scripts/render_graphs.sh [DATA_DIR] [OUT_DIR]
#   FORMATS="svg png" scripts/render_graphs.sh     # image formats (default: svg; jv_network also png)
#   MIN_FLOW=10 MIN_SHARED=100 EGO_GROUP=FAW   # thresholds (workers pooled over years; shared
#                                              # suppliers per firm pair) and the ego group
#
# Writes, for each diagram NAME, OUT_DIR/NAME.dot (deterministic; reviewable
# in diffs) and OUT_DIR/NAME.{svg,png} (needs Graphviz `dot` on PATH; without
# it only the DOT files are written and the script says so).
#
# Diagrams:
#   jv_network   ownership channel: foreign parents → JVs ← domestic parents,
#                one cluster per corporate group, JV size by latest production
#                up to 2014 (the study's 2014 sales), JVs founded by 2014
#   firms_2014   firms-only view, cumulative to 2014: ownership, worker flows of
#                ≥ MIN_FLOW workers (pooled 2001–2014) and firm pairs sharing
#                ≥ MIN_SHARED suppliers; one cluster per group
#   worker_flow  worker-flow channel pooled over all years (pairs with ≥ MIN_FLOW workers)
#   ego_faw      FAW's ego network at firm level with the same thresholds: FAW's
#                firms and every firm one strong link away
set -euo pipefail
cd "$(dirname "$0")/.."

DATA="${1:-data}"
OUT="${2:-graphs}"
FORMATS="${FORMATS:-svg}"
MIN_SHARED="${MIN_SHARED:-100}"
MIN_FLOW="${MIN_FLOW:-10}"
EGO_GROUP="${EGO_GROUP:-FAW}"
BIN=target/debug/spillnet

if [ ! -d "$DATA" ]; then
  echo "error: data folder '$DATA' not found" >&2
  exit 1
fi
if [ ! -x "$BIN" ]; then
  cargo build --quiet --bin spillnet
fi
render=()
if command -v dot >/dev/null 2>&1; then
  render=(yes)
else
  echo "note: graphviz 'dot' not found on PATH; writing DOT files only (Debian: apt-get install graphviz)" >&2
fi

# draw NAME FORMATS ARGS... : write OUT/NAME.dot, then render it in every format.
draw() {
  local name="$1" formats="$2"
  shift 2
  if [ ${#render[@]} -eq 0 ]; then
    "$BIN" graph dot --data "$DATA" --out "$OUT/$name.dot" "$@"
    return
  fi
  for fmt in $formats; do
    "$BIN" graph dot --data "$DATA" --out "$OUT/$name.dot" --render "$fmt" "$@"
  done
}

thresholds=(--min-weight "worker_flow=$MIN_FLOW" --min-weight "shared_supplier=$MIN_SHARED")
ego_name="ego_$(echo "$EGO_GROUP" | tr '[:upper:]' '[:lower:]')"

# jv_network: fdp (force-directed, draws the group clusters; `dot` would stack the two-rank
# ownership graph into a tall strip). The denser views: sfdp (force-directed, byte-stable output
# across runs; it does not draw clusters). DOT files are always byte-identical for the same data.
draw jv_network "$(echo "$FORMATS png" | tr ' ' '\n' | sort -u | tr '\n' ' ')" --layout fdp \
  --view channel --channel owns --year 2014 --cumulative --clusters
draw firms_2014 "$FORMATS" --layout sfdp --view firms --year 2014 --cumulative "${thresholds[@]}"
draw worker_flow "$FORMATS" --layout sfdp --view channel --channel worker_flow --min-weight "$MIN_FLOW"
draw "$ego_name" "$FORMATS" --layout sfdp --view ego --group "$EGO_GROUP" --firms-only "${thresholds[@]}"

echo "diagrams written to $OUT/"
