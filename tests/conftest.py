from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import workers


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A real Celery worker process on the test database and broker, for the whole session.

    Tests that use it must be ``@pytest.mark.django_db(transaction=True)`` so that what they
    write is committed and visible to the worker.
    """
    with django_db_blocker.unblock(), workers.celery_worker() as process:
        yield process


@pytest.fixture
def personas(db):  # type: ignore[no-untyped-def]
    from tests.personas import build_personas

    return build_personas()
