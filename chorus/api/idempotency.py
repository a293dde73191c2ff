"""``Idempotency-Key``: a write sent twice with the same key happens once.

- Same key, same request (method, path, body — JSON compared by value, files by SHA-256):
  the first successful answer is replayed (status and body, header ``Idempotent-Replayed``).
- Same key, different request: ``422``.
- Keys are per user and kept ``API_IDEMPOTENCY_TTL_HOURS`` (24 h at least).
- Only successes are remembered: an error is not, so the client can fix the cause and retry
  with the same key.
- Concurrent requests with one key: the key's row is inserted first, in the transaction of
  the write. The others wait on the unique index until it commits, then replay its answer; if
  it failed (rolled back), one of them runs. A request that waits longer than
  ``API_IDEMPOTENCY_WAIT`` seconds gets ``409`` (PostgreSQL; SQLite serialises writers).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from chorus.api.errors import IdempotencyInProgress, IdempotencyMismatch
from chorus.models import IdempotencyKey

# PostgreSQL's SQLSTATE for a lock_timeout that expired.
LOCK_NOT_AVAILABLE = "55P03"
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def checked_key(value: str) -> str:
    if not 0 < len(value) <= MAX_KEY_LENGTH or not value.isascii() or not value.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("La clé d'idempotence compte 1 à 255 caractères ASCII imprimables.")]}
        )
    return value


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def request_digest(request: Request) -> str:
    """The request's fingerprint: method, path and body compared by meaning."""
    data = request.data  # parses the body; a malformed one raises ParseError here
    if isinstance(data, QueryDict):
        fields: Any = {key: request.POST.getlist(key) for key in sorted(request.POST.keys())}
    else:
        fields = data
    files = {
        name: [[f.name, _file_digest(f)] for f in request.FILES.getlist(name)]
        for name in sorted(request.FILES.keys())
    }
    payload = json.dumps(
        [request.method, request.path, fields, files],
        sort_keys=True,
        default=str,
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@contextmanager
def _bounded_wait() -> Iterator[None]:
    """On PostgreSQL, wait at most API_IDEMPOTENCY_WAIT seconds for another holder of the key.

    Used inside a savepoint: if the wait fails, rolling the savepoint back undoes the setting.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = %s", [f"{settings.API_IDEMPOTENCY_WAIT}s"])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")


def _replay(user_id: int, key: str, digest: str) -> Response:
    record = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if record is None or record.status_code is None:
        raise IdempotencyInProgress()
    if record.request_sha256 != digest:
        raise IdempotencyMismatch()
    headers = {REPLAYED_HEADER: "true"}
    if record.location:
        headers["Location"] = record.location
    return Response(record.response_body, status=record.status_code, headers=headers)


def _claim(user_id: int, key: str, digest: str) -> IdempotencyKey | None:
    """Insert the key's row; None when another request holds or held the key."""
    try:
        with transaction.atomic(), _bounded_wait():
            return IdempotencyKey.objects.create(user_id=user_id, key=key, request_sha256=digest)
    except IntegrityError:
        return None
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise  # the database itself failed: a 503, not "someone else holds the key"
        # PostgreSQL's lock_timeout: the other request with this key is still running.
        raise IdempotencyInProgress() from None


def run_once(request: Request, key: str, run: Callable[[], Response]) -> Response:
    digest = request_digest(request)
    user_id = request.user.pk
    if user_id is None:  # IsAuthenticated lets only users in: a key is always someone's
        raise exceptions.NotAuthenticated()
    expired = timezone.now() - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    with transaction.atomic():
        IdempotencyKey.objects.filter(user_id=user_id, key=key, created_at__lt=expired).delete()
        record = _claim(user_id, key, digest)
        if record is None:
            return _replay(user_id, key, digest)
        response = run()
        if not 200 <= response.status_code < 300:
            # Errors are not remembered: the key goes with the rolled-back write.
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.response_body = response.data
        record.location = response.headers.get("Location", "")
        record.save(update_fields=["status_code", "response_body", "location"])
        return response


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorates an API view's ``post``: honours the ``Idempotency-Key`` header."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        return run_once(request, checked_key(key), lambda: handler(view, request, *args, **kwargs))

    # A mark on the function, read by the API schema (chorus/api/schema.py).
    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


@transaction.atomic
def idempotency_keys_purge(*, now: Any = None) -> int:
    """Delete the keys older than the retention; returns how many."""
    limit = (now or timezone.now()) - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    deleted, _details = IdempotencyKey.objects.filter(created_at__lt=limit).delete()
    return deleted
