"""Tickets of visitors with no account: "Nous contacter" and the private follow-up link."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from support import selectors, services, throttle
from support.forms import ContactForm
from support.views.common import act, detail_context, serve_attachment
from support.workflow import Side

_SESSION_KEY = "support_contact_done"


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "support/contact.html", {"form": ContactForm()})
    address = throttle.client_address(request)
    if not throttle.contact_allowed(address):
        return render(request, "support/contact_throttled.html", status=429)
    throttle.contact_attempt_record(address=address)
    form = ContactForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "support/contact.html", {"form": form}, status=400)
    data = form.cleaned_data
    ticket = services.ticket_contact_create(
        email=data["email"],
        category=data["category"],
        subcategory=data["subcategory"],
        title=data["title"],
        description=data["description"],
        attachment=data["attachment"],
    )
    # The answer page shows the private link once, from the session: never in a URL of ours
    # that could land in a log or a Referer header.
    request.session[_SESSION_KEY] = ticket.pk
    return redirect("support:contact-done")


@never_cache
def contact_done(request: HttpRequest) -> HttpResponse:
    ticket_id = request.session.pop(_SESSION_KEY, None)
    ticket = selectors.visitor_ticket(ticket_id) if ticket_id else None
    if ticket is None:
        return redirect("support:contact")
    # The address the visitor is using right now (the e-mail, sent later, uses SITE_URL).
    link = request.build_absolute_uri(reverse("support:follow", args=[ticket.follow_token]))
    return render(request, "support/contact_done.html", {"ticket": ticket, "link": link})


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, token: str) -> HttpResponse:
    ticket = selectors.ticket_by_follow_token(token)
    if ticket is None:
        raise Http404
    extra = {"follow_token": token}
    if request.method == "POST":
        response = act(
            request,
            ticket,
            sides={Side.SENDER},
            follow_token=token,
            template="support/ticket_detail.html",
            extra=extra,
        )
        return response or redirect("support:follow", token=token)
    context = {**detail_context(ticket, {Side.SENDER}), **extra}
    return render(request, "support/ticket_detail.html", context)


@never_cache
def follow_attachment(request: HttpRequest, token: str, attachment_id: int) -> FileResponse:
    ticket = selectors.ticket_by_follow_token(token)
    attachment = selectors.ticket_attachment(ticket, attachment_id) if ticket else None
    if attachment is None:
        raise Http404
    return serve_attachment(attachment)
