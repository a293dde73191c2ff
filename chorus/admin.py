from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy

from chorus import outbox
from chorus.models import IdempotencyKey, OutgoingEmail
from chorus.signed_texts import FROZEN_FIELDS, FrozenOnceAccepted

# The portal's name, not "Administration de Django".
admin.site.site_header = format_lazy(
    "{} — {}", settings.CHORUS["SITE_TITLE"], gettext_lazy("administration")
)
admin.site.site_title = format_lazy(
    "{} — {}", settings.CHORUS["SITE_TITLE"], gettext_lazy("administration")
)
admin.site.index_title = gettext_lazy("Administration du portail")
# The list pages need the width: their key columns fit at 1280 px without the side menu
# (the breadcrumbs and the index page lead everywhere).
admin.site.enable_nav_sidebar = False


class ReadOnlyModelAdmin(admin.ModelAdmin[Any]):
    """A page that shows records and never writes them: no add, change or delete, whoever asks
    (the outbox, an invoice and its history are records of what happened)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    """The rows of a record shown under it (its lines, files, history, messages), never
    added, changed or deleted from there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin[IdempotencyKey]):
    """Read-only: what the API answered to a write sent with an Idempotency-Key."""

    list_display = ("key", "user", "status_code", "created_at")
    list_filter = ("status_code", "created_at")
    search_fields = ("key", "user__email")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyModelAdmin):
    """The outbox: what was sent, what waits for a retry, what was given up (and can be sent
    again). Read-only otherwise: an e-mail is the record of what the portal said."""

    list_display = ("to", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "created_at")
    search_fields = ("to", "subject", "key")
    actions = ("requeue",)

    @admin.action(description=_("Renvoyer les courriels abandonnés"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        count = outbox.email_requeue(email_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(request, _("%(count)d courriel(s) remis à envoyer.") % {"count": count})


class FrozenTextAdmin(admin.ModelAdmin[Any]):
    """A published text people accept (``chorus.signed_texts``): once accepted, its text is
    shown read only and the version cannot be deleted — a new text is a new version."""

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if isinstance(obj, FrozenOnceAccepted) and obj.is_accepted():
            fields += [f for f in FROZEN_FIELDS if f not in fields] + ["accepted_text_sha256"]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if isinstance(obj, FrozenOnceAccepted) and obj.is_accepted():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_lazy("empreinte SHA-256 du texte"))
    def accepted_text_sha256(self, obj: FrozenOnceAccepted) -> str:
        return obj.text_sha256
