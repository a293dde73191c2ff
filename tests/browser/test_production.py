"""The production path as an operator meets it, in a real browser.

The static files are collected by the Dockerfile's own command (DEBUG=0, its placeholders) into a
folder of the module's; gunicorn is started with the image's command and gunicorn.conf.py, the
production settings (DEBUG=0, a secret key, allowed hosts; plain HTTP, so no SSL redirect) and
the test database. Every page must look like the DSFR (its stylesheet applies, its fonts load),
its integrity attributes must hold, and the browser's console must stay empty; the error pages
must be the portal's own, in French and in English.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from accounts.models import User
from invoices.workflow import Status
from tests.browser.conftest import CSP_LISTENER, axe_violations, csp_violations, screenshot
from tests.browser.helpers import log_in
from tests.factories import DEFAULT_PASSWORD
from tests.invoices.factories import deposited, invoice_in
from tests.utils import deployment, workers
from tests.utils.services import require_postgresql

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    # The first test waits for the image's collectstatic (compressing every file), then gunicorn.
    pytest.mark.timeout(900),
]

ROOT = deployment.ROOT
PUBLIC_PAGES = [
    "/",
    "/compte/connexion/",
    "/compte/inscription/",
    "/aide/",
    "/aide/questions-frequentes/",
    "/accessibilite/",
    "/sollicitations/nous-contacter/",
    "/api/docs/",
]
SUPPLIER_PAGES = [
    "/tableau-de-bord/fournisseur/",
    "/factures/",
    "/factures/saisie/",
    "/factures/depot/",
    "/structures/",
    "/sollicitations/",
    "/compte/",
]
AGENT_PAGES = ["/tableau-de-bord/agent/", "/factures/recues/"]
# The first allowed host is what docker-compose's healthcheck asks for; the browser uses the last.
PRODUCTION_SETTINGS = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "chorus.example.fr,127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
    # The production default asks every account for a second factor; these pages are about the
    # static files and the design system, and the enrolment has its own browser test
    # (test_two_factor_enrolment.py).
    "TWO_FACTOR_REQUIRED": "0",
}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The static files, collected by the Dockerfile's command in the image's environment (only
    its folders moved into the test's own)."""
    folder = tmp_path_factory.mktemp("image")
    variables, command = deployment.build_step("collectstatic")
    env = {
        "PATH": os.environ["PATH"],
        **deployment.image_environment(),
        "CHORUS_VAR_DIR": str(folder / "var"),
        "STATIC_ROOT": str(folder / "static"),
        **variables,
    }
    result = subprocess.run(
        deployment.runnable(command), cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert (folder / "static" / "staticfiles.json").exists(), "no manifest: every page would fail"
    return folder / "static"


@pytest.fixture(scope="module")
def production_env(static_root: Path, django_db_setup, django_db_blocker) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The production settings on the test database, as docker-compose gives them."""
    with django_db_blocker.unblock():
        env = workers._env(**PRODUCTION_SETTINGS)
    env.pop("DJANGO_SETTINGS_MODULE")  # the image sets none: manage.py and wsgi.py choose
    env.update(SECRET_KEY=secrets.token_urlsafe(50), STATIC_ROOT=str(static_root))
    return env


@pytest.fixture(scope="module")
def production(production_env: dict[str, str]) -> Iterator[str]:
    """gunicorn started by the image's command (two workers instead of three, on a free port)."""
    with workers.web_server(production_env, "production-web", "--workers", "2") as base:
        yield base


@dataclass
class Visit:
    """A browser tab on the production server, and everything that went wrong in it."""

    page: Any  # Playwright's Page
    problems: list[tuple[str, str]] = field(default_factory=list)  # (what, at which address)
    checked: dict[str, str] = field(default_factory=dict)  # address → its SHA-384

    def note(self, what: str, url: str) -> None:
        self.problems.append((what, url))


def refused(failure: str | None) -> bool:
    # A request cut short by the next navigation (a favicon still loading) is not a refusal.
    return failure != "net::ERR_ABORTED"


@pytest.fixture
def visit(browser, production: str) -> Iterator[Visit]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=production, locale="fr-FR")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(20_000)
    seen = Visit(page)
    page.on("console", lambda m: m.type == "error" and seen.note(m.text, m.location["url"]))
    page.on("pageerror", lambda error: seen.note(f"script error: {error}", page.url))
    page.on("requestfailed", lambda r: refused(r.failure) and seen.note(r.failure, r.url))
    page.on("response", lambda r: r.status >= 400 and seen.note(f"answered {r.status}", r.url))
    yield seen
    context.close()


