#!/usr/bin/env bash
# Test prerequisites outside Python: Debian's chromium for the chat page test.
# Installs it only when missing; if that fails the browser test skips with a reason.
set -uo pipefail
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
exit 0
