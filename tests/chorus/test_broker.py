"""The file-system broker: a consumer reading while a producer writes never sees half a message.

The consumer is made to read at the one moment that matters, while the producer's message is on
disk but not yet written, so the tests do not depend on how two threads happen to interleave.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport import filesystem

from chorus import broker

PAYLOAD = {"body": "x" * 1000}


def _channel(folder: Path, transport: type) -> Any:
    processed = folder.parent / "processed"
    processed.mkdir(exist_ok=True)
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(processed),
        "store_processed": False,
    }
    return Connection("filesystem://", transport=transport, transport_options=options).channel()


def _read(channel: Any) -> Any:
    """What a consumer polling the queue gets now: the message, "empty", or its error."""
    try:
        return channel._get("q")
    except filesystem.Empty:
        return "empty"
    except (json.JSONDecodeError, ValueError) as exc:
        return exc


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "queue"
    path.mkdir()
    return path


def test_the_project_uses_its_own_transport_for_the_file_system_broker():
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        pytest.skip("the broker is not the file system here")
    assert settings.CELERY_BROKER_TRANSPORT == "chorus.broker:Transport"


def test_a_consumer_reading_while_the_message_is_written_finds_nothing_then_the_whole_message(
    folder, monkeypatch
):
    producer, consumer = _channel(folder, broker.Transport), _channel(folder, broker.Transport)
    seen_during_the_write = []
    replace = broker.os.replace

    def read_then_replace(partial: str, final: str) -> None:
        assert Path(partial).stat().st_size > 0  # written, under its partial name
        seen_during_the_write.append(_read(consumer))
        replace(partial, final)

    monkeypatch.setattr(broker.os, "replace", read_then_replace)
    producer._put("q", PAYLOAD)

    assert seen_during_the_write == ["empty"]
    assert _read(consumer) == PAYLOAD
    assert not list(folder.glob(f"*{broker.PARTIAL_SUFFIX}"))


def test_a_message_that_cannot_be_written_leaves_nothing_a_consumer_would_read(folder, monkeypatch):
    producer, consumer = _channel(folder, broker.Transport), _channel(folder, broker.Transport)

    def full_disk(partial: str, final: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(broker.os, "replace", full_disk)
    with pytest.raises(filesystem.ChannelError):
        producer._put("q", PAYLOAD)
    assert _read(consumer) == "empty"
    assert list(folder.iterdir()) == []


def test_kombus_own_transport_lets_a_consumer_read_half_a_message(folder, monkeypatch):
    """What the project's transport is for (celery/kombu#1551): kombu creates the message's file,
    then locks it and writes; a consumer does not lock. If kombu fixes it, this test fails, and
    chorus/broker.py can go."""
    producer, consumer = (
        _channel(folder, filesystem.Transport),
        _channel(folder, filesystem.Transport),
    )
    seen_during_the_write = []
    lock = filesystem.lock

    def lock_then_let_the_consumer_in(handle: Any, flags: int) -> None:
        lock(handle, flags)
        seen_during_the_write.append(_read(consumer))

    monkeypatch.setattr(filesystem, "lock", lock_then_let_the_consumer_in)
    producer._put("q", PAYLOAD)

    assert len(seen_during_the_write) == 1
    assert isinstance(seen_during_the_write[0], json.JSONDecodeError)
