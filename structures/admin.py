"""Django admin: the administrators' tool for public structures, their services and agents,
the SIRENE directory, memberships and the billing mandate. Structures, services and
memberships are written through ``structures.services_admin`` only (``ThroughServicesAdmin``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from chorus.admin import FrozenTextAdmin, ReadOnlyInline, ReadOnlyModelAdmin
from structures import services_admin
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


# --- Writes through the services ------------------------------------------------------------
# Structures, their services and members change through ``structures.services_admin`` only:
# its checks, its audit rows and its e-mails. The admin's forms collect what the administrator
# changed and hand it to a service; a refusal shows on the form and nothing is written.
REFUSAL = "_structures_admin_refusal"


def _refusal_message(exc: StructureError | ValidationError) -> str:
    if isinstance(exc, StructureError):
        return exc.message
    return " ".join(exc.messages)


def _admin(request: HttpRequest) -> User:
    """The administrator at work (the admin's pages let only staff accounts in)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def _copy(saved: models.Model, into: models.Model) -> None:
    """The row the service saved, into the object the admin's form and inlines hold."""
    for field in saved._meta.concrete_fields:
        setattr(into, field.attname, getattr(saved, field.attname))
    into._state.adding = False


class ThroughServicesAdmin(admin.ModelAdmin):
    """A model admin that never saves or deletes a row itself: ``save_model`` and the inlines'
    ``save_formset`` call services (``formset_savers`` names the inlines' models it knows),
    deletions are refused (a structure and a service are deactivated, a member detached)."""

    formset_savers: dict[type[models.Model], str] = {}

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except (StructureError, ValidationError) as exc:
            # Everything the service and the admin wrote is rolled back; the same form is
            # shown again, as posted, with the service's reason as its error.
            setattr(request, REFUSAL, _refusal_message(exc))
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, REFUSAL, None)
        if refusal is None:
            return form

        # ``form`` is a class built at run time: mypy cannot take it for a base class.
        class RefusedForm(form):  # type: ignore[valid-type,misc]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                self.add_error(None, refusal)
                return cleaned

            def _post_clean(self) -> None:
                # The object keeps what is stored (the page's title names it as it is); the
                # posted values stay in the form's fields.
                pass

        return RefusedForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        raise NotImplementedError  # each admin names its service

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The form's many-to-many relations are not saved here: the services write them.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        saver = self.formset_savers.get(formset.model)
        changed = [f for f in formset.forms if f.has_changed()]
        if saver is None:
            if changed:  # a read-only inline: nothing to save, ever
                raise PermissionDenied
            return
        for inline_form in changed:
            obj = getattr(self, saver)(request, form.instance, inline_form)
            if inline_form.instance.pk is None:
                formset.new_objects.append(obj)
            else:
                formset.changed_objects.append((obj, inline_form.changed_data))
            _copy(obj, inline_form.instance)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        raise PermissionDenied

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        raise PermissionDenied

    # The services behind the inlines (``formset_savers``): each returns the saved row.
    def save_service_form(self, request: HttpRequest, structure: Structure, form: Any) -> Service:
        data = form.cleaned_data
        instance = form.instance
        return services_admin.service_save(
            by=_admin(request),
            structure=structure,
            service_id=instance.pk,
            code=data.get("code", instance.code),
            name=data.get("name", instance.name),
            is_active=data.get("is_active", instance.is_active),
            engagement_required=data.get("engagement_required", instance.engagement_required),
            valid_from=data.get("valid_from", instance.valid_from),
            valid_until=data.get("valid_until", instance.valid_until),
        )

    def save_membership_form(
        self, request: HttpRequest, structure: Structure, form: Any
    ) -> Membership:
        data = form.cleaned_data
        if form.instance.pk is None:
            if data.get("status", Membership.Status.APPROVED) != Membership.Status.APPROVED:
                raise StructureError(
                    gettext(
                        "Un agent rattaché par l’administrateur est validé : choisissez « Validé »."
                    )
                )
            return services_admin.member_add(
                by=_admin(request),
                structure=structure,
                user=data["user"],
                can_modify=data.get("can_modify", True),
                services=data.get("services", ()),
            )
        if "user" in form.changed_data:
            raise StructureError(
                gettext("Un rattachement garde son utilisateur : rattachez l’autre à part.")
            )
        return services_admin.member_change(
            by=_admin(request),
            membership_id=form.instance.pk,
            status=data.get("status"),
            can_modify=data.get("can_modify"),
            services=data.get("services"),
            reason=data.get("refusal_reason"),
        )


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    can_delete = False  # deactivated instead: invoices name it
    fields = ["code", "name", "is_active", "engagement_required", "valid_from", "valid_until"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A company has no service (a structure being created may be public).
        return (obj is None or obj.is_public) and super().has_add_permission(request, obj)


class MembershipInline(admin.TabularInline):
    """Agents of a public structure are attached here by an administrator, with their
    services; requests are approved or refused (with a reason), members detached and their
    rights set, each through ``services_admin``. The roles are read only: a company's new
    principal manager is named from the member's support request (admin action on the ticket,
    ``principal_appoint``), a public structure's from the memberships' list (admin action);
    the principal hands over from the portal."""

    model = Membership
    fk_name = "structure"
    extra = 0
    can_delete = False  # detached instead (status)
    fields = [
        "user",
        "role",
        "status",
        "can_modify",
        "services",
        "refusal_reason",
        "requested_at",
        "decided_at",
    ]
    readonly_fields = ["role", "requested_at", "decided_at"]
    autocomplete_fields = ["user"]

    def get_formset(self, request: HttpRequest, obj: Structure | None = None, **kwargs):
        self._parent = obj
        return super().get_formset(request, obj, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People join a company from the portal; the admin attaches a public structure's agents.
        return (obj is None or obj.is_public) and super().has_add_permission(request, obj)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "refusal_reason":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 30})
        if db_field.name == "status":
            kwargs["initial"] = Membership.Status.APPROVED
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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
class StructureAdmin(ThroughServicesAdmin):
    """Structures, their services and members; every change through ``services_admin``."""

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
    formset_savers = {Service: "save_service_form", Membership: "save_membership_form"}
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The identifier is given once, at creation.
        fixed = ["identifier_type", "identifier"] if obj is not None else []
        return [*self.readonly_fields, *fixed]

    def save_model(self, request: HttpRequest, obj: Structure, form: Any, change: bool) -> None:
        values = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in services_admin.STRUCTURE_FIELDS
        }
        if change:
            saved = services_admin.structure_update(
                by=_admin(request), structure=obj, values=values
            )
        else:
            saved = services_admin.structure_create(
                by=_admin(request),
                identifier_type=form.cleaned_data["identifier_type"],
                identifier=form.cleaned_data["identifier"],
                values=values,
            )
        _copy(saved, obj)


