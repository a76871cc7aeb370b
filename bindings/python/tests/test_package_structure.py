"""The package's shape (issue 15): no import cycle between its modules, counting imports inside functions (they
only hide a cycle), and no module importing a private (underscore) name of a sibling."""
from __future__ import annotations

import ast
import pathlib

import scalingkit

PACKAGE = pathlib.Path(scalingkit.__file__).parent


def _imports():
    """{module: {(imported module, [names])}} for every relative import in the package, at any depth."""
    graph = {}
    for path in sorted(PACKAGE.glob("*.py")):
        module = path.stem
        edges = []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module is None:       # from . import bootstrap
                    edges += [(a.name, []) for a in node.names]
                else:
                    edges.append((node.module.split(".")[0], [a.name for a in node.names]))
        graph[module] = edges
    return graph


def test_no_private_names_imported_from_siblings():
    offenders = [f"{m} imports {n} from {target}" for m, edges in _imports().items() for target, names in edges
                 for n in names if n.startswith("_")]
    assert offenders == []


def test_no_import_cycle():
    graph = {m: {t for t, _ in edges} for m, edges in _imports().items()}
    cycles = []

    def visit(node, stack):
        for nxt in sorted(graph.get(node, ())):
            if nxt in stack:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in done:
                visit(nxt, stack + [nxt])
        done.add(node)

    done: set = set()
    for m in sorted(graph):
        if m not in done:
            visit(m, [m])
    assert cycles == [], " ; ".join(" → ".join(c) for c in cycles)


def test_the_checks_see_imports_inside_functions():
    # _plots imports planning inside a function: the graph must hold that edge, or the cycle test proves nothing.
    assert "planning" in {t for t, _ in _imports()["_plots"]}


def test_enums_come_from_the_header():
    from scalingkit import enums
    from scalingkit._ffi import lib
    assert enums.Search.START_GRID == lib.SK_SEARCH_START_GRID
    assert enums.Status.INVALID_ARGUMENT == lib.SK_ERR_INVALID_ARGUMENT
    assert enums.parse("search", "auto", enums.Search) is enums.Search.AUTOMATIC
    assert enums.parse("search", enums.Search.SINGLE, enums.Search) is enums.Search.SINGLE
    try:
        enums.parse("search", "everywhere", enums.Search)
    except scalingkit.ScalingKitError as e:
        assert "unknown search 'everywhere'" in str(e) and "start_grid" in str(e)
    else:
        raise AssertionError("an unknown name was accepted")
