from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import i18n
from django.views.decorators.http import require_POST

from accounts import services as account_services
from structures import selectors as structure_selectors


def home(request: HttpRequest) -> HttpResponse:
    """Signed in, the home page leads a new supplier to their next step (a structure, then the
    mandate) before the tiles of the daily work."""
    context = {}
    if request.user.is_authenticated:
        context = {
            "next_step": structure_selectors.next_step(request.user),
            "receives_invoices": structure_selectors.is_public_member(request.user),
        }
    return render(request, "home.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers a signed-in user's choice: their next
    sessions, on any device, and their e-mails follow it."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        account_services.user_language_set(user=request.user, language=language)
    return response


def health(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _mail_files() -> list[Path]:
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)


def dev_mailbox(request: HttpRequest) -> HttpResponse:
    """Development only: the e-mails the portal sent, newest first."""
    if not settings.DEBUG:  # routed only under DEBUG; checked again should the two disagree
        raise Http404
    mails = [{"name": p.name, "text": p.read_text(errors="replace")} for p in _mail_files()[:50]]
    return render(request, "dev_mailbox.html", {"mails": mails})


def dev_mail(request: HttpRequest, name: str) -> HttpResponse:
    if not settings.DEBUG:
        raise Http404
    for path in _mail_files():
        if path.name == name:
            return HttpResponse(path.read_text(errors="replace"), content_type="text/plain")
    raise Http404
