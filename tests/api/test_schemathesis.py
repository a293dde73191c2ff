"""schemathesis over the whole OpenAPI schema: every operation, with requests generated from the
schema (valid and invalid), sent through the portal's WSGI application with a supplier's and an
agent's tokens. No answer may be a server error, and every answer must be one the schema
documents — its status, its content type and its body.

Ids in paths are mapped onto real invoices most of the time (otherwise every call would be a
404): the invoices of the supplier and of the agent, in several statuses.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chorus.wsgi import application
from invoices import services
from invoices.workflow import Status
from tests.api.conftest import token_for
from tests.api.schema import openapi
from tests.invoices.factories import deposited, draft, invoice_in

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_dict(json.loads(json.dumps(openapi())))
schema.app = application

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process_requests():  # type: ignore[no-untyped-def]
    """The WSGI handler closes "old" database connections around each request, as a server
    must; inside a test's transaction that would close the test's own (Django's test client
    does the same as this)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(personas, settings_override) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    routed = deposited(personas)
    for status in (Status.DEPOSEE, Status.EN_COURS_ACHEMINEMENT):
        services.invoice_route(invoice_id=routed.pk, expected_status=status)
    invoices = [
        routed,
        invoice_in(personas, Status.DEPOSEE),
        draft(personas),
        invoice_in(personas, Status.SUSPENDUE),
        invoice_in(personas, Status.A_RECYCLER),
        invoice_in(personas, Status.REJETEE),
    ]
    return {
        "ids": [invoice.pk for invoice in invoices],
        "tokens": [token_for(personas.supplier_principal), token_for(personas.agent)],
    }


@pytest.fixture
def settings_override(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.API_THROTTLE_RATES = {"token": "100000/minute", "auth": "100000/minute"}
    cache.clear()
    return settings


def on_real_objects(case: Any, ids: list[int]) -> None:
    """Most generated ids become one of the real invoices; one value in seven stays random."""
    generated = (case.path_parameters or {}).get("id")
    if isinstance(generated, int) and generated % 7:
        case.path_parameters["id"] = ids[generated % len(ids)]


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_every_generated_request_as_its_schema_says(
    case, api_world, in_process_requests
):
    on_real_objects(case, api_world["ids"])
    for token in api_world["tokens"]:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
