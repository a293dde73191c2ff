"""What the routing worker writes in an invoice's history reads in the reader's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from invoices.models import StatusChange
from invoices.routing import CHECKS
from invoices.templatetags.invoice_tags import comment
from invoices.workflow import Status
from tests.invoices.factories import invoice_in

pytestmark = pytest.mark.django_db


def test_a_routing_comment_is_shown_in_english_to_an_english_reader(personas):
    invoice = invoice_in(personas, Status.A_RECYCLER)
    change = StatusChange.objects.create(
        invoice=invoice,
        from_status=Status.EN_COURS_ACHEMINEMENT,
        to_status=Status.A_RECYCLER,
        actor_system="routage",
        comment="Le code service est inconnu ou inactif.",
    )
    with translation.override("en"):
        assert comment(change) == "The service code is unknown or inactive."
    with translation.override("fr"):
        assert comment(change) == "Le code service est inconnu ou inactif."


def test_a_persons_comment_is_shown_as_written(personas):
    invoice = invoice_in(personas, Status.REJETEE)
    change = StatusChange.objects.create(
        invoice=invoice,
        from_status=Status.MISE_A_DISPOSITION,
        to_status=Status.REJETEE,
        actor=personas.agent,
        comment="Le code service est inconnu ou inactif.",
    )
    with translation.override("en"):
        assert comment(change) == "Le code service est inconnu ou inactif."


def test_every_routing_comment_has_an_english_translation():
    import inspect
    import re

    from invoices import routing

    sentences = re.findall(r'gettext_noop\(\s*"([^"]+)"', inspect.getsource(routing))
    assert len(sentences) >= len(CHECKS)
    with translation.override("en"):
        untranslated = [s for s in sentences if translation.gettext(s) == s]
    assert untranslated == []