@admin.register(Service)
class ServiceAdmin(ThroughServicesAdmin):
    list_display = ["code", "name", "structure", "is_active", "engagement_required", "valid_until"]
    list_filter = ["is_active", "engagement_required"]
    search_fields = ["code", "name", "structure__name", "structure__identifier"]
    autocomplete_fields = ["structure"]
    list_select_related = ["structure"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["structure"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "structure":
            kwargs["queryset"] = Structure.objects.filter(is_public=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        structure = obj.structure if change else form.cleaned_data["structure"]
        _copy(self.save_service_form(request, structure, form), obj)


class MembershipAdminForm(forms.ModelForm):
    """A member's services are offered among their structure's (a new row: among all, the
    service refuses another structure's)."""

    class Meta:
        model = Membership
        fields = ["user", "structure", "status", "can_modify", "services", "refusal_reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = self.fields.get("services")
        if services is not None and self.instance.pk is not None:
            # Form.fields is typed Field: this one is a ModelMultipleChoiceField.
            services.queryset = Service.objects.filter(  # type: ignore[attr-defined]
                structure_id=self.instance.structure_id
            )


@admin.register(Membership)
class MembershipAdmin(ThroughServicesAdmin):
    """Memberships, changed through ``services_admin`` (see MembershipInline)."""

    form = MembershipAdminForm

    list_display = ["user", "structure", "role", "status", "can_modify", "requested_at"]
    list_filter = ["status", "role", "can_modify", "structure__is_public"]
    search_fields = ["user__email", "user__last_name", "structure__name", "structure__identifier"]
    autocomplete_fields = ["user", "structure"]
    filter_horizontal = ["services"]
    list_select_related = ["user", "structure"]
    fields = [
        "user",
        "structure",
        "role",
        "status",
        "can_modify",
        "services",
        "refusal_reason",
        "requested_at",
        "decided_at",
        "decided_by",
    ]
    actions = ["appoint_public_principal"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["role", "requested_at", "decided_at", "decided_by"]
        return fixed + (["user", "structure"] if obj is not None else [])

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "status": Membership.Status.APPROVED,
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        structure = obj.structure if change else form.cleaned_data["structure"]
        _copy(self.save_membership_form(request, structure, form), obj)

    @admin.action(description=_("Nommer gestionnaire principal (structure publique)"))
    def appoint_public_principal(
        self, request: HttpRequest, queryset: QuerySet[Membership]
    ) -> None:
        if queryset.count() != 1:
            self.message_user(request, gettext("Choisissez un seul rattachement."), messages.ERROR)
            return
        try:
            appointed = services_admin.public_principal_appoint(
                by=_admin(request), membership_id=queryset.get().pk
            )
        except StructureError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            gettext("%(email)s est le gestionnaire principal de « %(name)s » ; il en est averti.")
            % {"email": appointed.user.email, "name": appointed.structure.name},
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
