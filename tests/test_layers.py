"""Layering and style rules: `actors/` is generic (no yabot imports) and type-checks strictly;
the product type-checks (mypy strict, as configured in pyproject.toml) and passes ruff."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_actors_imports_nothing_from_yabot() -> None:
    offenders = []
    for path in (ROOT / "actors").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n == "yabot" or n.startswith("yabot.")
            ]
    assert not offenders


def _check(*command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_mypy_strict_actors() -> None:
    _check("mypy", "--strict", "--no-incremental", "actors")


def test_mypy_product() -> None:
    _check("mypy", "--no-incremental", "yabot", "actors")


def test_ruff() -> None:
    _check("ruff", "check", ".")
