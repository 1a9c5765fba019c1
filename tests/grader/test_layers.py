"""The grader's modules import one way: no circle, and the low layers stay low."""

from __future__ import annotations

import ast
from pathlib import Path

import d2lgrade

PACKAGE = Path(d2lgrade.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports, lazy imports too."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}

    def known(name: str) -> str:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name

    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                targets.add(".".join(base + ([node.module] if node.module else [])))
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("d2lgrade"):
                targets.add(str(node.module))
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("d2lgrade")}
        graph[name] = {known(t) for t in targets} - {name}
    return graph


def test_no_module_of_the_grader_imports_itself_back_through_others():
    graph = imports()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        assert name not in path, "import circle: " + " -> ".join([*path, name])
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_the_low_layers_import_nothing_above_them():
    graph = imports()
    assert graph["d2lgrade.protocol"] == set()
    assert graph["d2lgrade.notebook"] == set()
    for name, targets in graph.items():
        if name.startswith("d2lgrade.inside"):
            assert {t for t in targets if not t.startswith("d2lgrade.inside")} <= {
                "d2lgrade.protocol"
            }, name
    for plain_data in ("d2lgrade.results", "d2lgrade.scoring", "d2lgrade.cache", "d2lgrade.quiz"):
        assert not {t for t in graph[plain_data] if "sandbox" in t or "execution" in t}, plain_data


MAX_FUNCTION_LINES = 60


def test_no_function_of_the_grader_is_longer_than_a_screen():
    """A function over 60 lines (from its def to its last line, docstring included) does
    several things; split it where its steps are."""
    long = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({lines} lines)"
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (lines := node.end_lineno - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert not long, long
