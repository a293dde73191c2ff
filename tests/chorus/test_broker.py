"""The file-system broker: a consumer reading while a producer writes never sees half a message."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport import filesystem

from chorus import broker

# Large enough that writing one takes a while: the window kombu's own transport leaves open.
PAYLOAD = {"body": "x" * 4_000_000}
MESSAGES = 20


def _connection(folder: Path, transport: type) -> Connection:
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder.parent / "processed"),
        "store_processed": False,
    }
    (folder.parent / "processed").mkdir(exist_ok=True)
    return Connection("filesystem://", transport=transport, transport_options=options)


def _race(folder: Path, transport: type) -> list[Exception]:
    """A producer puts messages while a consumer polls as fast as it can: what the consumer
    failed to read."""
    errors: list[Exception] = []
    received = 0
    done = threading.Event()

    def consume() -> None:
        nonlocal received
        with _connection(folder, transport) as connection:
            channel = connection.channel()
            while not (done.is_set() and received >= MESSAGES) and len(errors) < 1:
                try:
                    channel._get("q")
                    received += 1
                except filesystem.Empty:
                    continue
                except (json.JSONDecodeError, ValueError) as exc:
                    errors.append(exc)

    consumer = threading.Thread(target=consume)
    consumer.start()
    with _connection(folder, transport) as connection:
        channel = connection.channel()
        for _ in range(MESSAGES):
            channel._put("q", PAYLOAD)
    done.set()
    consumer.join(timeout=60)
    return errors


def test_the_project_uses_its_own_transport_for_the_file_system_broker():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("the broker is not the file system here")
    assert settings.CELERY_BROKER_TRANSPORT == "chorus.broker:Transport"


def test_a_consumer_never_reads_a_message_being_written(tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    assert _race(folder, broker.Transport) == []
    assert not list(folder.glob(f"*{broker.PARTIAL_SUFFIX}"))


def test_kombus_own_transport_lets_a_consumer_read_half_a_message(tmp_path):
    """What the project's transport is for (celery/kombu#1551): if kombu fixes it, this test
    fails, and chorus/broker.py can go."""
    failed = []
    for attempt in range(3):
        folder = tmp_path / str(attempt) / "queue"
        folder.mkdir(parents=True)
        failed += _race(folder, filesystem.Transport)
    assert failed
