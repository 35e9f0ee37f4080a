# Sourced by scripts/run and scripts/test: create or refresh .venv when missing or stale.
# Stale means pyproject.toml changed since the last install (its hash is stamped in .venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${YABOT_VENV_EXTRAS:-test,load}"

# The interpreter: $PYTHON if set, else the distribution's /usr/bin/python3 when it is 3.11+
# and can make a venv (Debian ships ensurepip only with python3.X-venv), else python3 on PATH.
# Distribution builds are compiled with PGO and LTO; a pyenv build by default is neither:
# YABOT's two processes spent 5-9% less CPU per update on Debian's 3.11 than on pyenv's
# (docs/benchmarks.md, "2026-12-03 evening").
choose_python() {
  local system=/usr/bin/python3
  if [ -x "$system" ] && "$system" -c 'import sys, ensurepip, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "$system"
  else
    echo python3
  fi
}
PYTHON_BIN="${PYTHON:-$(choose_python)}"

if ! "$PYTHON_BIN" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "YABOT needs Python 3.11 or newer; $PYTHON_BIN is $("$PYTHON_BIN" --version 2>&1)" >&2
  exit 1
fi

base_of() { "$1" -c 'import sys; print(sys.base_prefix, sys.version)'; }
want_base="$(base_of "$PYTHON_BIN")"
if [ -x "$VENV/bin/python" ] && [ "$(base_of "$VENV/bin/python" 2>/dev/null || true)" != "$want_base" ]; then
  echo "==> $VENV was made by another interpreter: making it again with $PYTHON_BIN" >&2
  rm -rf "$VENV"
fi
want="$( (cat "$ROOT/pyproject.toml"; echo "$EXTRAS") | sha256sum | cut -d' ' -f1)"
have="$(cat "$VENV/.yabot-stamp" 2>/dev/null || true)"
if [ ! -x "$VENV/bin/python" ] || [ "$want" != "$have" ]; then
  echo "==> preparing $VENV with $PYTHON_BIN (extras: $EXTRAS)" >&2
  [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
  log="$VENV/install.log"
  if ! { "$VENV/bin/python" -m pip install --upgrade pip && \
         "$VENV/bin/python" -m pip install -e "$ROOT[$EXTRAS]"; } >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" | tail -40 >&2
    echo "installing YABOT's dependencies failed; full log: $log" >&2
    exit 1
  fi
  echo "$want" > "$VENV/.yabot-stamp"
fi
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
