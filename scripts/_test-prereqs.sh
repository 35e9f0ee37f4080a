#!/usr/bin/env bash
# Prerequisites of the test suite, run by scripts/test. Each block is self-contained.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# narrative: inkjs (npm, pinned in package.json) compiles stories in tests/narrative.
if [ ! -d node_modules/inkjs ] && command -v npm >/dev/null; then
  npm ci --silent --no-audit --no-fund || echo "npm ci failed: story compile tests will skip" >&2
fi
