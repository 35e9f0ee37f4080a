# Sourced by scripts/run and scripts/test: create or refresh .venv when missing or stale.
# Stale means pyproject.toml changed since the last install, or an extra is wanted that was
# not installed (the hash and the installed extras are stamped in .venv).
# YABOT_VENV_EXTRAS: the optional dependencies to install ("test,load" when unset; scripts/run
# sets it empty: running needs none of them).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
EXTRAS="${YABOT_VENV_EXTRAS-test,load}"

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
# The stamp: line 1 the hash of pyproject.toml, line 2 the extras installed (comma-separated).
# A venv with more extras than wanted is fine (scripts/run after scripts/test installs nothing).
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
have="$(sed -n 1p "$VENV/.yabot-stamp" 2>/dev/null || true)"
have_extras="$(sed -n 2p "$VENV/.yabot-stamp" 2>/dev/null || true)"
union_extras="$(printf '%s,%s' "$have_extras" "$EXTRAS" | tr ',' '\n' | sed '/^$/d' | sort -u | paste -sd, -)"
if [ ! -x "$VENV/bin/python" ] || [ "$want" != "$have" ] || [ "$union_extras" != "$have_extras" ]; then
  echo "==> preparing $VENV with $PYTHON_BIN (extras: ${union_extras:-none})" >&2
  [ -x "$VENV/bin/python" ] || "$PYTHON_BIN" -m venv "$VENV"
  log="$VENV/install.log"
  spec="$ROOT"
  [ -z "$union_extras" ] || spec="$ROOT[$union_extras]"
  if ! { "$VENV/bin/python" -m pip install --upgrade pip && \
         "$VENV/bin/python" -m pip install -e "$spec"; } >"$log" 2>&1; then
    grep -v "is ignored: it is neither" "$log" | tail -40 >&2
    echo "installing YABOT's dependencies failed; full log: $log" >&2
    exit 1
  fi
  printf '%s\n%s\n' "$want" "$union_extras" > "$VENV/.yabot-stamp"
fi
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
