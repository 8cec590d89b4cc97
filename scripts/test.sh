#!/usr/bin/env bash
# The whole test suite: unit + integration tests (nextest), then doc tests.
# Usage: scripts/test.sh [extra nextest args]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dot >/dev/null 2>&1 || echo "note: graphviz 'dot' not found; DOT-parsing tests will say so (apt-get install graphviz)"
cargo nextest run --workspace --no-fail-fast "$@"
cargo test --workspace --doc --quiet
