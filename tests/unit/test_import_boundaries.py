"""Import boundaries, checked on the import graph grimp builds from the source. Every import
statement counts, those inside functions too: an import hidden in a function is still a dependency,
only one that fails later.

(a) Production code (callbot, stream_relay, functions, console) imports neither devtools nor tests: neither
    is deployed, so such an import would fail in production, on the first call that runs it.
(b) No import cycle among the modules of callbot, stream_relay, functions, devtools, bench and
    scripts: two modules that need each other are missing a third.
(c) No module imports a test module: what tests share lives in tests/support or tests/fakes.

What counts as a cycle: modules (each one a node, packages not merged) that import each other,
directly or through others, i.e. a strongly connected component of more than one module. Importing
`a.b.c` runs the packages `a` and `a.b` first, so it counts as importing them too. One kind of import
is left out: a module's import of its own ancestor package (`callbot.blobs.gcs` importing
`callbot.blobs`), which Python has always run before any module in it. So a package's `__init__`
that re-exports or chooses among its own modules (`callbot.blobs.open_blob_store`) makes no cycle
with them; a module outside the package that it imports, and that imports it back, does.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Iterable
from pathlib import Path

import grimp

PRODUCTION = ("callbot", "stream_relay", "functions", "console")
TOOLS = ("devtools", "bench", "scripts")
NOT_DEPLOYED = ("devtools", "tests")


@functools.cache
def source_graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PRODUCTION, *TOOLS, "tests", cache_dir=None)


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def dependency_graph(graph: grimp.ImportGraph, packages: Iterable[str]) -> grimp.ImportGraph:
    """The imports among the modules of `packages` that can close a cycle (see the module docstring)."""
    modules = {m for m in graph.modules if _top(m) in packages}
    edges = grimp.ImportGraph()
    for module in modules:
        edges.add_module(module)
    for importer in modules:
        own = set(_ancestors(importer))
        for imported in graph.find_modules_directly_imported_by(importer):
            for target in {imported, *_ancestors(imported)} & modules - own - {importer}:
                edges.add_import(importer=importer, imported=target)
    return edges


def cycles(graph: grimp.ImportGraph, packages: Iterable[str]) -> list[list[str]]:
    """The strongly connected components of more than one module, each sorted."""
    edges = dependency_graph(graph, packages)
    found: set[frozenset[str]] = set()
    for module in edges.modules:
        component = edges.find_upstream_modules(module) & edges.find_downstream_modules(module)
        if component:
            found.add(frozenset({module, *component}))
    return sorted(sorted(component) for component in found)


def _explain(graph: grimp.ImportGraph, component: list[str]) -> str:
    """Who imports whom in a cycle, with the lines of the imports."""
    lines = [" <-> ".join(component)]
    for importer in component:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & set(component)):
            where = [str(d["line_number"]) for d in graph.get_import_details(importer=importer, imported=imported)]
            lines.append(f"    {importer} imports {imported} (line {', '.join(where)})")
    return "\n".join(lines)


def test_production_code_imports_neither_devtools_nor_tests():
    graph = source_graph()
    found = [f"{d['importer']}:{d['line_number']}: {d['line_contents']}"
             for importer in sorted(m for m in graph.modules if _top(m) in PRODUCTION)
             for imported in sorted(graph.find_modules_directly_imported_by(importer))
             if _top(imported) in NOT_DEPLOYED
             for d in graph.get_import_details(importer=importer, imported=imported)]
    assert found == [], "production code imports what is not deployed:\n" + "\n".join(found)


def test_there_is_no_import_cycle():
    graph = source_graph()
    found = cycles(graph, PRODUCTION + TOOLS)
    assert found == [], "import cycles (a third module is missing):\n" + "\n".join(
        _explain(graph, component) for component in found)


def _is_test_module(module: str) -> bool:
    return _top(module) == "tests" and module.rsplit(".", 1)[-1].startswith("test_")


def test_no_module_imports_a_test_module():
    graph = source_graph()
    found = [f"{importer} imports {imported}" for imported in sorted(filter(_is_test_module, graph.modules))
             for importer in sorted(graph.find_modules_that_directly_import(imported))]
    assert found == [], "shared test helpers belong in tests/support or tests/fakes:\n" + "\n".join(found)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_the_check_sees_a_cycle_hidden_in_a_function_but_not_a_package_choosing_its_modules(tmp_path, monkeypatch):
    _write(tmp_path, {
        "probe/__init__.py": "def open_store():\n    from probe.store import local\n    return local.Store()\n",
        "probe/store/__init__.py": "",
        "probe/store/local.py": "import probe\n\nclass Store:\n    pass\n",
        "probe/relay.py": "import probe.audio\n",
        "probe/audio.py": "def build():\n    from probe import relay\n    return relay\n",
        "probe/cli.py": "import probe.relay\n",
    })
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("probe", cache_dir=None)
    assert cycles(graph, ["probe"]) == [["probe.audio", "probe.relay"]]
    assert "probe.audio imports probe.relay (line 2)" in _explain(graph, ["probe.audio", "probe.relay"])
