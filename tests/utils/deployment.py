"""The commands of the production image, read from the Dockerfile and docker-compose.yml, so that
the tests run what the image runs (collectstatic, migrate, gunicorn, the worker, beat) and the
two cannot drift apart. No Docker engine here: the files are read, their commands run locally.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE_FILE = ROOT / "docker-compose.yml"
_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
# Programs of the image that this virtual environment runs as modules of its interpreter.
_MODULES = {"gunicorn", "celery"}


@cache
def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions: (keyword, arguments), continuation lines joined."""
    logical = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, arguments = line.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _arguments(keyword: str) -> list[str]:
    return [arguments for found, arguments in dockerfile() if found == keyword]


def image_environment() -> dict[str, str]:
    """What the image's ENV instructions set."""
    return dict(_split_assignment(word) for line in _arguments("ENV") for word in shlex.split(line))


def image_command() -> list[str]:
    """The image's CMD (its exec form, a JSON list)."""
    (command,) = _arguments("CMD")
    return json.loads(command)


def build_step(word: str) -> tuple[dict[str, str], list[str]]:
    """The one shell command of the image's RUN instructions that names ``word``: the variables
    set for it alone, and its arguments."""
    commands = [
        shlex.split(part)
        for line in _arguments("RUN")
        for part in line.split("&&")
        if word in shlex.split(part)
    ]
    assert len(commands) == 1, f"the Dockerfile should run {word!r} once, not {len(commands)}"
    words = commands[0]
    count = next(i for i, token in enumerate(words) if not _ASSIGNMENT.match(token))
    return dict(map(_split_assignment, words[:count])), words[count:]


def _split_assignment(word: str) -> tuple[str, str]:
    name, _, value = word.partition("=")
    return name, value


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def service_command(name: str) -> list[str]:
    return list(compose()["services"][name]["command"])


def runnable(command: list[str]) -> list[str]:
    """An image command as this virtual environment runs it: ``python``, ``gunicorn`` and
    ``celery`` through this interpreter (a later option overrides an earlier one in all three,
    so that a test may append its own port, queue or concurrency)."""
    program, *arguments = command
    if program == "python":
        return [sys.executable, *arguments]
    assert program in _MODULES, f"no local way to run the image's {program!r}"
    return [sys.executable, "-m", program, *arguments]


def web_command(*options: str) -> list[str]:
    """The image's web process (its CMD, gunicorn with gunicorn.conf.py), with the test's own
    options (a port, fewer workers)."""
    return [*runnable(image_command()), *options]
