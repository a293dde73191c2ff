"""The Saxon runtime: lazy in each process, compiled once, safe across forks and threads."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from einvoice import schematron
from einvoice.facturx import build_cii
from einvoice.validation import validate_file

from .samples import CII_NS, SUMMATION, invoice, mutate_xml, plus, set_text

ROOT = Path(__file__).resolve().parents[2]


def _broken_invoice() -> bytes:
    return mutate_xml(
        build_cii(invoice()), CII_NS, set_text(f"{SUMMATION}/ram:GrandTotalAmount", plus("0.01"))
    )


def test_importing_the_standards_library_starts_no_saxon_processor():
    code = (
        "import sys;"
        "import einvoice.validation, einvoice.facturx, einvoice.parse;"
        "from einvoice import schematron;"
        "sys.exit(3 if schematron.is_started() or 'saxonche' in sys.modules else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=120)
    assert result.returncode == 0


def test_each_stylesheet_is_compiled_once_per_process():
    validate_file(build_cii(invoice()), "a.xml")
    compiled = dict(schematron.runtime().compiled)
    validate_file(_broken_invoice(), "b.xml")
    assert schematron.runtime().compiled == compiled
    assert all(path.suffix in (".xsl", ".xslt") for path in compiled)


def _validate_in_child(queue: multiprocessing.Queue) -> None:
    report = validate_file(_broken_invoice(), "facture.xml")
    queue.put((schematron.runtime().pid == os.getpid(), sorted(report.rule_ids())))


@pytest.mark.skipif(sys.platform != "linux", reason="fork is how gunicorn and Celery start workers")
def test_a_process_forked_after_validating_gets_its_own_processor():
    # Trap 2: a Saxon processor created before a fork crashes the forked workers.
    validate_file(build_cii(invoice()), "parent.xml")
    assert schematron.is_started()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_validate_in_child, args=(queue,))
    child.start()
    child.join(120)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == (True, ["BR-CO-15", "BR-CO-16"])


def test_threads_validate_side_by_side():
    broken = _broken_invoice()
    results: list[set[str]] = []

    def work() -> None:
        for _ in range(3):
            results.append(validate_file(broken, "facture.xml").rule_ids())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert results == [{"BR-CO-15", "BR-CO-16"}] * 12


def test_svrl_is_read_into_assertions_with_their_flags():
    svrl = (
        '<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">'
        '<svrl:failed-assert id="BR-07" location="/a" test="x"><svrl:text>\n  [BR-07]-Buyer'
        "   name</svrl:text></svrl:failed-assert>"
        '<svrl:successful-report location="/b" test="true()" flag="warning">'
        "<svrl:text>Element variant is marked as not used</svrl:text></svrl:successful-report>"
        "</svrl:schematron-output>"
    )
    first, second = schematron.parse_svrl(svrl)
    assert (first.rule_id, first.flag, first.text) == ("BR-07", None, "[BR-07]-Buyer name")
    assert (second.rule_id, second.flag, second.location) == (None, "warning", "/b")


def test_warming_up_compiles_the_common_stylesheets_in_this_process():
    from einvoice.profiles import COMMON_STYLESHEETS
    from einvoice.validation import warm_up

    warm_up()
    assert schematron.is_started()
    assert set(COMMON_STYLESHEETS) <= set(schematron.runtime().compiled)
