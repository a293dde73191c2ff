from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import workers

# Playwright's sync API keeps an event loop in the test thread while a browser is open; the
# ORM calls tests make meanwhile are plain synchronous code. Subprocesses do not inherit it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


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


@pytest.fixture(autouse=True)
def _french_by_default() -> Iterator[None]:
    """Each test starts in French: a request made in English must not colour the next test."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.activate("fr")
