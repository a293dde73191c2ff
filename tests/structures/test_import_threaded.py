"""On PostgreSQL, outside a transaction, batches are written by a second thread."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from structures.models import SireneEstablishment
from structures.sirene import synthetic
from structures.sirene.importer import InlineWriter, ThreadedWriter, _writer
from tests.utils.services import require_postgresql

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_command_writes_through_the_threaded_writer_and_reruns_cleanly(tmp_path):
    require_postgresql()
    writer = _writer(with_category=True)
    writer.close()
    assert isinstance(writer, ThreadedWriter)
    path = synthetic.write(tmp_path / "s.csv.gz", 5_000)
    for expected_changes in (5_000, 0):
        out = io.StringIO()
        call_command(
            "import_sirene", str(path), "--batch-size", "300", stdout=out, stderr=io.StringIO()
        )
        assert (
            f"importées : 5000 (dont {expected_changes} nouvelles ou modifiées)" in out.getvalue()
        )
    assert SireneEstablishment.objects.count() == 5_000


def test_an_error_in_the_writer_thread_reaches_the_caller():
    require_postgresql()
    writer = ThreadedWriter(with_category=True)
    writer.submit([("not", "a", "record")])  # type: ignore[list-item]
    with pytest.raises(Exception):  # noqa: B017 (whatever the database says)
        writer.close()
    assert not writer.thread.is_alive()


def test_inside_a_transaction_batches_are_written_in_it():
    from django.db import transaction

    with transaction.atomic():
        writer = _writer(with_category=True)
        assert type(writer) is InlineWriter
