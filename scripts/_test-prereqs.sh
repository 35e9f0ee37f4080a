#!/usr/bin/env bash
# Prerequisites of the test suite outside Python, run by scripts/test. Each block is
# self-contained and installs only what is missing; a failure makes the tests that need it
# skip with a reason instead of failing the run here.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# narrative: inkjs (npm, pinned in package.json) compiles stories in tests/narrative.
if [ ! -d node_modules/inkjs ] && command -v npm >/dev/null; then
  npm ci --silent --no-audit --no-fund || echo "npm ci failed: story compile tests will skip" >&2
fi

# events: Debian's redis-server; tests start their own on free ports (never the shared one).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-server for the events tests..." >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq redis-server; } >/tmp/yabot-redis-install.log 2>&1; then
      echo "could not install redis-server (see /tmp/yabot-redis-install.log)" >&2
    fi
  else
    echo "redis-server is missing and cannot be installed here; the events tests will fail" >&2
  fi
fi

# telegram: Debian's chromium for the chat page tests.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium for the web chat test..." >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq chromium; } >/tmp/yabot-chromium-install.log 2>&1; then
      echo "could not install chromium (see /tmp/yabot-chromium-install.log); the browser test will be skipped" >&2
    fi
  else
    echo "chromium is missing and cannot be installed here; the browser test will be skipped" >&2
  fi
fi
# cluster: Debian's postgresql server binaries; tests start a throwaway server on a free port.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing postgresql for the cluster tests..." >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq postgresql; } >/tmp/yabot-postgresql-install.log 2>&1; then
      echo "could not install postgresql (see /tmp/yabot-postgresql-install.log); cluster tests will be skipped" >&2
    fi
  else
    echo "postgresql is missing and cannot be installed here; cluster tests will be skipped" >&2
  fi
fi
exit 0
