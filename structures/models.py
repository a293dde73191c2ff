"""Structures (companies and public bodies), their services, members and billing mandate."""

from __future__ import annotations

from django.conf import settings
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
            "Indice tiré de la catégorie juridique (7xxx : personne morale de droit public)."
        ),
    )
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("établissement SIRENE")
        verbose_name_plural = _("établissements SIRENE")
        indexes = [models.Index(fields=["siren"], name="sirene_siren")]

    def __str__(self) -> str:
        return f"{self.siret} {self.name}"


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
    is_public = models.BooleanField(_("structure publique"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
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
        MEMBER = "MEMBER", _("Utilisateur")

    class Status(models.TextChoices):
        PENDING = "PENDING", _("En attente de validation")
        APPROVED = "APPROVED", _("Validé")
        REFUSED = "REFUSED", _("Refusé")
        DETACHED = "DETACHED", _("Détaché")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="memberships")
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
    services = models.ManyToManyField(Service, blank=True, related_name="agents")
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

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
