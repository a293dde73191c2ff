"""Reading settings from the environment: safe defaults, loud failures.

Every helper reads ``NAME`` or, when it is unset, the contents of the file named by
``NAME_FILE`` (for secrets mounted by an orchestrator). A value that cannot be used
raises ``ImproperlyConfigured`` naming the variable and what was expected.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from dj_database_url import DBConfig

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SupportSettings(TypedDict):
    """The setting ``SUPPORT`` (chorus/settings.py says what each key does)."""

    CONTACT_RATE_LIMIT: int
    CONTACT_RATE_WINDOW: int
    PROXY_COUNT: int
    TEAM_EMAILS: list[str]
    PHONE: str
    DEMATERIALISATION_EMAIL: str
    ATTACHMENT_MAX_BYTES: int


def env_raw(name: str) -> str | None:
    if name in os.environ:
        return os.environ[name]
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return None


def env_str(name: str, default: str) -> str:
    value = env_raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = env_raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = env_raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_float(name: str, default: float) -> float:
    value = env_raw(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None


def env_decimal(name: str, default: str, *, minimum: str | None = None) -> Decimal:
    """A decimal number (a rate, an amount): exact, unlike a float."""
    value = env_str(name, default).strip()
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={value!r} is not a decimal number.") from None
    if not number.is_finite():
        raise ImproperlyConfigured(f"{name}={value!r} is not a decimal number.")
    if minimum is not None and number < Decimal(minimum):
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_json(name: str, default: dict[str, Any]) -> dict[str, Any]:
    value = env_raw(name)
    if value is None:
        return default
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object.")
    return parsed


def env_database(name: str, default: str) -> DBConfig:
    """Parse a database URL (``postgres://user@host:5432/db``, ``sqlite:////abs/path``)."""
    import dj_database_url

    url = env_str(name, default)
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # dj-database-url raises several unrelated types
        raise ImproperlyConfigured(
            f"{name}={url!r} is not a database URL this portal understands "
            f"(expected e.g. postgres://user:password@host:5432/chorus or sqlite:///path): {exc}"
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"{name}: only PostgreSQL and SQLite are supported, not {engine}."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={url!r} names no database.")
    return config


_RATE_PERIODS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def env_rate(name: str, default: str) -> str:
    """A throttling rate as DRF reads it: ``<requests>/<second|minute|hour|day>``."""
    value = env_str(name, default).strip()
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _RATE_PERIODS:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate: expected e.g. 600/minute, 20/second, 10000/day."
        )
    return value


def env_cache(name: str, default: str) -> dict[str, Any]:
    """A cache from a URL: ``locmem://`` (one process) or ``redis://host:6379/1``."""
    url = env_str(name, default).strip()
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Django's Redis backend, its client made once per pool (chorus/cache.py).
        return {"BACKEND": "chorus.cache.RedisCache", "LOCATION": url}
    if url.startswith("locmem://"):
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": url.removeprefix("locmem://") or "chorus",
        }
    raise ImproperlyConfigured(
        f"{name}={url!r} is not a cache URL this portal understands "
        "(expected redis://host:6379/1 or locmem://)."
    )


def support_settings() -> SupportSettings:
    """``settings.SUPPORT``, typed. Read through ``getattr``: mypy's Django plugin may check a
    module that reads it before the settings module, and then calls it ``object``."""
    from django.conf import settings

    support: SupportSettings = getattr(settings, "SUPPORT")  # noqa: B009
    return support