def served_as_designed(visit: Visit, path: str, status: int = 200) -> None:
    """``path`` opens with ``status``, styled by the DSFR, its files intact, its console quiet."""
    response = visit.page.goto(path)
    assert response.status == status, f"{path}: {response.status}"
    assert urlsplit(visit.page.url).path == path, f"{path} led to {visit.page.url}"
    assert_as_designed(visit, status)


def assert_as_designed(visit: Visit, status: int = 200) -> None:
    page = visit.page
    page.wait_for_load_state("networkidle")
    if status == 200:  # the error pages have no script; the others run the DSFR's
        page.wait_for_selector("html[data-fr-js='true']", state="attached")
    font = page.evaluate(
        "async () => { await document.fonts.ready; return"
        " [getComputedStyle(document.body).fontFamily, document.fonts.check('1em Marianne')] }"
    )
    assert font == ["Marianne, arial, sans-serif", True], f"{page.url} not in the DSFR: {font}"
    assert_integrity_holds(visit)
    # An error page's own status is reported as a failed load of the document: that one only.
    problems = [p for p in visit.problems if status == 200 or p[1] != page.url]
    assert problems == [], f"{page.url}: {problems}"
    assert csp_violations(page) == [], page.url


def assert_integrity_holds(visit: Visit) -> None:
    """Each file loaded with an integrity attribute is served with exactly that digest, even a
    script the browser does not fetch (``nomodule``)."""
    page = visit.page
    elements = page.evaluate(
        "() => Array.from(document.querySelectorAll('[integrity]'),"
        " e => [e.src || e.href, e.getAttribute('integrity')])"
    )
    assert elements, f"{page.url}: no file with an integrity attribute (django-dsfr puts them)"
    for url, integrity in elements:
        if url not in visit.checked:
            digest = hashlib.sha384(page.request.get(url).body()).digest()
            visit.checked[url] = "sha384-" + base64.b64encode(digest).decode()
        assert visit.checked[url] == integrity, f"{page.url}: {url} does not match its integrity"


def sign_in(visit: Visit, user: User) -> None:
    """Through the login form. The password is stored with a hasher of production's: the test
    settings' fast one is not among them."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(DEFAULT_PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    log_in(visit.page, user.email)
    assert "/compte/connexion/" not in visit.page.url, f"{user.email} could not sign in"


def choose_language(visit: Visit, language: str) -> None:
    """The portal's language switch, as a visitor uses it."""
    page = visit.page
    page.goto("/")
    page.select_option("#language-select", language)
    page.locator("form.chorus-lang button[type=submit]").first.click()  # the header's
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language


def assert_error_page(visit: Visit, status: int, heading: str, language: str) -> None:
    assert_as_designed(visit, status)
    page = visit.page
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == heading
    assert page.locator("header.fr-header").is_visible()
    assert axe_violations(page) == []
    screenshot(page, f"production-{status}-{language}")


