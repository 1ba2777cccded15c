"""The house rule of dbharness: each layer imports only from the layers below it, and no module
reaches itself through its imports. Every import counts, also those inside functions and under
TYPE_CHECKING. README (Layout) draws the same picture."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "dbharness"

# Bottom first. A module's layer is its subpackage, or its own name for a top-level module.
LAYERS: list[tuple[str, ...]] = [
    ("__init__", "errors", "lazy", "paths", "progress", "steps", "words"),
    ("pg",),  # the driver, imported on first use
    ("project_files",),
    ("config_values",),  # each settings table read and checked
    ("config",),
    ("sql",),  # SQL text: statements, psql scripts, migration files
    ("hosted", "environments"),  # the platform reproduced; where the environments are
    ("engines",),  # throwaway servers
    ("suite",),  # pgTAP files, running them, their TAP
    ("builder",),  # building a database: apply, history, the one build path
    ("catalog",),  # snapshots and facts of the catalog
    ("lint", "coverage", "rollback_check", "compare"),
    ("testrun",),
    ("deploy", "watch"),
    ("benchmarks", "tools"),
    ("api",),  # the public API: one function per verb, used by every edge
    ("testing",),  # an application's tests on fresh databases: clones of a template, role helpers
    ("reports",),  # console lines and JUnit, made from results at the edge
    ("edge",),  # each verb declared once: arguments, one API call, reports, exit code
    ("tasks", "cli", "pytest_plugin"),  # the invoke tasks, the command, the pytest plugin
    ("__main__",),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def imports(path: Path, known: set[str]) -> set[str]:
    """The dbharness modules path imports (a `from pkg import name` of a module counts as it)."""
    found = set()
    here = module_name(path)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("dbharness")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("dbharness"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known and m != here}


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(path, set(found)) for name, path in found.items()}


def test_every_module_has_a_layer():
    assert sorted({layer(m) for m in modules()} - set(RANK)) == []


def test_no_import_goes_up_or_across_layers():
    wrong = []
    for source, targets in graph().items():
        for target in targets:
            a, b = layer(source), layer(target)
            if a != b and RANK[b] >= RANK[a]:
                wrong.append(f"{source} ({a}) imports {target} ({b})")
    assert wrong == []


def test_no_module_imports_itself_round_a_circle():
    edges = graph()
    state: dict[str, int] = {}
    circles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append(" -> ".join([*trail[trail.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert circles == []


def test_only_the_edge_writes_junit_and_prints():
    below_edge = [m for m in modules() if RANK[layer(m)] < RANK["reports"]]
    edges = graph()
    assert [m for m in below_edge if "dbharness.reports.junit" in edges[m]] == []
    assert [m for m in below_edge if "dbharness.reports.console" in edges[m]] == []


@pytest.mark.parametrize("name", ["platform", "inspect", "select", "concurrent", "types", "logging", "string",
                                  "json", "queue", "signal", "secrets", "random", "io", "code", "test"])
def test_no_module_shadows_the_standard_library(name):
    assert not [m for m in modules() if m.rsplit(".", 1)[-1] == name]


def test_no_project_name_inside_the_package():
    hits = [f"{p.relative_to(PACKAGE.parent)}:{n}" for p in PACKAGE.rglob("*") if p.is_file()
            and p.suffix in (".py", ".sql", ".control")
            for n, line in enumerate(p.read_text().splitlines(), 1) if "mt5" in line.lower()]
    assert hits == []
