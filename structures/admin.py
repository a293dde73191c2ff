"""Django admin: the administrators' tool for public structures, their services and agents,
the SIRENE directory, memberships and the billing mandate."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.http import logged_in_user
from chorus.admin import FrozenTextAdmin, ReadOnlyInline, ReadOnlyModelAdmin
from structures import services
from structures.errors import StructureError
from structures.models import (
    BankAccount,
    MandateEvent,
    MandateSignature,
    MandateVersion,
    Membership,
    Service,
    SireneEstablishment,
    SireneLegalUnit,
    Structure,
    StructureEvent,
)


class EstimatedCountPaginator(Paginator):
    """The directory holds 40 million rows: an unfiltered list shows PostgreSQL's estimate
    instead of counting them all on every page."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if (
            connection.vendor == "postgresql"
            and isinstance(queryset, QuerySet)
            and not queryset.query.where
        ):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > 100_000:
                return int(row[0])
        return super().count


@admin.register(SireneEstablishment)
class SireneEstablishmentAdmin(admin.ModelAdmin):
    list_display = ["siret", "name", "postal_code", "city", "is_active", "is_public_body"]
    list_filter = ["is_active", "is_public_body"]
    # Exact numbers and a name prefix: a substring search would scan 40 million rows.
    search_fields = ["=siret", "=siren", "^name"]
    readonly_fields = ["updated_at"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


@admin.register(SireneLegalUnit)
class SireneLegalUnitAdmin(admin.ModelAdmin):
    list_display = ["siren", "name", "acronym", "legal_category", "is_active", "is_public_body"]
    list_filter = ["is_active", "is_public_body"]
    search_fields = ["=siren", "^name"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["code", "name", "is_active", "engagement_required", "valid_from", "valid_until"]


class MembershipInlineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        principals = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == Membership.Role.PRINCIPAL
            and form.cleaned_data.get("status") == Membership.Status.APPROVED
        ]
        if len(principals) > 1:
            raise forms.ValidationError(_("Une structure a un seul gestionnaire principal validé."))


class MembershipInline(admin.TabularInline):
    """Agents of a public structure are attached here by an administrator, with their
    services. The roles are read only: a company's new principal manager is named from the
    member's support request (admin action on the ticket, ``principal_appoint``), which
    writes the audit row and sends the e-mails; the principal hands over from the portal."""

    model = Membership
    formset = MembershipInlineFormSet
    fk_name = "structure"
    extra = 0
    fields = ["user", "role", "status", "can_modify", "services", "requested_at", "decided_at"]
    readonly_fields = ["role", "requested_at", "decided_at"]
    autocomplete_fields = ["user"]

    def get_formset(self, request: HttpRequest, obj: Structure | None = None, **kwargs):
        self._parent = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "services":
            parent = getattr(self, "_parent", None)
            kwargs["queryset"] = (
                Service.objects.filter(structure=parent) if parent else Service.objects.none()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class BankAccountInline(ReadOnlyInline):
    """A structure's bank accounts, read only: its managers keep them on the portal."""

    model = BankAccount
    # Named read only as well: the model form refuses non-editable fields (created_at).
    readonly_fields = (
        "label",
        "iban",
        "bic",
        "is_default",
        "is_active",
        "created_at",
        "created_by",
    )
    fields = readonly_fields


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "identifier_type", "identifier", "city", "is_public", "is_active"]
    list_filter = [
        "is_public",
        "is_active",
        "is_closed",
        "identifier_type",
        "service_code_required",
    ]
    search_fields = ["identifier", "name"]
    readonly_fields = ["created_at"]
    inlines = [ServiceInline, MembershipInline, BankAccountInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "identifier_type",
                    "identifier",
                    "name",
                    "is_public",
                    "is_active",
                    "is_closed",
                ]
            },
        ),
        (_("Adresse"), {"fields": ["address", "postal_code", "city", "country", "vat_number"]}),
        (_("Contact"), {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        (
            _("Paramètres de réception des factures"),
            {
                "fields": [
                    "service_code_required",
                    "engagement_required",
                    "engagement_or_service_required",
                    "payment_status_reported",
                    "keeps_engagement_register",
                ]
            },
        ),
        (None, {"fields": ["created_at"]}),
    ]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "structure", "is_active", "engagement_required", "valid_until"]
    list_filter = ["is_active", "engagement_required"]
    search_fields = ["code", "name", "structure__name", "structure__identifier"]
    autocomplete_fields = ["structure"]
    list_select_related = ["structure"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "structure":
            kwargs["queryset"] = Structure.objects.filter(is_public=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "structure", "role", "status", "can_modify", "requested_at"]
    list_filter = ["status", "role", "can_modify", "structure__is_public"]
    search_fields = ["user__email", "user__last_name", "structure__name", "structure__identifier"]
    autocomplete_fields = ["user", "structure", "decided_by"]
    filter_horizontal = ["services"]
    list_select_related = ["user", "structure"]
    # Roles change through the portal's services only (see MembershipInline).
    readonly_fields = ["role", "requested_at", "refusal_reason"]
    actions = ("name_public_principal",)

    @admin.action(description=_("Nommer gestionnaire principal de sa structure publique"))
    def name_public_principal(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        """A public structure's principal manager, named through the service (audit row, the
        former principal an ordinary member), never by editing the role."""
        if queryset.count() != 1:
            self.message_user(request, gettext("Choisissez un seul rattachement."), messages.ERROR)
            return
        membership = queryset.select_related("user", "structure").get()
        try:
            services.public_principal_name(
                structure=membership.structure, user=membership.user, by=logged_in_user(request)
            )
        except StructureError as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return
        self.message_user(
            request,
            gettext("%(user)s est le gestionnaire principal de « %(structure)s ».")
            % {"user": membership.user, "structure": membership.structure.name},
            messages.SUCCESS,
        )


@admin.register(StructureEvent)
class StructureEventAdmin(ReadOnlyModelAdmin):
    """The audit trail of profiles, bank accounts and managers: read only."""

    list_display = ["structure", "action", "user", "member", "detail", "at"]
    list_filter = ["action"]
    search_fields = ["structure__name", "structure__identifier", "user__email", "member__email"]
    list_select_related = ["structure", "user", "member"]
    readonly_fields = ["structure", "action", "user", "member", "detail", "at"]


@admin.register(MandateVersion)
class MandateVersionAdmin(FrozenTextAdmin):
    list_display = ["version", "title", "published_at"]
    search_fields = ["version", "title"]
    list_filter = ["published_at"]


@admin.register(MandateSignature)
class MandateSignatureAdmin(admin.ModelAdmin):
    """Proofs of signature: read only."""

    list_display = ["structure", "mandate", "signed_by", "signed_at", "ip_address", "revoked_at"]
    list_filter = ["mandate", "signed_at", "revoked_at"]
    search_fields = ["structure__name", "structure__identifier", "signed_by__email"]
    list_select_related = ["structure", "mandate", "signed_by"]
    readonly_fields = [
        "structure",
        "mandate",
        "signed_by",
        "signed_at",
        "ip_address",
        "text_sha256",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(MandateEvent)
class MandateEventAdmin(ReadOnlyModelAdmin):
    """The mandate's audit trail (signatures, revocations): read only."""

    list_display = ["structure", "action", "mandate", "user", "at", "ip_address"]
    list_filter = ["action", "mandate"]
    search_fields = ["structure__name", "structure__identifier", "user__email"]
    list_select_related = ["structure", "mandate", "user"]
    readonly_fields = [
        "structure",
        "mandate",
        "action",
        "user",
        "at",
        "ip_address",
        "text_sha256",
    ]
