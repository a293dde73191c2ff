"""Structures (companies and public bodies), their services, members and billing mandate."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from chorus.append_only import AppendOnly
from chorus.signed_texts import FrozenOnceAccepted
from structures.siret import format_siret


class SireneEstablishment(models.Model):
    """One establishment of INSEE's SIRENE directory, as imported by ``import_sirene``."""

    siret = models.CharField(_("SIRET"), max_length=14, primary_key=True)
    # Indexed through Meta.indexes: a plain b-tree, without the LIKE index Django would add on
    # PostgreSQL, which slowed the 40-million-row import for no query.
    siren = models.CharField(_("SIREN"), max_length=9)
    name = models.CharField(_("dénomination"), max_length=255, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    legal_category = models.CharField(_("catégorie juridique"), max_length=4, blank=True)
    is_public_body = models.BooleanField(
        _("personne morale de droit public"),
        default=False,
        help_text=_(
            "Tiré de la catégorie juridique de l’unité légale : 4xxx (personne morale de droit "
            "public soumise au droit commercial) ou 7xxx (personne morale de droit administratif)."
        ),
    )
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("établissement SIRENE")
        verbose_name_plural = _("établissements SIRENE")
        indexes = [models.Index(fields=["siren"], name="sirene_siren")]

    def __str__(self) -> str:
        return f"{self.siret} {self.name}"


class SireneLegalUnit(models.Model):
    """One legal unit (company, sole trader, public body) of INSEE's SIRENE directory
    (``StockUniteLegale``), one row per SIREN: where the establishments' names and legal
    categories come from, and what the directory search looks through (``directory_search``).

    Kept narrow on purpose (about 25 million rows): no timestamps, no address (the
    establishments have theirs). The search index is an expression index built by the
    migration ``0007_sirene_legal_units`` (full-text GIN, PostgreSQL only)."""

    siren = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("dénomination"), max_length=255, blank=True)
    acronym = models.CharField(_("sigle"), max_length=40, blank=True)
    legal_category = models.CharField(_("catégorie juridique"), max_length=4, blank=True)
    is_public_body = models.BooleanField(_("personne morale de droit public"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # The head office's NIC (nicSiegeUniteLegale): the search offers this establishment first.
    head_office_nic = models.CharField(_("NIC du siège"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("unité légale SIRENE")
        verbose_name_plural = _("unités légales SIRENE")

    def __str__(self) -> str:
        return f"{self.siren} {self.name}"


class Structure(models.Model):
    """A party of the portal: a supplier company or a public recipient."""

    class IdentifierType(models.TextChoices):
        SIRET = "SIRET", "SIRET"
        UE_HORS_FRANCE = "UE_HORS_FRANCE", _("Union européenne hors France")
        HORS_UE = "HORS_UE", _("Hors Union européenne")
        RIDET = "RIDET", "RIDET"
        TAHITI = "TAHITI", _("Numéro Tahiti")
        AUTRE = "AUTRE", _("Autre")
        PARTICULIER = "PARTICULIER", _("Particulier")

    identifier_type = models.CharField(
        _("type d'identifiant"),
        max_length=20,
        choices=IdentifierType.choices,
        default=IdentifierType.SIRET,
    )
    identifier = models.CharField(_("identifiant"), max_length=80)
    name = models.CharField(_("raison sociale"), max_length=255)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, default="FR")
    vat_number = models.CharField(_("numéro de TVA intracommunautaire"), max_length=20, blank=True)
    # The structure's profile: whom the public bodies (and the portal) reach about its invoices.
    contact_name = models.CharField(_("nom du contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("adresse électronique du contact"), blank=True)
    contact_phone = models.CharField(_("téléphone du contact"), max_length=30, blank=True)
    is_public = models.BooleanField(_("structure publique"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Carried from the directory by each import (``etatAdministratifEtablissement = F``): a
    # closed establishment deposits nothing; its members still read what it sent.
    is_closed = models.BooleanField(
        _("établissement fermé (SIRENE)"),
        default=False,
        help_text=_("Selon le répertoire SIRENE ; mis à jour à chaque import."),
    )
    # Settings of a recipient for the invoices it receives (Chorus Pro's names).
    service_code_required = models.BooleanField(_("code service obligatoire"), default=False)
    engagement_required = models.BooleanField(_("numéro d'engagement obligatoire"), default=False)
    engagement_or_service_required = models.BooleanField(
        _("numéro d'engagement ou code service obligatoire"), default=False
    )
    payment_status_reported = models.BooleanField(
        _("statut de mise en paiement remonté"), default=True
    )
    keeps_engagement_register = models.BooleanField(
        _("tient un registre des engagements juridiques"),
        default=False,
        help_text=_("Si oui, le routage vérifie que l'EJ existe et appartient au fournisseur."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier_type", "identifier"], name="structure_identifier_unique"
            ),
        ]
        indexes = [
            # The search to join a structure: a SIRET prefix (LIKE 'abc%' needs the pattern
            # operator class on PostgreSQL) or the exact name, case aside (UPPER(name) = …).
            models.Index(
                fields=["identifier"],
                name="structure_identifier_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(Upper("name"), name="structure_name_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({format_siret(self.identifier)})"

    @property
    def siret(self) -> str | None:
        return self.identifier if self.identifier_type == self.IdentifierType.SIRET else None


class Service(models.Model):
    """A service of a public structure, addressed by its code (the "code service", SE)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="services")
    code = models.CharField(_("code service"), max_length=100)
    name = models.CharField(_("libellé"), max_length=255)
    is_active = models.BooleanField(_("actif"), default=True)
    valid_from = models.DateField(_("valide à partir du"), null=True, blank=True)
    valid_until = models.DateField(_("valide jusqu'au"), null=True, blank=True)
    engagement_required = models.BooleanField(_("numéro d'engagement obligatoire"), default=False)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["structure", "code"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="service_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Membership(models.Model):
    """A user's attachment to a structure: requested, then approved or refused."""

    class Role(models.TextChoices):
        PRINCIPAL = "PRINCIPAL", _("Gestionnaire principal")
        SECONDARY = "SECONDARY", _("Gestionnaire secondaire")
        MEMBER = "MEMBER", _("Utilisateur")

    class Status(models.TextChoices):
        PENDING = "PENDING", _("En attente de validation")
        APPROVED = "APPROVED", _("Validé")
        REFUSED = "REFUSED", _("Refusé")
        DETACHED = "DETACHED", _("Détaché")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("structure")
    )
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    can_modify = models.BooleanField(
        _("droit de modification"),
        default=True,
        help_text=_("Sans ce droit, l'utilisateur consulte seulement."),
    )
    # For agents of a public structure: the services whose invoices they receive.
    services = models.ManyToManyField(
        Service, blank=True, related_name="agents", verbose_name=_("services")
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    # Said to the requester (page and e-mail) when the request is refused; emptied on a new one.
    refusal_reason = models.TextField(_("motif du refus"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        constraints = [
            models.UniqueConstraint(fields=["user", "structure"], name="membership_unique"),
            # At most one principal manager per structure, enforced by the database.
            models.UniqueConstraint(
                fields=["structure"],
                condition=Q(role="PRINCIPAL", status="APPROVED"),
                name="one_principal_per_structure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.structure} ({self.get_status_display()})"

    @property
    def is_principal(self) -> bool:
        return self.role == self.Role.PRINCIPAL and self.status == self.Status.APPROVED

    @property
    def is_manager(self) -> bool:
        """Principal or secondary manager: decides on requests and keeps the profile."""
        return self.status == self.Status.APPROVED and self.role in MANAGER_ROLES


MANAGER_ROLES = (Membership.Role.PRINCIPAL, Membership.Role.SECONDARY)


class BankAccount(models.Model):
    """A bank account of a structure, offered on its invoices instead of a typed IBAN.

    Never deleted once an invoice of the structure carries its IBAN (it is deactivated
    instead); at most one default per structure, and the default is active."""

    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="bank_accounts")
    label = models.CharField(_("libellé"), max_length=100)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    is_default = models.BooleanField(_("compte par défaut"), default=False)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("ajouté le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ajouté par"),
    )

    class Meta:
        verbose_name = _("compte bancaire")
        verbose_name_plural = _("comptes bancaires")
        ordering = ["-is_default", "-is_active", "label", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "iban"], name="bank_account_iban_once_per_structure"
            ),
            models.UniqueConstraint(
                fields=["structure"],
                condition=Q(is_default=True),
                name="bank_account_one_default",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(is_active=True),
                name="bank_account_default_is_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} — {self.iban_display}"

    @property
    def iban_display(self) -> str:
        """The IBAN by groups of four, as printed on a bank statement."""
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


class StructureEvent(AppendOnly, models.Model):
    """The audit trail of a structure's profile, bank accounts and managers, and of every
    change an administrator makes to it, its services and members: who did what, when, and a
    short detail (an IBAN, a member, a support ticket, the fields changed). Append-only."""

    class Action(models.TextChoices):
        PROFILE_UPDATED = "PROFILE_UPDATED", _("Profil modifié")
        ACCOUNT_ADDED = "ACCOUNT_ADDED", _("Compte bancaire ajouté")
        ACCOUNT_DEFAULT = "ACCOUNT_DEFAULT", _("Compte bancaire par défaut")
        ACCOUNT_DEACTIVATED = "ACCOUNT_DEACTIVATED", _("Compte bancaire désactivé")
        ACCOUNT_REACTIVATED = "ACCOUNT_REACTIVATED", _("Compte bancaire réactivé")
        ACCOUNT_DELETED = "ACCOUNT_DELETED", _("Compte bancaire supprimé")
        SECONDARY_NAMED = "SECONDARY_NAMED", _("Gestionnaire secondaire nommé")
        SECONDARY_REMOVED = "SECONDARY_REMOVED", _("Gestionnaire secondaire retiré")
        PRINCIPAL_HANDED_OVER = (
            "PRINCIPAL_HANDED_OVER",
            _("Rôle de gestionnaire principal transmis"),
        )
        PRINCIPAL_APPOINTED = (
            "PRINCIPAL_APPOINTED",
            _("Gestionnaire principal nommé par l’administrateur"),
        )
        REQUEST_REFUSED = "REQUEST_REFUSED", _("Demande de rattachement refusée")
        # An administrator's changes in Django admin (``services_admin``).
        STRUCTURE_CREATED = "STRUCTURE_CREATED", _("Structure créée par l’administrateur")
        STRUCTURE_UPDATED = "STRUCTURE_UPDATED", _("Structure modifiée par l’administrateur")
        SERVICE_ADDED = "SERVICE_ADDED", _("Service ajouté")
        SERVICE_UPDATED = "SERVICE_UPDATED", _("Service modifié")
        SERVICE_DEACTIVATED = "SERVICE_DEACTIVATED", _("Service désactivé")
        MEMBER_ADDED = "MEMBER_ADDED", _("Agent rattaché par l’administrateur")
        REQUEST_APPROVED = "REQUEST_APPROVED", _("Demande de rattachement acceptée")
        MEMBER_DETACHED = "MEMBER_DETACHED", _("Membre détaché")
        RIGHTS_CHANGED = "RIGHTS_CHANGED", _("Droits du membre modifiés")
        SERVICES_CHANGED = "SERVICES_CHANGED", _("Services du membre modifiés")

    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    # The member the event is about (a new manager, a refused requester), if any.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membre concerné"),
    )
    detail = models.CharField(_("détail"), max_length=500, blank=True)
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de la structure")
        verbose_name_plural = _("événements de la structure")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["structure", "-at"], name="structure_event_at")]

    def __str__(self) -> str:
        return f"{self.structure} — {self.get_action_display()}"

    @property
    def detail_display(self) -> str:
        """The detail as people read it: a change of the structure names the fields by their
        labels (the row keeps their stable names)."""
        if self.action not in (self.Action.PROFILE_UPDATED, self.Action.STRUCTURE_UPDATED):
            return self.detail
        names = [name.strip() for name in self.detail.split(",") if name.strip()]
        labels = []
        for name in names:
            try:
                field = Structure._meta.get_field(name)
            except FieldDoesNotExist:
                labels.append(name)
                continue
            # A reverse relation has no verbose name: its stable name stays.
            labels.append(str(field.verbose_name) if isinstance(field, models.Field) else name)
        return ", ".join(labels)


class MandateVersion(FrozenOnceAccepted, models.Model):
    """A published version of the billing mandate (mandat de facturation); once a structure
    signed it, its text never changes (a new text is a new version)."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    published_at = models.DateTimeField(_("publiée le"))

    class Meta:
        verbose_name = _("version du mandat de facturation")
        verbose_name_plural = _("versions du mandat de facturation")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return f"Mandat {self.version}"

    def is_accepted(self) -> bool:
        return self.signatures.exists()


class MandateSignature(models.Model):
    """The signature of the billing mandate for a structure by its principal manager, until
    it is revoked; signing again after a revocation is a new signature."""

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="mandate_signatures"
    )
    mandate = models.ForeignKey(MandateVersion, on_delete=models.PROTECT, related_name="signatures")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mandate_signatures"
    )
    signed_at = models.DateTimeField(_("signé le"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    # Empty for signatures recorded before the digest was kept.
    text_sha256 = models.CharField(_("empreinte SHA-256 du texte signé"), max_length=64, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("révoqué par"),
    )

    class Meta:
        verbose_name = _("signature du mandat")
        verbose_name_plural = _("signatures du mandat")
        constraints = [
            models.UniqueConstraint(
                fields=["structure", "mandate"],
                condition=Q(revoked_at__isnull=True),
                name="mandate_signed_once_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.structure} — {self.mandate}"


class MandateEvent(AppendOnly, models.Model):
    """The audit trail of a structure's billing mandate: each signature and revocation, who,
    when, from which address, and the SHA-256 of the text. Append-only."""

    class Action(models.TextChoices):
        SIGNED = "SIGNED", _("Signature")
        REVOKED = "REVOKED", _("Révocation")

    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="mandate_events"
    )
    mandate = models.ForeignKey(MandateVersion, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    text_sha256 = models.CharField(_("empreinte SHA-256 du texte"), max_length=64)

    class Meta:
        verbose_name = _("événement du mandat")
        verbose_name_plural = _("événements du mandat")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.structure} — {self.get_action_display()} — {self.mandate}"


# --- notice preferences -------------------------------------------------------------------------
# How often each member of a structure hears of what happens there, per kind of event. One row
# per membership, made when the member first changes the defaults: no row reads as "one e-mail
# per event", the portal's only behaviour before preferences existed.
class Frequency(models.TextChoices):
    IMMEDIATE = "IMMEDIATE", _("Un courriel à chaque événement")
    DAILY = "DAILY", _("Un résumé par jour")
    WEEKLY = "WEEKLY", _("Un résumé par semaine")
    NONE = "NONE", _("Aucun courriel")


class Topic(models.TextChoices):
    INVOICES = "invoices", _("Factures : dépôts et changements de statut")
    REQUESTS = "requests", _("Demandes de rattachement à la structure")


class NoticePreference(models.Model):
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="notice_preference"
    )
    invoices = models.CharField(
        Topic.INVOICES.label, max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    requests = models.CharField(
        Topic.REQUESTS.label, max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"{self.membership}: {self.invoices} / {self.requests}"
