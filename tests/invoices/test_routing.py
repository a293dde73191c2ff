"""The routing checks, as pure functions: where a deposited invoice goes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from invoices import routing
from invoices.routing import EngagementFacts, RoutingFacts, ServiceFacts, decide
from invoices.workflow import Status

TODAY = date(2026, 3, 15)
SUPPLIER = "12345678200010"
ACTIVE_SERVICE = ServiceFacts(
    belongs_to_recipient=True,
    is_active=True,
    valid_from=None,
    valid_until=None,
    engagement_required=False,
)
GOOD = RoutingFacts(
    today=TODAY,
    recipient_is_public=True,
    recipient_is_active=True,
    service_code_required=True,
    engagement_required=False,
    engagement_or_service_required=False,
    keeps_engagement_register=False,
    service_code="FACTURES_PUBLIQUES",
    service=ACTIVE_SERVICE,
    engagement_number="",
    engagement=None,
    supplier_siret=SUPPLIER,
)


def test_an_invoice_that_passes_every_check_is_made_available():
    assert decide(GOOD) == routing.RoutingDecision(Status.MISE_A_DISPOSITION)


@pytest.mark.parametrize(
    "change",
    [
        {"recipient_is_active": False},
        {"recipient_is_public": False},
    ],
)
def test_an_inactive_or_private_recipient_sends_the_invoice_back(change):
    decision = decide(replace(GOOD, **change))
    assert (decision.status, decision.reason_code) == (Status.A_RECYCLER, "DESTINATAIRE_ERRONE")


@pytest.mark.parametrize(
    "change",
    [
        {"service": None},
        {"service": replace(ACTIVE_SERVICE, is_active=False)},
        {"service": replace(ACTIVE_SERVICE, belongs_to_recipient=False)},
        {"service": replace(ACTIVE_SERVICE, valid_until=date(2026, 3, 14))},
        {"service": replace(ACTIVE_SERVICE, valid_from=date(2026, 3, 16))},
        {"service_code": "", "service": None},
    ],
    ids=["unknown", "inactive", "other-recipient", "expired", "not-yet-valid", "missing"],
)
def test_a_wrong_service_sends_the_invoice_back_with_the_se_ej_reason(change):
    decision = decide(replace(GOOD, **change))
    assert (decision.status, decision.reason_code) == (Status.A_RECYCLER, "SE_EJ_INCORRECT")


def test_a_service_valid_today_passes():
    service = replace(ACTIVE_SERVICE, valid_from=TODAY, valid_until=TODAY)
    assert decide(replace(GOOD, service=service)).status == Status.MISE_A_DISPOSITION


@pytest.mark.parametrize(
    "change",
    [
        {"engagement_required": True},
        {"service": replace(ACTIVE_SERVICE, engagement_required=True)},
        {"engagement_or_service_required": True, "service_code": "", "service": None,
         "service_code_required": False},
    ],
    ids=["recipient", "service", "either"],
)  # fmt: skip
def test_a_missing_engagement_where_required_sends_the_invoice_back(change):
    decision = decide(replace(GOOD, **change))
    assert (decision.status, decision.reason_code) == (Status.A_RECYCLER, "SE_EJ_INCORRECT")


def test_without_a_register_any_engagement_number_passes():
    assert decide(replace(GOOD, engagement_number="EJ-1")).status == Status.MISE_A_DISPOSITION


def test_an_engagement_of_the_register_belonging_to_the_supplier_passes():
    facts = replace(
        GOOD,
        keeps_engagement_register=True,
        engagement_number="EJ-1",
        engagement=EngagementFacts(is_open=True, supplier_siret=SUPPLIER),
    )
    assert decide(facts).status == Status.MISE_A_DISPOSITION


@pytest.mark.parametrize(
    "engagement",
    [None, EngagementFacts(is_open=False, supplier_siret=SUPPLIER)],
    ids=["unknown", "closed"],
)
def test_an_unknown_or_closed_engagement_sends_the_invoice_back(engagement):
    facts = replace(
        GOOD, keeps_engagement_register=True, engagement_number="EJ-1", engagement=engagement
    )
    decision = decide(facts)
    assert (decision.status, decision.reason_code) == (Status.A_RECYCLER, "SE_EJ_INCORRECT")


def test_an_engagement_of_another_creditor_rejects_the_invoice():
    facts = replace(
        GOOD,
        keeps_engagement_register=True,
        engagement_number="EJ-1",
        engagement=EngagementFacts(is_open=True, supplier_siret="99999999999999"),
    )
    decision = decide(facts)
    assert (decision.status, decision.reason_code) == (Status.REJETEE, "CREANCIER_INCONNU")
