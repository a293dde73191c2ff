"""The invoice validator's stylesheets are compiled in each web and worker process after the
fork (a Saxon processor made before it crashes the children): gunicorn's post_fork hook and
Celery's worker_process_init signal do it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    """Run ``code`` in a fresh interpreter (this one may already hold a Saxon processor)."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_gunicorn_s_post_fork_hook_compiles_the_stylesheets():
    code = (
        "import runpy\n"
        "from einvoice import schematron\n"
        "hooks = runpy.run_path('gunicorn.conf.py')\n"
        "before = schematron.is_started()\n"
        "hooks['post_fork'](None, None)\n"
        "print(before, schematron.is_started())\n"
    )
    assert _run(code) == "False True"


def test_a_celery_worker_process_compiles_them_when_it_starts():
    code = (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'chorus.settings_test')\n"
        "django.setup()\n"
        "from celery.signals import worker_process_init\n"
        "import chorus.celery\n"
        "from einvoice import schematron\n"
        "before = schematron.is_started()\n"
        "worker_process_init.send(sender=None)\n"
        "print(before, schematron.is_started())\n"
    )
    assert _run(code) == "False True"


def test_a_celery_worker_warms_up_its_first_task_before_its_pool_forks():
    code = (
        "import django, os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'chorus.settings_test')\n"
        "django.setup()\n"
        "from celery.signals import worker_init\n"
        "import chorus.celery\n"
        "from django.template import engines\n"
        "loader = engines['django'].engine.template_loaders[0]\n"
        "name = 'invoices/emails/status_digest.txt'\n"
        "cached = lambda: name in str(list(loader.get_template_cache))\n"
        "before = ('chorus.urls' in sys.modules, cached())\n"
        "worker_init.send(sender=None)\n"
        "print(before, ('chorus.urls' in sys.modules, cached()))\n"
    )
    assert _run(code) == "(False, False) (True, True)"
