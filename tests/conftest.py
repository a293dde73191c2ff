from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module

import pytest

from tests.support import workers

# Playwright's sync API keeps an event loop in the test thread while a browser is open; the
# ORM calls tests make meanwhile are plain synchronous code. Subprocesses do not inherit it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[object]:  # type: ignore[no-untyped-def]
    # One process, so that a probe sent after a test runs only once every earlier task is done.
    with django_db_blocker.unblock(), workers.celery_worker(concurrency=1) as process:
        yield process


@pytest.fixture
def celery_worker(_celery_worker_process, transactional_db) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A real Celery worker process on the test database and broker (one for the session).

    The test's writes are committed (transactional database) so the worker sees them. After
    the test the worker is drained before the database is flushed: a task still running
    (an e-mail after a status change…) would otherwise deadlock with the flush's TRUNCATE.
    """
    yield _celery_worker_process
    workers.wait_for_probe(_celery_worker_process)


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


@pytest.fixture
def reference_data(transactional_db) -> None:  # type: ignore[no-untyped-def]
    """What the data migrations create (the State and its services, the mandate, the CGU, the
    reason catalogue), put back for tests on a committed database: a transactional test before
    this one may have flushed it. The migrations' functions are idempotent."""
    from django.apps import apps

    for module, function in [
        ("accounts.migrations.0002_first_terms", "create_first_version"),
        ("structures.migrations.0002_state_and_mandate", "forwards"),
        ("invoices.migrations.0002_rejection_reasons", "forwards"),
    ]:
        getattr(import_module(module), function)(apps, None)
