"""A mail server that is down, for tests that prove a failed e-mail is not a failed page."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class UnreachableMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("smtp.example.test:25 refused the connection")
