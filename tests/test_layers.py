"""Layering and style rules: `actors/` is generic (no yabot imports) and type-checks strictly;
the product type-checks (mypy strict, as configured in pyproject.toml) and passes ruff."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

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


def _imports(path: Path, *, runtime_only: bool = False) -> list[str]:
    """Modules imported by ``path`` (``from a import b`` gives ``a`` and ``a.b``).

    With ``runtime_only``, imports under ``if TYPE_CHECKING:`` are left out.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _private_actors_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "actors" and len(parts) > 1:
                hits.append(node.module)  # ``from actors.x import``: past __init__
            elif node.module == "actors":
                hits += [f"actors.{a.name}" for a in node.names if a.name.startswith("_")]
        elif isinstance(node, ast.Import):
            hits += [a.name for a in node.names if a.name.startswith("actors.")]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.endswith("__")
            and isinstance(node.value, ast.Name)
            and node.value.id == "actors"
        ):
            hits.append(f"actors.{node.attr}")
    return hits


def test_yabot_and_tests_use_only_public_names_of_actors() -> None:
    """YABOT (and every caller) imports ``actors`` through its ``__init__`` only."""
    import actors

    offenders = []
    for folder in ("yabot", "tests", "scripts", "loadtests"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT)
            offenders += [f"{rel}: {name}" for name in _private_actors_names(path)]
            offenders += [
                f"{rel}: actors.{name} is not in actors.__all__"
                for name in _imported_from_actors(path)
                if name not in actors.__all__
            ]
    assert not offenders, offenders


def _imported_from_actors(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "actors"
        for alias in node.names
    ]


def test_actors_public_names_are_exported_and_its_modules_private() -> None:
    import actors

    modules = [p.stem for p in (ROOT / "actors").glob("*.py") if p.stem != "__init__"]
    assert modules and all(m.startswith("_") for m in modules), modules
    assert (ROOT / "actors" / "py.typed").is_file()
    assert sorted(actors.__all__) == sorted(set(actors.__all__))
    for name in actors.__all__:
        assert getattr(actors, name).__doc__, f"actors.{name} has no docstring"


def test_no_import_cycle_inside_actors() -> None:
    """Private modules import each other without a cycle (TYPE_CHECKING imports aside)."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "actors").glob("_*.py"):
        graph[f"actors.{path.stem}"] = {
            name
            for name in _imports(path, runtime_only=True)
            if name.startswith("actors._") and name != f"actors.{path.stem}"
        }
    graph = {module: {d for d in deps if d in graph} for module, deps in graph.items()}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for dep in graph[module]:
            visit(dep, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_the_telegram_edge_does_not_import_the_emulator() -> None:
    """The emulator is a tool beside the edge (yabot/emulator), not part of it."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "yabot" / "telegram").rglob("*.py")
        for name in _imports(path)
        if name == "yabot.emulator" or name.startswith("yabot.emulator.")
    ]
    assert not (ROOT / "yabot" / "telegram" / "emulator").exists()
    assert not offenders, offenders


TEST_ONLY_PACKAGES = {
    "aiogram",
    "hypothesis",
    "locust",
    "matplotlib",
    "mypy",
    "numpy",
    "pytest",
    "schemathesis",
    "secantus",
    "secantusdb",
    "sqlite_utils",
}


def test_yabot_imports_nothing_from_the_test_and_load_extras() -> None:
    """``scripts/run`` installs only the runtime dependencies: YABOT must run on them."""
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for folder in ("yabot", "actors")
        for path in (ROOT / folder).rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0].lower() in TEST_ONLY_PACKAGES
    ]
    assert not offenders, offenders


def _check(*command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]


def _package_graph() -> dict[str, set[str]]:
    """``yabot.<package>`` -> the ``yabot.<package>``s it imports (TYPE_CHECKING included:
    a type-only import still ties the two packages together)."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "yabot").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package = ".".join(parts[:2])
        deps = graph.setdefault(package, set())
        for name in _imports(path):
            if name.startswith("yabot."):
                target = ".".join(name.split(".")[:2])
                if target != package:
                    deps.add(target)
    return graph


def _path(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """An import path from ``start`` to ``goal`` (breadth first), or None."""
    came_from: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        if node == goal:
            path = [node]
            while (previous := came_from[path[-1]]) is not None:
                path.append(previous)
            return path[::-1]
        for dep in sorted(graph.get(node, ())):
            if dep not in came_from:
                came_from[dep] = node
                queue.append(dep)
    return None


@pytest.mark.parametrize(
    ("low", "high"),
    [("yabot.economy", "yabot.player"), ("yabot.events", "yabot.storage")],
)
def test_no_import_cycle_between(low: str, high: str) -> None:
    """``high`` may use ``low``; ``low`` reaches ``high`` through no chain of imports."""
    graph = _package_graph()
    assert _path(graph, high, low) is not None, f"{high} no longer uses {low}: drop this pair"
    assert _path(graph, low, high) is None, " -> ".join(_path(graph, low, high) or [])


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one package (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, deps = work[-1]
            dep = next(deps, None)
            if dep is not None:
                if dep not in index:
                    index[dep] = low[dep] = len(index)
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, iter(sorted(graph.get(dep, ())))))
                elif dep in on_stack:
                    low[node] = min(low[node], index[dep])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_no_package_cycle() -> None:
    """yabot's packages import one way: no group of packages reaches itself."""
    cycles = _cycles(_package_graph())
    assert not cycles, cycles


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e", "d"}}
    assert _cycles(graph) == [{"a", "b", "c"}]


def test_mypy_strict_actors() -> None:
    _check("mypy", "--strict", "--no-incremental", "actors")


def test_mypy_product() -> None:
    _check("mypy", "--no-incremental", "yabot", "actors")


def test_ruff() -> None:
    _check("ruff", "check", ".")
