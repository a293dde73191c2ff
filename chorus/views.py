from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


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
    mails = [{"name": p.name, "text": p.read_text(errors="replace")} for p in _mail_files()[:50]]
    return render(request, "dev_mailbox.html", {"mails": mails})


def dev_mail(request: HttpRequest, name: str) -> HttpResponse:
    for path in _mail_files():
        if path.name == name:
            return HttpResponse(path.read_text(errors="replace"), content_type="text/plain")
    raise Http404
