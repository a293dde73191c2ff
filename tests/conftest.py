from __future__ import annotations

import os
from collections.abc import Iterator
from importlib import import_module

import pytest
from hypothesis import HealthCheck, settings

from tests.utils import workers

# Property tests judge the code, not the machine: generating examples may be slow when the host is
# busy (two xdist processes, a browser, a Celery worker), which is no failure of the code.
settings.register_profile("chorus", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("chorus")

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
    workers.consuming(_celery_worker_process, True)
    yield _celery_worker_process
    workers.wait_for_probe(_celery_worker_process)
    workers.consuming(_celery_worker_process, False)


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


REFERENCE_DATA = [
    ("accounts.migrations.0002_first_terms", "create_first_version"),
    ("structures.migrations.0002_state_and_mandate", "forwards"),
    ("invoices.migrations.0002_rejection_reasons", "forwards"),
]


def restore_reference_data() -> None:
    """What the data migrations create (the State and its services, the mandate, the CGU, the
    reason catalogue); the migrations' functions are idempotent."""
    from django.apps import apps

    for module, function in REFERENCE_DATA:
        getattr(import_module(module), function)(apps, None)


@pytest.fixture
def reference_data(transactional_db) -> None:  # type: ignore[no-untyped-def]
    """The reference data, for a test on a committed database (see ``pytest_runtest_teardown``:
    a flush before this test already put it back; this makes the dependency explicit)."""
    restore_reference_data()


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    uses = set(getattr(item, "fixturenames", ()))
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or uses & {"transactional_db", "live_server", "celery_worker"}
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """A transactional test ends with a flush of every table, data migrations' rows included.
    Run alone, pytest-django orders those tests last; run by pytest-xdist, a worker may go on
    with any test of another file: the reference data is put back after each flush."""
    result = yield
    # Without a next test, the test databases are already gone with the session's fixtures.
    if nextitem is not None and _is_transactional(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            restore_reference_data()
    return result