def test_the_migrations_run_as_the_compose_file_runs_them(production_env):
    command = deployment.runnable(deployment.service_command("migrate"))
    result = subprocess.run(command, cwd=ROOT, env=production_env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "No migrations to apply." in result.stdout


def test_the_public_pages_are_served_as_designed(visit):
    for path in PUBLIC_PAGES:
        served_as_designed(visit, path)


def test_the_api_s_swagger_ui_is_served_whole(visit):
    """Not a DSFR page: its own files (drf-spectacular-sidecar's), hashed, and nothing refused."""
    page = visit.page
    assert page.goto("/api/docs/swagger/").status == 200
    page.wait_for_selector("#swagger-ui .info .title")
    page.wait_for_load_state("networkidle")
    assert visit.problems == [] and csp_violations(page) == []


def test_a_supplier_s_pages_are_served_as_designed(visit, personas):
    invoice = deposited(personas)
    sign_in(visit, personas.supplier_principal)
    for path in [*SUPPLIER_PAGES, f"/factures/{invoice.pk}/"]:
        served_as_designed(visit, path)


def test_an_agent_s_pages_are_served_as_designed(visit, personas):
    invoice = invoice_in(personas, Status.MISE_A_DISPOSITION)
    sign_in(visit, personas.agent)
    for path in [*AGENT_PAGES, f"/factures/recues/{invoice.pk}/"]:
        served_as_designed(visit, path)


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Page non trouvée"), ("en", "Page not found")]
)
def test_an_unknown_address_is_the_portal_s_404_page(visit, language, heading):
    choose_language(visit, language)
    assert visit.page.goto("/nulle-part/").status == 404
    assert_error_page(visit, 404, heading, language)
    visit.page.locator("main a.fr-btn").click()
    assert visit.page.locator("html").get_attribute("lang") == language
    assert urlsplit(visit.page.url).path == "/"


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Formulaire expiré"), ("en", "Form expired")]
)
def test_a_form_sent_after_its_csrf_cookie_is_gone_is_the_portal_s_403_page(
    visit, language, heading
):
    choose_language(visit, language)
    page = visit.page
    page.goto("/compte/connexion/")
    page.context.clear_cookies(name="csrftoken")  # expired, or refused by the browser
    page.fill("#id_username", "quelqu.un@exemple.test")
    page.fill("#id_password", "un mot de passe")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("main button[type=submit]").click()
    assert answer.value.status == 403
    assert_error_page(visit, 403, heading, language)


@contextmanager
def table_missing(table: str) -> Iterator[None]:
    """The table is gone from the database, as when an image's migrations were not run: a real
    fault, met by code that knows nothing of the test."""
    hidden = f"{table}_hidden_by_test"
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{hidden}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{hidden}" RENAME TO "{table}"')


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Erreur du serveur"), ("en", "Server error")]
)
def test_a_server_error_is_the_portal_s_500_page(visit, personas, language, heading):
    # On SQLite a missing table is an OperationalError: the 503 page, not this one.
    require_postgresql()
    sign_in(visit, personas.supplier_principal)
    choose_language(visit, language)
    with table_missing("django_session"):
        assert visit.page.goto("/factures/").status == 500
        assert_error_page(visit, 500, heading, language)


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Requête incorrecte"), ("en", "Bad request")]
)
def test_a_request_for_a_host_not_served_is_the_portal_s_400_page(production, language, heading):
    """No browser sends another Host than its address bar's: asked as a script would."""
    host, port = urlsplit(production).netloc.split(":")
    server = http.client.HTTPConnection(host, int(port), timeout=10)
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}={language}"
    server.request("GET", "/", headers={"Host": "chorus.attaquant.example", "Cookie": cookie})
    answer = server.getresponse()
    page = answer.read().decode()
    server.close()
    assert answer.status == 400
    assert f'<html lang="{language}">' in page and f"<h1>{heading}</h1>" in page


def test_the_compose_healthcheck_finds_the_web_process_healthy(production, production_env):
    """docker-compose's own healthcheck command, run against this server (its port only moved)."""
    program, *arguments = deployment.compose()["services"]["web"]["healthcheck"]["test"][1:]
    port = production.rsplit(":", 1)[1]
    arguments = [a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for a in arguments]
    result = subprocess.run(
        deployment.runnable([program, *arguments]),
        env=production_env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
