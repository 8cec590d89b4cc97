#!/usr/bin/env bash
# The whole test suite: unit + integration tests (nextest), then doc tests.
# Usage: scripts/test.sh [extra nextest args]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dot >/dev/null 2>&1 || echo "note: graphviz 'dot' not found; DOT-parsing tests will say so (apt-get install graphviz)"
command -v chromium >/dev/null 2>&1 || echo "note: chromium not found; the HTML explorer's browser tests are skipped (apt-get install chromium)"
cargo nextest run --workspace --no-fail-fast "$@"
cargo test --workspace --doc --quiet
