from __future__ import annotations

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chorus.signed_texts import FrozenOnceAccepted


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email).lower()
        fields.setdefault("contact_email", email)
        user = self.model(email=email, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.update(is_staff=True, is_superuser=True, is_active=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person. The login is the e-mail; notifications go to ``contact_email``."""

    # No user name: the e-mail is the login (AbstractUser's field is removed).
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse électronique de connexion"), unique=True)
    contact_email = models.EmailField(
        _("adresse électronique de contact"),
        help_text=_("Reçoit les notifications (changements de statut, réponses…)."),
    )
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("langue"), max_length=8, default="fr", choices=[("fr", "Français"), ("en", "English")]
    )
    # Empty only while a self-registered account waits for its activation link. Every other
    # way of creating a user (admin, shell, demo) makes an account that needs no activation;
    # an account an administrator deactivates later keeps its date, so that an old activation
    # link can never switch it on again.
    activated_at = models.DateTimeField(_("activé le"), null=True, blank=True, default=timezone.now)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "contact_email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    # Ours creates users by e-mail, where AbstractUser expects Django's by user name.
    objects = UserManager()  # type: ignore[assignment, misc]

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]

    @property
    def awaits_activation(self) -> bool:
        return self.activated_at is None and not self.is_active

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} <{self.email}>" if full else self.email


class TermsVersion(FrozenOnceAccepted, models.Model):
    """A published version of the terms of use (CGU). The newest one is in force; once
    someone accepted it, its text never changes (a new text is a new version)."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    published_at = models.DateTimeField(_("publiée le"))

    class Meta:
        verbose_name = _("version des CGU")
        verbose_name_plural = _("versions des CGU")
        ordering = ["-published_at"]
        get_latest_by = "published_at"

    def __str__(self) -> str:
        return f"CGU {self.version}"

    def is_accepted(self) -> bool:
        return self.acceptances.exists()


class TermsAcceptance(models.Model):
    """Proof that a user accepted a version of the CGU: when, from where."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="terms_acceptances")
    terms = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("acceptées le"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    # Empty for acceptances recorded before the digest was kept.
    text_sha256 = models.CharField(
        _("empreinte SHA-256 du texte accepté"), max_length=64, blank=True
    )

    class Meta:
        verbose_name = _("acceptation des CGU")
        verbose_name_plural = _("acceptations des CGU")
        constraints = [
            models.UniqueConstraint(fields=["user", "terms"], name="terms_accepted_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.terms}"


class ApiScope(models.TextChoices):
    """What an API token may do, on top of what its user may do (chorus/api/permissions.py)."""

    READ = "read", _("lecture")
    DEPOSIT = "deposit", _("dépôt")
    PROCESS = "process", _("traitement")


class ApiToken(models.Model):
    """A named API token of a user, acting for that user only, within its scopes, until it
    expires.

    Only the SHA-256 of the key is stored: the key itself is shown once, when it is created.
    A revoked or expired token stays listed (when, which name) but authenticates nothing.
    Tokens made before scopes and expiry existed keep every scope and no end date.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("nom"), max_length=100)
    key_sha256 = models.CharField(_("empreinte SHA-256 de la clé"), max_length=64, unique=True)
    # The first characters of the key, to recognise a token in lists without revealing it.
    prefix = models.CharField(_("début de la clé"), max_length=12)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    # Comma-separated ApiScope values, in the order of ApiScope.
    scopes = models.CharField(_("portées"), max_length=40, default="read,deposit,process")
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d’API")
        verbose_name_plural = _("jetons d’API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def scope_list(self) -> list[str]:
        return [scope for scope in self.scopes.split(",") if scope]

    def scope_labels(self) -> list[str]:
        return [str(ApiScope(scope).label) for scope in self.scope_list if scope in ApiScope]

    def allows(self, scope: str) -> bool:
        return scope in self.scope_list
