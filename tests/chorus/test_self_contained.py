"""Nothing in the project reads outside its own tree: a fresh clone, with no sibling folder, must
run and pass its own tests. Each test below fails on a path that climbs above the repository root.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What is not the project's own: installed packages, generated files, the browser tests' npm tree.
SKIPPED = {".git", ".venv", "var", "node_modules", "test-artifacts", "__pycache__", ".ruff_cache"}
SKIPPED |= {".mypy_cache", ".pytest_cache"}
# The reference e-invoices: data, not code (their README is checked below like any document).
DATA = ROOT / "tests" / "data"
# Files that tools run from the repository root (or from a folder of it, said below).
BUILD_FILES = ("Makefile", "Dockerfile", "docker-compose.yml", "Procfile.dev", "pyproject.toml")
PARENT_PART = re.compile(r"(^|[/\\])\.\.([/\\]|$)")
# A string that is not a path the project opens (a hostile file name a test sends) says so.
NOT_A_PATH = "# not a path"
SIBLING = "../" + "shared"  # not a path: written in two parts, so this file does not name it


def _files(suffixes: tuple[str, ...] = (), names: tuple[str, ...] = ()) -> Iterator[Path]:
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED for part in relative.parts[:-1]) or not path.is_file():
            continue
        if path.is_relative_to(DATA) and path.suffix != ".md":
            continue
        if path.suffix in suffixes or path.name in names:
            yield path


def _python_files() -> list[Path]:
    return sorted(_files(suffixes=(".py",)))


def _depth(path: Path) -> int:
    """How many folders lie between the repository root and the file (0: at the root)."""
    return len(path.relative_to(ROOT).parts) - 1


def _is_file_dunder(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "__file__"


def _climbs_from_file(node: ast.AST) -> int | None:
    """How many levels above the file's folder an expression built on ``__file__`` goes:
    ``Path(__file__).resolve().parents[k]`` → k, ``dirname(dirname(__file__))`` → 1."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "parents"
        and isinstance(node.slice, ast.Constant)
        and any(_is_file_dunder(n) for n in ast.walk(node.value))
    ):
        return int(node.slice.value)
    if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == (
        "dirname"
    ):
        inner = node.args[0] if node.args else None
        if inner is not None and _is_file_dunder(inner):
            return 0
        below = _climbs_from_file(inner) if inner is not None else None
        return None if below is None else below + 1
    return None


def _offences(source: str, path: Path) -> list[str]:
    """Where ``source`` (the text of ``path``) names a path above the repository root."""
    lines = source.splitlines()
    name = path.relative_to(ROOT).as_posix()
    offences = []
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if NOT_A_PATH in lines[node.lineno - 1]:
                continue
            # A path part ".." in a string that is a path (not prose): nothing to do in the code.
            if SIBLING in value or (PARENT_PART.search(value) and " " not in value.strip()):
                offences.append(f"{name}:{node.lineno}: {value!r}")
        climbed = _climbs_from_file(node)
        if climbed is not None and climbed > _depth(path):
            offences.append(
                f"{name}:{getattr(node, 'lineno', 0)}: climbs {climbed} levels from a file "
                f"{_depth(path)} below the root"
            )
    return offences


def test_the_walk_sees_the_project_files():
    names = {path.relative_to(ROOT).as_posix() for path in _python_files()}
    assert {"manage.py", "chorus/settings.py", "tests/chorus/test_self_contained.py"} <= names


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_python_file_keeps_its_paths_inside_the_repository(path):
    assert _offences(path.read_text(encoding="utf-8"), path) == []


def test_build_and_ci_files_keep_their_paths_inside_the_repository():
    offences = []
    for path in [*_files(names=BUILD_FILES), *sorted((ROOT / ".ci").glob("*"))]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # .ci/run starts with `cd "$(dirname "$0")/.."`: from .ci/ up to the root, no further.
            line = line.replace('"$(dirname "$0")/.."', "")
            if PARENT_PART.search(line) or SIBLING in line:
                offences.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offences == []


# The team's own notes, which the repository does not hold: its documents are docs/ and README.
TEAM_NOTES = ("DESIGN" + ".md", "DOMAIN" + ".md", "STYLE" + ".md")  # not a path


def test_no_file_cites_a_document_the_repository_does_not_have():
    files = _files(suffixes=(".py", ".md", ".txt", ".html", ".toml", ".yml", ".cfg", ".in", ".sh"))
    offences = [
        f"{path.relative_to(ROOT).as_posix()}: {name}"
        for path in files
        for name in TEAM_NOTES
        if name in path.read_text(encoding="utf-8", errors="replace") and not (ROOT / name).exists()
    ]
    assert offences == []


def test_no_document_points_at_a_sibling_folder():
    documents = _files(suffixes=(".md", ".txt", ".html", ".toml", ".yml", ".cfg", ".in"))
    offences = [
        path.relative_to(ROOT).as_posix()
        for path in documents
        if SIBLING in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert offences == []


@pytest.mark.parametrize(
    "source",
    [
        'Path(__file__).resolve().parents[3] / "data"',
        "os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))",
        'Path(__file__).parent / ".." / ".." / ".." / "elsewhere"',
        'open("../notes.txt")',
    ],
)
def test_a_path_above_the_root_is_caught(source):
    """The check itself can fail: each of these, in a file two folders deep, climbs out."""
    probe = ROOT / "tests" / "chorus" / "probe.py"
    assert _offences(f"import os\nfrom pathlib import Path\nX = {source}\n", probe)


def test_a_path_up_to_the_root_is_fine():
    probe = ROOT / "tests" / "chorus" / "probe.py"
    source = 'from pathlib import Path\nX = Path(__file__).resolve().parents[2] / "var"\n'
    assert _offences(source, probe) == []


def test_the_reference_files_live_in_the_repository():
    from tests.einvoice.samples import STANDARDS_DIR

    assert STANDARDS_DIR.resolve().is_relative_to(ROOT)
    assert (STANDARDS_DIR / "README.md").is_file()
    assert (STANDARDS_DIR / "cen-LICENSE.txt").is_file()
    assert (STANDARDS_DIR / "zugferd-corpus-LICENSE.txt").is_file()
