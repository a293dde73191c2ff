"""A small SMTP server for tests, in a thread: it accepts e-mails and keeps them, or refuses
them the way real servers do, as the test decides (aiosmtpd is not installed; Python's smtpd
is gone from recent versions).

``refuse`` is one of:
- ``None``: accept every e-mail;
- ``"connect"``: answer ``421`` to every connection (server overloaded, shutting down);
- ``"data"``: take the envelope, then refuse the message with ``451`` (temporary failure).
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message


@dataclass
class Mailbox:
    refuse: str | None = None
    received: list[Message] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recipients(self) -> list[str]:
        with self.lock:
            return [message["To"] for message in self.received]


class _Session(socketserver.StreamRequestHandler):
    mailbox: Mailbox

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        if self.mailbox.refuse == "connect":
            with self.mailbox.lock:
                self.mailbox.refused += 1
            self.reply("421 4.3.2 Service not available, try again later")
            return
        self.reply("220 sink.test ESMTP")
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.test")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.receive()
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def receive(self) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        with self.mailbox.lock:
            if self.mailbox.refuse == "data":
                self.mailbox.refused += 1
                self.reply("451 4.3.0 Temporary failure, try again later")
                return
            self.mailbox.received.append(message_from_bytes(b"".join(lines)))
        self.reply("250 OK: queued")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def smtp_sink(refuse: str | None = None) -> Iterator[tuple[Mailbox, int]]:
    """A running server on a free local port: ``(mailbox, port)``."""
    mailbox = Mailbox(refuse=refuse)
    handler = type("Session", (_Session,), {"mailbox": mailbox})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield mailbox, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
