"""The package's layout (design.md section 2, issue 11 item 6), read from the source with ``ast``.

* no import cycles among lms_prognosis modules: every import counts, at module level or inside
  a function (a function-local import does not dodge a cycle), except those under
  ``if TYPE_CHECKING:`` (never run). Importing ``a.b.c`` from outside package ``a.b`` also
  runs ``a/b/__init__.py``, so that edge is in the graph too;
* no private name (a ``_x`` module or a ``_x`` object) imported from another subpackage; the
  root-level private modules (``lms_prognosis/_x.py``) are shared by every subpackage;
* every module under 600 lines;
* functions over 80 lines are reported (``python tests/test_layout.py``), not yet asserted.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "lms_prognosis"
ROOT = Path(__file__).resolve().parents[1] / PACKAGE
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


@dataclass(frozen=True)
class Imported:
    """One import statement's target as seen from ``module``."""

    module: str  # the importing module
    target: str  # the module imported (resolved; a name inside a module -> that module)
    names: tuple[str, ...]  # names taken from ``target`` (empty for ``import x``)
    line: int
    local: bool  # inside a function
    type_only: bool  # under ``if TYPE_CHECKING:``


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


MODULES = modules()


def is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def subpackage(name: str) -> str:
    """``cox`` for lms_prognosis.cox.fit; '' for root-level modules (cli, _survdata, ...)."""
    parts = name.split(".")
    if len(parts) >= 2 and is_package(f"{PACKAGE}.{parts[1]}"):
        return parts[1]
    return ""


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package(module):
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(module: str) -> list[Imported]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[Imported] = []

    def visit(node: ast.AST, local: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            c_local = local or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), local, True)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), local, type_only)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        found.append(
                            Imported(module, alias.name, (), child.lineno, local, type_only)
                        )
            elif isinstance(child, ast.ImportFrom):
                target = _resolve(module, child)
                if target.split(".")[0] != PACKAGE:
                    continue
                plain = []
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    if sub in MODULES:  # ``from pkg import submodule``
                        found.append(Imported(module, sub, (), child.lineno, local, type_only))
                    else:
                        plain.append(alias.name)
                if plain or not child.names:
                    found.append(
                        Imported(module, target, tuple(plain), child.lineno, local, type_only)
                    )
            visit(child, c_local, type_only)

    visit(tree, False, False)
    return found


ALL_IMPORTS = [imp for m in MODULES for imp in imports_of(m)]


