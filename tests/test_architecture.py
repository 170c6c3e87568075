"""The architecture as tests: import-linter's layer contracts, no import cycles, small modules.

The contracts themselves live in pyproject.toml ([tool.importlinter]); the README section "How the code is laid
out" draws the same layers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters", "intents", "records", "indicators", "knowledge", "storage", "markup")
MAX_MODULE_LINES = 400
MAX_BOT_LINES = 1000


def lint_imports() -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is not installed (pip install -e '.[test]')"
    return subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_linter_contracts_are_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_every_package_is_in_a_layer():
    """A new top-level package must be given a place in the layers contract, or the contract checks nothing."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert set(config["root_packages"]) == set(PACKAGES)
    layered = " ".join(next(c for c in config["contracts"] if c["id"] == "layers")["layers"])
    for pkg in PACKAGES:
        assert pkg in layered, f"{pkg} is in no layer"
    shipped = {p.rstrip("*") for p in tomllib.loads((ROOT / "pyproject.toml").read_text())
               ["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert shipped == set(PACKAGES), f"packages not covered by the contracts: {shipped ^ set(PACKAGES)}"


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the groups of modules that import each other in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        group.append(m)
                        if m == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
    return groups


def test_strongly_connected_finds_a_planted_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)
    edges = {m: {d for d in graph.find_modules_directly_imported_by(m) if d.split(".")[0] in PACKAGES}
             for m in graph.modules if m.split(".")[0] in PACKAGES}
    # a package's __init__ importing its own submodules is not a cycle between modules
    for m, deps in edges.items():
        deps -= {p for p in list(deps) if m.startswith(p + ".")}
    assert strongly_connected(edges) == []


def product_modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", product_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"


def test_bot_runtime_stays_small():
    """The runtime (router, scheduler, settings, reply model…), not the command line in bot/cli, which is a thin
    click layer over the library and grows with its commands."""
    runtime = [p for p in (ROOT / "bot").rglob("*.py") if "cli" not in p.relative_to(ROOT / "bot").parts]
    total = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in runtime)
    assert total < MAX_BOT_LINES, f"bot/ has {total} lines outside bot/cli: domain code belongs in a domain package"
