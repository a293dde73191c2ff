"""A transaction of another connection, held open while the test acts: what it wrote or locked
makes the code under test wait, skip or give up, as another request or worker would."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from django.db import connections, transaction


@contextmanager
def held_open(
    work: Callable[[], object],
    *,
    then: Literal["commit", "rollback"] = "commit",
    timeout: float = 60,
) -> Iterator[Callable[[], None]]:
    """Run ``work`` in a transaction of a thread of its own (its own connection), and keep that
    transaction open, with its rows written and its locks, until the block ends or the function
    it yields is called; then it commits or rolls back as ``then`` says. The block starts once
    ``work`` returned (its error, or the commit's, fails the test) and ends once the transaction
    ended. ``timeout`` bounds how long the transaction stays open if nothing releases it."""
    done_work, release = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                work()
                done_work.set()
                release.wait(timeout)
                if then == "rollback":
                    transaction.set_rollback(True)
        except BaseException as exc:  # raised in the test below, not lost in the thread
            failed.append(exc)
        finally:
            done_work.set()
            connections.close_all()

    thread = threading.Thread(target=hold, name="held-open", daemon=True)
    thread.start()
    try:
        assert done_work.wait(timeout=60), "the held transaction's work did not return in 60 s"
        if failed:
            raise failed[0]
        yield release.set
    finally:
        release.set()
        thread.join(timeout=60)
    assert not thread.is_alive(), "the held transaction did not end within 60 s of its release"
    if failed:
        raise failed[0]
