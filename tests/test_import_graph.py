"""The import graph of the apps, read from the source: every import, at module level or inside a
function (moving an import into a function hides a cycle from Python's loader, not from the
reader).

A cycle, between apps or between modules, means neither side can be read, tested or moved
without the other: there is none, and the apps stand in layers, each importing only the ones
below it (README, "How the apps depend on each other").
"""

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("accounts", "audits", "certification", "footprint", "labels", "oversight", "pact")
# The project package: its URLs and Celery app import every app, and the apps use its plumbing
# (problem answers, fields, the cipher), so it is no app in the graph of apps; the imports
# between its own modules are checked like an app's.
PACKAGES = (*APPS, "config")

# From the bottom; an app may import the apps before it, never one after it.
LAYERS = ("accounts", "footprint", "audits", "certification", "labels", "oversight", "pact")


def module_files() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at module level, inside a function or behind TYPE_CHECKING: each
    still ties the two modules together for whoever reads or type-checks one of them."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        else:
            yield from _imports(node)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from x import y` names module x.y if there is one, else something in x.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iteratively: the components of more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return components


def module_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def app_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    apps: dict[str, set[str]] = {app: set() for app in APPS}
    for name, targets in modules.items():
        app = name.split(".")[0]
        if app in apps:
            apps[app] |= {target.split(".")[0] for target in targets} & set(APPS) - {app}
    return apps


def test_the_strongly_connected_components_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]


def test_no_import_cycle_between_apps() -> None:
    assert strongly_connected(app_graph(module_graph())) == []


def test_each_app_imports_only_the_apps_below_it() -> None:
    assert set(LAYERS) == set(APPS)
    upward = [
        f"{name} imports {target}"
        for name, targets in module_graph().items()
        if name.split(".")[0] in LAYERS
        for target in targets
        if target.split(".")[0] in LAYERS
        and LAYERS.index(target.split(".")[0]) > LAYERS.index(name.split(".")[0])
    ]
    assert upward == []


def test_no_import_cycle_between_modules() -> None:
    modules = module_graph()
    within_apps = {
        name: {t for t in targets if t.split(".")[0] == name.split(".")[0]}
        for name, targets in modules.items()
    }
    assert strongly_connected(within_apps) == []
