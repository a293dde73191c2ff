"""The file-system broker of the zero-configuration setup, safe with a reader and a writer at once.

kombu's file-system transport creates a message's file, then locks it and writes into it, while a
consumer moves and reads files without a lock: a consumer that lists the folder in between reads an
empty or half-written message and dies on a JSON error (celery/kombu#1551; seen here as a worker
exiting during the test suite on a loaded machine). Here a message is written under a name no
consumer looks at, then renamed into place: a rename within one folder is atomic, so a consumer
finds the whole message or nothing.

``CELERY_BROKER_TRANSPORT`` names this transport whenever the broker URL is ``filesystem://``.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# The consumer only takes "<time>_<uuid>.<queue>.msg": a file with this suffix is not one yet.
PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    # kombu's stubs disagree with themselves: the filesystem channel's payload, its base's message.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        # The same name as kombu's (consumers read in the order of the names).
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
