"""The layout issue 16 asks for, checked on the source itself (no imports, milliseconds).

In ``assistant/`` and ``ui/``: no import cycle between the project's modules (counting imports
inside functions too: a cycle dodged at run time is still one), no module over 500 lines and no
function over 80.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ui")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a module imports, as Python runs them.

    ``from pkg import sub`` needs ``pkg.sub``; importing ``pkg.sub`` from outside ``pkg`` also
    runs ``pkg/__init__.py`` first, so it needs ``pkg`` too (``result_prose`` importing
    ``assistant.tools.costs`` ran the tools package, whose registry imports ``result_prose``).
    """
    named: set[str] = set()
    for node in _run_time_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = {f"{node.module}.{alias.name}" for alias in node.names} & modules.keys()
            named |= subs
            if node.module in modules and len(subs) < len(node.names):
                named.add(node.module)
        elif isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names} & modules.keys()
    deps = set(named)
    for target in named:
        parts = target.split(".")
        for i in range(1, len(parts)):
            package = ".".join(parts[:i])
            inside = name == package or name.startswith(package + ".")
            if package in modules and not inside:
                deps.add(package)
    return deps


def _run_time_nodes(tree: ast.AST):
    """Every node except those under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", None) == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    path: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for dep in sorted(graph.get(name, ())):
            if state.get(dep) == 1:
                found.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    return found


def test_the_project_modules_import_no_cycle():
    modules = _modules()
    graph = {name: _imports(name, path, modules) - {name} for name, path in modules.items()}
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_no_module_over_500_lines_and_no_function_over_80():
    too_long = []
    for path in _modules().values():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        if text.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{where}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{where}:{node.lineno} {node.name}: {lines} lines")
    assert too_long == []


def _readme_layout() -> set[str]:
    """The modules the README's layout block names, as paths (``assistant/index/store.py``).

    The block is an indented tree: a first word ending in ``/`` opens a folder under the last
    folder indented less; every ``name.py`` on a line belongs to the folder it sits in.
    """
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- layout:start -->", 1)[1].split("<!-- layout:end -->", 1)[0]
    folders: list[tuple[int, str]] = []
    named: set[str] = set()
    for line in block.strip().strip("`").splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        while folders and folders[-1][0] >= indent:
            folders.pop()
        first = line.split()[0]
        if first.endswith("/"):
            folders.append((indent, (folders[-1][1] if folders else "") + first))
            continue
        where = folders[-1][1] if folders else ""
        for word in line.replace(",", " ").split():
            if word.endswith(".py") and "/" not in word:
                named.add(where + word)
    return named


def test_readme_layout_names_every_module_and_nothing_else():
    on_disk = {
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py"
    }
    named = _readme_layout()
    assert not on_disk - named, f"modules missing from the README layout: {sorted(on_disk - named)}"
    stale = sorted(named - on_disk)
    assert not stale, f"README layout names modules that do not exist: {stale}"
