"""The rooms of dashboard/ and what each may import (docs/architecture.md): no circles, and the layers hold.

The import graph is read from the source (every ``import``, also those inside functions), so a lazy import
cannot hide a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dashboard"

# Each room, and the rooms it must never import (directly): the core knows nothing of the app, the readers
# nothing of the store that calls them, the table nothing but the model.
FORBIDDEN = {
    "dashboard.model": {"*"},
    "dashboard.reading": {"*"},
    # Places by name: core, beside the model; the readers and the command ask it, it asks nothing of the package.
    "dashboard.gazetteer": {"*"},
    # An article into draft event files: the dates, the gazetteer, the store (the ids a folder holds already) and
    # the safe writer, never the app, the figures or the exports.
    "dashboard.drafting": {"dashboard.app", "dashboard.figure", "dashboard.export", "dashboard.cli"},
    "dashboard.view": {
        "dashboard.app",
        "dashboard.figure",
        "dashboard.store",
        "dashboard.readers",
        "dashboard.cli",
        "dashboard.export",
        "dashboard.table",
    },
    "dashboard.table": {
        "dashboard.readers",
        "dashboard.store",
        "dashboard.cache",
        "dashboard.app",
        "dashboard.figure",
        "dashboard.export",
        "dashboard.cli",
        "dashboard.records",
        "dashboard.dates",
    },
    "dashboard.dates": {
        "dashboard.table",
        "dashboard.readers",
        "dashboard.store",
        "dashboard.app",
        "dashboard.figure",
        "dashboard.export",
        "dashboard.cli",
    },
    "dashboard.readers": {
        "dashboard.store",
        "dashboard.cache",
        "dashboard.app",
        "dashboard.figure",
        "dashboard.export",
        "dashboard.cli",
        "dashboard.records",
        "dashboard.importer",
    },
    "dashboard.store": {"dashboard.app", "dashboard.figure", "dashboard.export", "dashboard.cli"},
    "dashboard.figure": {"dashboard.app", "dashboard.store", "dashboard.export", "dashboard.cli", "dashboard.readers"},
    "dashboard.export": {"dashboard.app", "dashboard.cli", "dashboard.readers", "dashboard.store"},
    # The data formats need neither a figure nor a browser; the format registry names them and the drawing
    # functions, which know nothing of it.
    "dashboard.export.data": {
        "dashboard.figure",
        "dashboard.export.page",
        "dashboard.export.pictures",
        "dashboard.export.browser",
        "dashboard.export.formats",
    },
    "dashboard.export.pictures": {"dashboard.export.formats", "dashboard.export.data"},
    "dashboard.export.browser": {"dashboard.export.formats", "dashboard.export.data", "dashboard.figure"},
    # The one Markdown set-up, shared by the app's cards and the HTML exports: it knows neither.
    "dashboard.markdown": {
        "dashboard.app",
        "dashboard.export",
        "dashboard.figure",
        "dashboard.cli",
        "dashboard.store",
        "dashboard.readers",
        "dashboard.table",
        "dashboard.view",
        "dashboard.records",
    },
    # An event file's history in git: core, beside the table; it knows nothing of how the events are read or shown.
    "dashboard.history": {
        "dashboard.app",
        "dashboard.figure",
        "dashboard.export",
        "dashboard.cli",
        "dashboard.store",
        "dashboard.cache",
        "dashboard.readers",
        "dashboard.records",
        "dashboard.importer",
        "dashboard.index",
        "dashboard.view",
        "dashboard.dates",
        "dashboard.markdown",
        "dashboard.cells",
        "dashboard.reading",
    },
    # The consistency checks: core, reading the events table only; they know nothing of how it is loaded or shown.
    "dashboard.consistency": {
        "dashboard.app",
        "dashboard.figure",
        "dashboard.export",
        "dashboard.cli",
        "dashboard.store",
        "dashboard.cache",
        "dashboard.readers",
        "dashboard.records",
        "dashboard.importer",
        "dashboard.index",
        "dashboard.view",
        "dashboard.markdown",
        "dashboard.history",
        "dashboard.reading",
    },
}
# The export command's options live in a module of their own beside the command: whatever may not import the
# command may not import them either, and they never import the command (nor the app) themselves.
for _banned in FORBIDDEN.values():
    if "dashboard.cli" in _banned:
        _banned.add("dashboard.cli_export")
FORBIDDEN["dashboard.cli_export"] = {"dashboard.cli", "dashboard.app"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dashboard"):
                for alias in node.names:
                    inner = f"{node.module}.{alias.name}"
                    found.add(inner if inner in modules else node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names if alias.name.startswith("dashboard"))
        graph[name] = {target for target in found if target != name and target in modules}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle a depth-first walk meets."""
    found: list[list[str]] = []
    done: set[str] = set()

    def walk(node: str, path: list[str]) -> None:
        for target in sorted(graph[node]):
            if target in path:
                found.append(path[path.index(target) :] + [target])
            elif target not in done:
                walk(target, path + [target])
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            walk(start, [start])
    return found


def in_room(module: str, room: str) -> bool:
    return module == room or module.startswith(room + ".")


def test_the_graph_sees_every_module_and_lazy_imports():
    graph = import_graph()
    assert {"dashboard.table", "dashboard.store", "dashboard.readers.yaml_events", "dashboard.app.callbacks"} <= set(
        graph
    )
    assert "dashboard.readers.yaml_events" in graph["dashboard.cache"]  # imported inside a function


def test_no_import_circles_in_the_package():
    assert cycles(import_graph()) == []


def test_a_circle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_each_room_imports_only_what_it_may():
    graph = import_graph()
    wrong = []
    for module, targets in graph.items():
        for room, forbidden in FORBIDDEN.items():
            if not in_room(module, room):
                continue
            for target in targets:
                if in_room(target, room):
                    continue
                if "*" in forbidden or any(in_room(target, banned) for banned in forbidden):
                    wrong.append(f"{module} imports {target}")
    assert wrong == []
