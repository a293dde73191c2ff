"""An agent ticks invoices in the received list, applies one decision, and follows its progress
(static/invoices/bulk_progress.js) until the page lists what was done and what was refused.

The worker is held on one invoice (its row locked by the test) so that the page is seen mid-way,
whatever the speed of the machine."""

from __future__ import annotations

import pytest
from django.db import transaction

from invoices.bulk.models import BulkDecision
from invoices.models import Invoice
from invoices.workflow import Status
from tests.browser.conftest import axe_violations, csp_violations, screenshot
from tests.browser.helpers import log_in, ready
from tests.invoices.factories import invoice_in
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "celery_worker"),
]


def test_the_agent_ticks_invoices_decides_and_follows_the_progress(page, personas, settings):
    # The worker is held mid-batch by one invoice's row lock; SQLite locks the whole database.
    require_postgresql()
    settings.BULK_DECISION_INLINE_MAX = 0  # every batch to the worker, as a long one would go
    invoices = [invoice_in(personas, Status.MISE_A_DISPOSITION, number=f"B-{n}") for n in range(6)]
    rejected = invoice_in(personas, Status.REJETEE, number="B-REJ")
    log_in(page, personas.agent.email)
    page.goto("/factures/recues/")
    ready(page)
    page.get_by_label("Cocher toutes les factures de la page").check(force=True)
    for invoice in [*invoices, rejected]:
        assert page.locator(f"#select-{invoice.pk}").is_checked()
    page.locator(f"#select-{rejected.pk}").uncheck(force=True)
    assert page.get_by_label("Cocher toutes les factures de la page").evaluate(
        "box => box.indeterminate && !box.checked"
    )
    page.locator(f"#select-{rejected.pk}").check(force=True)
    page.select_option("#id_target", Status.COMPTABILISEE)
    assert page.locator("#id_reason").is_hidden()  # no reason for this decision
    held = invoices[1]  # the list shows the newest first: B-REJ, B-5, B-4, B-3, B-2, then B-1
    with transaction.atomic():
        # FOR NO KEY UPDATE: the items' foreign keys may still point at the row, the worker's
        # decision (FOR UPDATE) waits.
        Invoice.objects.select_for_update(no_key=True).get(pk=held.pk)
        with page.expect_navigation():
            page.get_by_role("button", name="Appliquer la décision").click()
        status = page.locator("[data-bulk-progress-status]")
        status.filter(has_text="Factures traitées : 5 sur 7").wait_for(timeout=30_000)
        assert page.locator("#bulk-progress-bar").evaluate("bar => bar.value") == 5
        screenshot(page, "agent-bulk-decision-progress")
    page.get_by_text("Décision terminée : 6 traitée(s), 1 refusée(s).").wait_for(timeout=30_000)
    assert page.get_by_role("table", name="Factures refusées : 1").get_by_text("B-REJ").is_visible()
    assert page.get_by_role("table", name="Factures traitées : 6").is_visible()
    screenshot(page, "agent-bulk-decision-result")
    assert BulkDecision.objects.get().is_done
    assert set(
        Invoice.objects.filter(number__startswith="B-").values_list("status", flat=True)
    ) == {
        Status.COMPTABILISEE,
        Status.REJETEE,
    }
    assert csp_violations(page) == []
    assert axe_violations(page) == []
