"""The daily and weekly digests: one e-mail per user and period, listing what happened in the
structures where they chose a digest instead of one e-mail per event, and sent only when
something happened.

A period is a calendar day or an ISO week in the portal's time zone, sent by beat once it has
ended. Each user's digest of a period is queued in the outbox under a key naming the period, so
that a beat that runs twice, or a run that catches up the period before a missed one, never
sends it twice. A topic counts from the moment its preference was last changed: events before
that were already told one by one (or not at all, as asked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from chorus import outbox
from chorus.emails import render_email
from chorus.models import OutgoingEmail
from invoices import selectors as invoices
from structures import selectors as structures
from structures.models import Frequency, Membership, NoticePreference

# At most this many events are listed by name in each part of a digest; the rest are counted.
LISTED = 20


@dataclass(frozen=True)
class Period:
    frequency: Frequency
    start: dt.datetime
    end: dt.datetime
    label: str  # "2026-12-06", "2026-W49": the period's part of the outbox key


def period_ending_before(frequency: Frequency, moment: dt.datetime) -> Period:
    """The last whole day (or ISO week) that ended at or before ``moment``, in local time."""
    today = timezone.localtime(moment).date()
    if frequency == Frequency.DAILY:
        first, last = today - dt.timedelta(days=1), today
        label = first.isoformat()
    elif frequency == Frequency.WEEKLY:
        last = today - dt.timedelta(days=today.weekday())
        first = last - dt.timedelta(days=7)
        year, week, _day = first.isocalendar()
        label = f"{year}-W{week:02d}"
    else:
        raise ValueError(f"no digest for {frequency}")
    return Period(frequency, _midnight(first), _midnight(last), label)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def previous(period: Period) -> Period:
    return period_ending_before(period.frequency, period.start)


@dataclass
class Part:
    """What one digest says of one structure."""

    membership: Membership
    changes: list[Any] = field(default_factory=list)  # the supplier's invoices' status changes
    received: list[Any] = field(default_factory=list)  # the invoices made available to the agent
    requests: list[Membership] = field(default_factory=list)  # the attachment requests

    @property
    def count(self) -> int:
        return len(self.changes) + len(self.received) + len(self.requests)


def digest_parts(preferences: list[NoticePreference], period: Period) -> list[Part]:
    """The non-empty parts of one user's digest of ``period``."""
    parts = []
    for preference in preferences:
        membership = preference.membership
        part = Part(membership)
        start = max(period.start, preference.updated_at)
        if preference.invoices == period.frequency:
            # A supplier's members hear of what it sent, a public structure's agents of what
            # they received (as the invoices' selectors scope them): never a query that can
            # only come back empty.
            if membership.structure.is_public:
                part.received = list(invoices.received_between(membership, start, period.end))
            else:
                part.changes = list(
                    invoices.supplier_changes_between(membership.structure_id, start, period.end)
                )
        if preference.requests == period.frequency and structures.manages_requests(membership):
            part.requests = list(
                structures.requests_between(membership.structure_id, start, period.end).exclude(
                    user_id=membership.user_id
                )
            )
        if part.count:
            parts.append(part)
    return parts


def digests_send(frequency: Frequency, *, now: dt.datetime | None = None) -> int:
    """Queue and send the digests of the period just ended, and of the one before if it was
    missed; returns how many were queued now."""
    period = period_ending_before(frequency, now or timezone.now())
    queued = 0
    for each in (previous(period), period):
        keys = _queue_period(each)
        queued += len(keys)
        if keys:
            outbox.deliver_after_commit(f"digest:{each.frequency}:{each.label}:")
    return queued


def _queue_period(period: Period) -> list[str]:
    prefix = f"digest:{period.frequency}:{period.label}:"
    done = set(OutgoingEmail.objects.filter(key__startswith=prefix).values_list("key", flat=True))
    keys = []
    preferences = structures.deferred_preferences(period.frequency)
    for _user_id, group in groupby(preferences, key=lambda p: p.membership.user_id):
        mine = list(group)
        user = mine[0].membership.user
        key = f"{prefix}{user.pk}"
        if key in done:
            continue
        parts = digest_parts(mine, period)
        if parts and _queue(user, parts, period, key):
            keys.append(key)
    return keys


def _queue(user: Any, parts: list[Part], period: Period, key: str) -> bool:
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "parts": parts,
            "count": sum(part.count for part in parts),
            "weekly": period.frequency == Frequency.WEEKLY,
            "first_day": timezone.localtime(period.start).date(),
            "last_day": timezone.localtime(period.end).date() - dt.timedelta(days=1),
            "listed": LISTED,
            "site_url": settings.SITE_URL,
            "sent_url": settings.SITE_URL + reverse("invoices:sent"),
            "received_url": settings.SITE_URL + reverse("invoices:received"),
            "preferences_url": settings.SITE_URL + reverse("digests:preferences"),
        }
        subject, text, html = render_email(
            subject="digests/email/digest_subject.txt",
            text="digests/email/digest.txt",
            html="digests/email/digest.html",
            context=context,
        )
    return outbox.email_queue(
        key=key, to=user.contact_email or user.email, subject=subject, body=text, html=html
    )


def preferences_of(user: Any) -> list[tuple[Membership, NoticePreference]]:
    """The user's approved memberships, each with its preference (unsaved defaults if none)."""
    memberships = structures.approved_memberships(user)
    saved = {
        p.membership_id: p
        for p in NoticePreference.objects.filter(membership__in=[m.pk for m in memberships])
    }
    return [(m, saved.get(m.pk) or NoticePreference(membership=m)) for m in memberships]


def preferences_set(user: Any, membership_id: int, *, invoices: str, requests: str) -> None:
    """Change how ``user`` hears of one of their structures; only their own approved memberships."""
    membership = structures.approved_memberships(user).get(pk=membership_id)
    if invoices not in Frequency.values or requests not in Frequency.values:
        raise ValueError("unknown frequency")
    current = NoticePreference.objects.filter(membership=membership).first()
    if current and (current.invoices, current.requests) == (invoices, requests):
        return  # unchanged: keep the moment the digest counts from
    NoticePreference.objects.update_or_create(
        membership=membership, defaults={"invoices": invoices, "requests": requests}
    )
