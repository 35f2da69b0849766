"""The layout keeps showing the design: no import cycles, small folders, modules split by job.

Every import counts, also those inside functions: a lazy import that hides a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cleaning", "crawlers", "db", "fixtures", "flows", "jobs", "zhcorpus")
MAX_MODULES_PER_FOLDER = 12
MAX_MODULE_LINES = 700
# Lower layers never import higher ones: the CLI reaches the flows only through zhcorpus/commands/corpus.py.
FORBIDDEN = {
    "cleaning": ("crawlers", "db", "flows", "jobs", "zhcorpus", "fixtures"),
    "db": ("cleaning", "crawlers", "flows", "jobs", "zhcorpus", "fixtures"),
    "jobs": ("flows", "zhcorpus"),
    "flows": ("zhcorpus",),
    "crawlers": ("cleaning", "flows", "jobs", "zhcorpus"),
}
FLOW_ENTRY_POINTS = {"zhcorpus.commands.corpus"}


def module_files() -> dict[str, Path]:
    """Return {dotted module name: path} of every project module (packages as their __init__)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """Return the project modules that the module at path imports anywhere in its body."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports pkg.mod when that is a module, else a name from pkg
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    """Return {module: project modules it imports}."""
    files = module_files()
    return {name: imports_of(path, name, set(files)) for name, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle as a list of modules (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def _without_package_inits(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A package __init__ is imported by all its modules implicitly; edges to it carry no dependency.
    return {m: {t for t in ts if not any(o.startswith(t + ".") for o in graph)} for m, ts in graph.items()}


def test_no_import_cycles_between_modules():
    cycle = find_cycle(_without_package_inits(import_graph()))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_no_import_cycles_between_top_level_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in import_graph().items():
        for target in targets:
            a, b = module.split(".")[0], target.split(".")[0]
            if a != b:
                graph[a].add(b)
    cycle = find_cycle(dict(graph))
    assert cycle is None, "package cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(package):
    bad = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if module.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in FORBIDDEN[package]
    )
    assert not bad, bad


def test_cli_reaches_flows_through_one_entry_point():
    callers = {
        m for m, ts in import_graph().items() if m.startswith("zhcorpus") and any(t.startswith("flows") for t in ts)
    }
    assert callers <= FLOW_ENTRY_POINTS, callers


def test_folders_hold_about_a_dozen_modules():
    counts: dict[Path, int] = defaultdict(int)
    for path in module_files().values():
        if path.name != "__init__.py":
            counts[path.parent] += 1
    crowded = {str(p.relative_to(ROOT)): n for p, n in counts.items() if n > MAX_MODULES_PER_FOLDER}
    assert not crowded, crowded


def test_modules_stay_short():
    long = {
        str(p.relative_to(ROOT)): n
        for p in module_files().values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, long


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
