"""The import structure holds: the contracts of pyproject.toml ([tool.importlinter]: the standards
library on its own, the layers inside each app and between the apps) and no cycle among the
imports a module runs when it is loaded.

An import inside a function runs later, once every module is loaded: the services enqueue
their tasks so (the tasks call the services). Anything else that closes a loop fails here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "chorus",
    "accounts",
    "structures",
    "invoices",
    "support",
    "dashboards",
    "flux",
    "digests",
    "einvoice",
)


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout


def test_a_model_importing_its_service_breaks_the_contract(tmp_path):
    """The same contracts on a tiny app whose models import its services: refused."""
    app = tmp_path / "shop"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "services.py").write_text("from shop import models\n")
    (app / "models.py").write_text("from shop import services\n")
    (tmp_path / ".importlinter").write_text(
        textwrap.dedent(
            """\
            [importlinter]
            root_package = shop

            [importlinter:contract:layers]
            name = services above models
            type = layers
            containers = shop
            layers =
                (services)
                (models)
            """
        )
    )
    result = _lint_imports(tmp_path)
    assert result.returncode == 1
    assert "shop.models -> shop.services" in result.stdout


# --- cycles among the imports run at load time ----------------------------------------------------
def _load_time_lines(path: Path) -> set[int]:
    """The lines of the imports a module runs when loaded: its body, including ``if`` and
    ``try`` blocks, but neither functions nor ``if TYPE_CHECKING:``."""
    lines: set[int] = set()

    def walk(nodes: Iterable[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                lines.add(node.lineno)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.Try):
                walk([*node.body, *node.orelse, *node.finalbody])
                for handler in node.handlers:
                    walk(handler.body)

    walk(ast.parse(path.read_text()).body)
    return lines


def _module_path(module: str) -> Path:
    path = ROOT / Path(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def load_time_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    edges: dict[str, set[str]] = {}
    for importer in graph.modules:
        lines = _load_time_lines(_module_path(importer))
        for imported in graph.find_modules_directly_imported_by(importer):
            details = graph.get_import_details(importer=importer, imported=imported)
            if any(detail["line_number"] in lines for detail in details):
                edges.setdefault(importer, set()).add(imported)
    return edges


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_loop_and_only_it():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_at_load_time():
    assert cycles(load_time_graph()) == []
