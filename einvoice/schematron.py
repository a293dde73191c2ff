"""Running the compiled schematron XSLT files with Saxon, and reading their SVRL report.

Three things learnt the hard way (docs/architecture.md, "Standards: what the code relies on"):
- the Saxon processor is created lazily in the process that uses it, never at import: one
  created before a web server forks crashes the workers;
- each stylesheet is compiled once per process (about half a second) and cloned once per
  thread (a compiled stylesheet is not thread-safe); a run then takes a few milliseconds;
- Saxon is given the XML text, never a path (paths with commas or spaces fail), and the
  stylesheets are compiled from their text, their code-list file given as a ``file:`` URI.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

SVRL = "http://purl.oclc.org/dsdl/svrl"
_CODEDB_REFERENCE = re.compile(r"document\('([A-Za-z0-9_.-]+_codedb\.xml)'\)")


@dataclass(frozen=True)
class Assertion:
    """One ``failed-assert`` or ``successful-report`` of an SVRL report."""

    rule_id: str | None
    flag: str | None
    location: str
    text: str
    test: str


class SchematronError(RuntimeError):
    """Saxon could not compile or run a stylesheet."""


class _SaxonRuntime:
    """The processor and the compiled stylesheets of one process."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor  # imported here: nothing Saxon at import time

        self.pid = os.getpid()
        self.processor = PySaxonProcessor(license=False)
        self.compiled: dict[Path, Any] = {}
        self.lock = threading.Lock()
        self.per_thread = threading.local()

    def _compile(self, path: Path) -> Any:
        text = path.read_text(encoding="utf-8")
        text = _CODEDB_REFERENCE.sub(
            lambda match: f"document('{(path.parent / match.group(1)).as_uri()}')", text
        )
        compiler = self.processor.new_xslt30_processor()
        return compiler.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")

    def executable(self, path: Path) -> Any:
        clones: dict[Path, Any] = self.per_thread.__dict__.setdefault("clones", {})
        if path not in clones:
            with self.lock:
                if path not in self.compiled:
                    self.compiled[path] = self._compile(path)
                clones[path] = self.compiled[path].clone()
        return clones[path]

    def transform(self, path: Path, xml_text: str) -> str:
        node = self.processor.parse_xml(xml_text=xml_text, encoding="UTF-8")
        svrl: str = self.executable(path).transform_to_string(xdm_node=node)
        return svrl


_runtime: _SaxonRuntime | None = None
_runtime_lock = threading.Lock()


def _forget_runtime_after_fork() -> None:
    # A child process must never touch its parent's Saxon processor, nor a lock the parent
    # may have held at the moment of the fork.
    global _runtime, _runtime_lock
    _runtime = None
    _runtime_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_runtime_after_fork)


def runtime() -> _SaxonRuntime:
    global _runtime
    with _runtime_lock:
        if _runtime is None or _runtime.pid != os.getpid():
            _runtime = _SaxonRuntime()
        return _runtime


def is_started() -> bool:
    """Whether this process has created its Saxon processor (tests check it stays lazy)."""
    return _runtime is not None and _runtime.pid == os.getpid()


def warm_up(paths: list[Path]) -> None:
    """Compile stylesheets ahead of the first request (call it after the fork, e.g. in a
    worker's ``post_fork`` hook or a Celery ``worker_process_init`` signal)."""
    saxon = runtime()
    for path in paths:
        saxon.executable(path)


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def parse_svrl(svrl: str) -> list[Assertion]:
    """The failed assertions and fired reports of an SVRL document, in document order."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(svrl.encode("utf-8"), parser=parser)
    found = []
    for element in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        found.append(
            Assertion(
                rule_id=element.get("id"),
                flag=element.get("flag"),
                location=element.get("location", ""),
                text=_clean(element.findtext(f"{{{SVRL}}}text")),
                test=element.get("test", ""),
            )
        )
    return found


def run(path: Path, xml_text: str) -> list[Assertion]:
    """Run the compiled schematron at ``path`` on an XML document given as text."""
    try:
        svrl = runtime().transform(path, xml_text)
    except Exception as exc:  # saxonche raises PySaxonApiError, not importable lazily
        raise SchematronError(f"{path.name}: {exc}") from exc
    return parse_svrl(svrl)
