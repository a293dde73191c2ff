"""The notice shown at login when invoices were rejected, suspended or sent back since the
user's previous login (Chorus Pro shows one): the supplier learns at once what needs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from invoices.models import StatusChange
from invoices.selectors import sent_invoices_for
from invoices.workflow import Status

if TYPE_CHECKING:
    from accounts.models import User

NEWS = (Status.REJETEE, Status.SUSPENDUE, Status.A_RECYCLER)
SHOWN = 5  # invoices named in the notice; the list page has the rest


@dataclass(frozen=True)
class Decision:
    invoice_id: int
    number: str
    status: str


def decisions_since(user: User, since: datetime) -> list[Decision]:
    """Rejections, suspensions and sendings back of the user's invoices after ``since``,
    newest first, one per invoice (its latest)."""
    rows = (
        StatusChange.objects.filter(
            invoice__in=sent_invoices_for(user), to_status__in=NEWS, at__gt=since
        )
        .order_by("-at", "-pk")
        .values_list("invoice_id", "invoice__number", "to_status")
    )
    seen: dict[int, Decision] = {}
    for invoice_id, number, status in rows:
        seen.setdefault(invoice_id, Decision(invoice_id, number, status))
    return list(seen.values())


def _counted(status: str, count: int) -> str:
    if status == Status.REJETEE:
        text = ngettext("%(count)d facture rejetée", "%(count)d factures rejetées", count)
    elif status == Status.SUSPENDUE:
        text = ngettext("%(count)d facture suspendue", "%(count)d factures suspendues", count)
    else:
        text = ngettext("%(count)d facture à recycler", "%(count)d factures à recycler", count)
    return text % {"count": count}


def notice(decisions: list[Decision], since: datetime) -> SafeString:
    counts = {status: sum(1 for d in decisions if d.status == status) for status in NEWS}
    news = ", ".join(_counted(status, n) for status, n in counts.items() if n)
    links = format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        ((reverse("invoices:detail", args=[d.invoice_id]), d.number) for d in decisions[:SHOWN]),
    )
    text = _("Depuis votre dernière connexion (%(when)s) : %(news)s. Voir %(links)s.")
    # The sentence comes from the catalogue; what goes into it is escaped, the links built above.
    return mark_safe(  # noqa: S308
        conditional_escape(text)
        % {
            "when": escape(date_format(timezone.localtime(since), "SHORT_DATETIME_FORMAT")),
            "news": escape(news),
            "links": links,
        }
    )


def on_login(
    sender: type,
    user: User,
    request: HttpRequest | None,
    previous_login: datetime | None,
    **kwargs: object,
) -> None:
    """Receiver of ``accounts.signals.login_recorded``."""
    if request is None or previous_login is None:
        return  # a first login: there was no "last visit"
    decisions = decisions_since(user, previous_login)
    if decisions:
        messages.warning(request, notice(decisions, previous_login), fail_silently=True)
