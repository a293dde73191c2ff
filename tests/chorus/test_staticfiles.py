"""Production static files: the design system's files are served with the bytes their
integrity attributes promise, under hashed names; the portal's own files keep having their
references hashed (cache-busting)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import dsfr
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from dsfr.checksums import (
    INTEGRITY_CSS,
    INTEGRITY_JS_MODULE,
    INTEGRITY_JS_NOMODULE,
    INTEGRITY_UTILITY_CSS,
)
from dsfr.constants import DsfrStaticAssets

# What django-dsfr's templates load with an integrity attribute (dsfr_css, dsfr_js).
CHECKED = {
    DsfrStaticAssets.DSFR_CSS: INTEGRITY_CSS,
    DsfrStaticAssets.DSFR_UTILITY_CSS: INTEGRITY_UTILITY_CSS,
    DsfrStaticAssets.DSFR_MODULE_JS: INTEGRITY_JS_MODULE,
    DsfrStaticAssets.DSFR_NOMODULE_JS: INTEGRITY_JS_NOMODULE,
}
DSFR_STATIC = Path(dsfr.__file__).parent / "static"


def sri(path: Path) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(path.read_bytes()).digest()).decode()


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """collectstatic with the production storage over a small tree: the four checked files as
    django-dsfr ships them, and a stylesheet of the portal's own that points at an image."""
    folder = tmp_path_factory.mktemp("static")
    source, root = folder / "source", folder / "root"
    for name in CHECKED:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DSFR_STATIC / name, source / name)
    (source / "css").mkdir()
    (source / "css" / "own.css").write_text('.logo { background: url("../img/logo.svg"); }\n')
    (source / "img").mkdir()
    (source / "img" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    production = {"BACKEND": "chorus.staticfiles.IntegrityPreservingStorage"}
    with override_settings(
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STATIC_ROOT=root,
        STORAGES={**settings.STORAGES, "staticfiles": production},
        # Compressing is whitenoise's business, not this test's: skipped, seconds saved.
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=["css", "js", "svg"],
    ):
        call_command("collectstatic", "--no-input", verbosity=0)
    return root, json.loads((root / "staticfiles.json").read_text())["paths"]


def test_the_design_system_files_keep_the_bytes_their_integrity_attributes_promise(collected):
    root, manifest = collected
    for name, integrity in CHECKED.items():
        assert manifest[name] != name, f"{name} lost its hashed name (no cache-busting)"
        assert sri(root / manifest[name]) == integrity, name
        assert sri(root / name) == integrity, f"{name}: the fallback of the error pages"


def test_the_portal_s_own_files_point_at_hashed_names(collected):
    root, manifest = collected
    own = (root / manifest["css/own.css"]).read_text()
    assert Path(manifest["img/logo.svg"]).name in own
