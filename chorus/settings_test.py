"""Settings for the test suite: the real settings, made fast and quiet."""

import os
import uuid

# One queue per test session, inherited by the worker processes that tests start, so that
# messages left by another run (or by `make run`) are never consumed here. Under pytest-xdist
# the processes inherit the controller's queue: each adds its own name (gw0, gw1...), which
# the Celery workers it starts inherit in turn.
_queue = os.environ.setdefault("CELERY_QUEUE", f"chorus-test-{uuid.uuid4().hex[:10]}")
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist_worker and not _queue.endswith(f"-{_xdist_worker}"):
    os.environ["CELERY_QUEUE"] = f"{_queue}-{_xdist_worker}"

from chorus.settings import *  # noqa: E402, F403
from chorus.settings import STORAGES  # noqa: E402

CELERY_TASK_DEFAULT_QUEUE = os.environ["CELERY_QUEUE"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests read mail.outbox; a fault test gives its worker processes a real SMTP server instead.
EMAIL_BACKEND = os.environ.get(
    "CHORUS_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
LANGUAGE_CODE = "fr"
INVOICE_ROUTING_DELAY = 0
# The second factor is a choice in tests, except for staff (always): see tests/utils/two_factor.py.
TWO_FACTOR_REQUIRED = False
