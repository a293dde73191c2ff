"""An EJ file uploaded on the register page is loaded by a real Celery worker, enqueued once
the upload is committed; the same file uploaded again changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices.models import EngagementImport, EngagementRecord
from tests.utils import workers

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

TEXT = "number;supplier_siret;state\nEJ-1;12345678900012;\nEJ-2;12345678900012;clos\n"


def _upload_and_wait(client, personas) -> EngagementImport:  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("invoices:register", args=[personas.state.pk]),
        {"file": SimpleUploadedFile("ej.csv", TEXT.encode(), content_type="text/csv")},
    )
    assert response.status_code == 302
    job = EngagementImport.objects.order_by("-pk").first()
    workers.wait_until(
        lambda: EngagementImport.objects.filter(pk=job.pk, status="DONE").exists(),
        timeout=60,
        what="the worker to load the EJ file",
    )
    job.refresh_from_db()
    return job


def test_the_worker_loads_an_uploaded_file_and_a_second_upload_changes_nothing(
    celery_worker, personas, client
):
    client.force_login(personas.agent)
    first = _upload_and_wait(client, personas)
    assert (first.created_count, first.processed_rows, first.total_rows) == (2, 2, 2)
    states = dict(EngagementRecord.objects.values_list("number", "state"))
    assert states == {"EJ-1": "OPEN", "EJ-2": "CLOSED"}
    second = _upload_and_wait(client, personas)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 2)
    assert EngagementRecord.objects.count() == 2


def test_the_sweep_loads_a_file_whose_message_was_lost(celery_worker, personas):
    from invoices import tasks

    # Stored as the upload stores it, but its message never reached the broker.
    job = EngagementImport.objects.create(
        recipient=personas.state, original_name="ej.csv", sha256="0" * 64, content=TEXT
    )
    tasks.sweep_engagement_imports.apply_async(kwargs={"stuck_after": 0})
    workers.wait_until(
        lambda: EngagementImport.objects.filter(pk=job.pk, status="DONE").exists(),
        timeout=60,
        what="the sweep to have the lost file loaded",
    )
    assert EngagementRecord.objects.filter(recipient=personas.state).count() == 2