def _containing_packages(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def import_graph() -> dict[str, set[str]]:
    """Run-time edges: module -> modules whose code runs when it imports them."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in ALL_IMPORTS:
        if imp.type_only or imp.target not in MODULES:
            continue
        graph[imp.module].add(imp.target)
        for pkg in _containing_packages(imp.target):  # the package __init__s that run first
            if pkg in MODULES and not imp.module.startswith(pkg + ".") and pkg != imp.module:
                graph[imp.module].add(pkg)
    for m in graph:
        graph[m].discard(m)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_crossings(imports: list[Imported] | None = None) -> list[str]:
    """Imports of a ``_x`` module or ``_x`` object from another subpackage."""
    bad = []
    for imp in ALL_IMPORTS if imports is None else imports:
        here, there = subpackage(imp.module), subpackage(imp.target)
        if here == there:
            continue
        parts = imp.target.split(".")[1:]
        root_private_module = len(parts) == 1 and not is_package(imp.target)
        private_module = any(_is_private(p) for p in parts) and not root_private_module
        private_names = [n for n in imp.names if _is_private(n)]
        if private_module or private_names:
            what = imp.target + (f": {', '.join(private_names)}" if private_names else "")
            bad.append(f"{imp.module}:{imp.line} imports {what}")
    return bad


def _code_lines(node: ast.AST, source: list[str]) -> int:
    """Lines of a function without its docstring, blank lines and comment-only lines."""
    body = getattr(node, "body", [])
    skip: set[int] = set()
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        skip = set(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    end = node.end_lineno or node.lineno
    return sum(
        1
        for i in range(start, end + 1)
        if i not in skip and source[i - 1].strip() and not source[i - 1].strip().startswith("#")
    )


def long_functions(limit: int = MAX_FUNCTION_LINES) -> list[tuple[int, int, str]]:
    """(code lines, total lines, where) of every function longer than ``limit`` code lines."""
    out = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        source = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                code = _code_lines(node, source)
                if code > limit:
                    total = (node.end_lineno or node.lineno) - node.lineno + 1
                    out.append((code, total, f"{name}.{node.name} (line {node.lineno})"))
    return sorted(out, reverse=True)


# ---------------------------------------------------------------- tests
def test_the_graph_is_read() -> None:
    assert len(MODULES) > 30
    graph = import_graph()
    targets = set().union(*graph.values())
    assert {"lms_prognosis.exceptions", "lms_prognosis._survdata"} <= targets
    # importing a.b.c from outside a.b runs a/b/__init__.py: such edges are in the graph
    assert any(is_package(t) and not m.startswith(t + ".") for m in graph for t in graph[m])
    assert subpackage("lms_prognosis.cox.fit") == subpackage("lms_prognosis.cox") == "cox"
    assert subpackage("lms_prognosis._survdata") == subpackage("lms_prognosis.cli") == ""
    # the detector finds a cycle when there is one, and a function-local import is an edge
    toy = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(toy) == [["a", "b", "c"]]


def test_the_private_rule_is_read() -> None:
    def imp(module: str, target: str, *names: str) -> Imported:
        return Imported(module, target, names, 1, False, False)

    fine = [
        imp("lms_prognosis.cox.fit", "lms_prognosis._survdata", "survival_data"),
        imp("lms_prognosis.cox.fit", "lms_prognosis.cox._cholesky", "cholesky2"),
        imp("lms_prognosis.cox.fit", "lms_prognosis.evaluate", "concordance"),
        imp("lms_prognosis.cli", "lms_prognosis._version", "__version__"),
    ]
    assert private_crossings(fine) == []
    wrong = [
        imp("lms_prognosis.report.build", "lms_prognosis.cox._cholesky", "cholesky2"),
        imp("lms_prognosis.report.build", "lms_prognosis.cox.fit", "_helper"),
        imp("lms_prognosis.cli", "lms_prognosis.cohort._io", "read"),
        imp("lms_prognosis.cox.fit", "lms_prognosis._survdata", "_rows_text"),
    ]
    assert len(private_crossings(wrong)) == 4


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    detail = []
    for comp in found:
        members = set(comp)
        edges = [
            f"  {imp.module}:{imp.line} -> {imp.target}"
            + (" (inside a function)" if imp.local else "")
            for imp in ALL_IMPORTS
            if imp.module in members
            and not imp.type_only
            and ({imp.target} | set(_containing_packages(imp.target))) & members
        ]
        detail.append(" <-> ".join(comp) + "\n" + "\n".join(sorted(set(edges))))
    assert not found, "import cycles:\n" + "\n".join(detail)


def test_no_private_name_crosses_a_subpackage() -> None:
    bad = private_crossings()
    assert not bad, f"{len(bad)} private imports across subpackages:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_under_600_lines(name: str) -> None:
    n = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert n < MAX_MODULE_LINES, f"{name} has {n} lines"


def test_long_functions_are_measured() -> None:
    """Reported, not asserted yet: run ``python tests/test_layout.py`` for the list."""
    src = "def f():\n    '''doc\n    more'''\n    # c\n\n    a = 1\n    return a\n"
    node = ast.parse(src).body[0]
    assert _code_lines(node, src.splitlines()) == 3
    for code, total, where in long_functions():
        assert code > MAX_FUNCTION_LINES and total >= code, where


def broad_excepts() -> list[str]:
    """``except:``, ``except Exception`` and ``except BaseException`` handlers (reported)."""
    out = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ExceptHandler):
                continue
            kinds = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            if any(
                k is None or (isinstance(k, ast.Name) and k.id in ("Exception", "BaseException"))
                for k in kinds
            ):
                reraises = any(isinstance(n, ast.Raise) for n in ast.walk(node))
                out.append(f"{name}:{node.lineno}" + (" (re-raises)" if reraises else ""))
    return out


def report() -> str:
    graph = import_graph()
    local = [i for i in ALL_IMPORTS if i.local]
    lines = [
        f"{len(MODULES)} modules, {sum(len(v) for v in graph.values())} run-time import "
        f"edges, cycles: {cycles(graph) or 'none'}",
        f"function-local imports of the package: {len(local)}",
    ]
    lines += [f"  {i.module}:{i.line} -> {i.target}" for i in local]
    bad = private_crossings()
    lines.append(f"private names across subpackages: {len(bad)}")
    lines += [f"  {b}" for b in bad]
    sizes = sorted(
        ((len(p.read_text(encoding="utf-8").splitlines()), m) for m, p in MODULES.items()),
        reverse=True,
    )
    lines.append(
        f"modules >= {MAX_MODULE_LINES} lines: "
        f"{[f'{m} ({n})' for n, m in sizes if n >= MAX_MODULE_LINES] or 'none'}; "
        f"longest {sizes[0][1]} ({sizes[0][0]})"
    )
    longs = long_functions()
    top = long_functions(0)[:3]
    lines.append("longest functions: " + "; ".join(f"{w} {c} code lines" for c, _, w in top))
    lines.append(f"functions over {MAX_FUNCTION_LINES} code lines: {len(longs)}")
    lines += [f"  {code:4d} code / {total:4d} total  {where}" for code, total, where in longs]
    broad = broad_excepts()
    lines.append(f"broad except handlers: {len(broad)}")
    lines += [f"  {b}" for b in broad]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report())
