"""The e-mail to the depositor once a flux is integrated (or refused): its counts and a link.

Queued in the outbox (chorus/outbox.py) in the transaction that ends the flux, so that it
exists exactly when that event does, once; sent by a task after the commit. A flux ends once
(its row locked, its status checked first): its key is new, queued without a savepoint.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from chorus import outbox
from chorus.emails import render_email
from flux.models import Flux


def done_key(flux: Flux) -> str:
    return f"flux-done:{flux.pk}:"


def queue_flux_done(flux: Flux) -> None:
    user = flux.depositor
    context = {
        "flux": flux,
        "user": user,
        "url": settings.SITE_URL + reverse("flux:detail", args=[flux.pk]),
    }
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject, body, html = render_email(
            subject="flux/emails/done_subject.txt",
            text="flux/emails/done.txt",
            html="flux/emails/done.html",
            context=context,
        )
    key = f"{done_key(flux)}{user.pk}"
    email = outbox.Email(key=key, to=user.contact_email or user.email, subject=subject,
                         body=body, html=html)  # fmt: skip
    outbox.emails_queue_new([email])
    outbox.deliver_after_commit(done_key(flux))
