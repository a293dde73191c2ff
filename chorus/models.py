from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerProbe(models.Model):
    """A row written by the ``chorus.ping`` task: proof that a worker consumed a message."""

    token = models.CharField(max_length=64, unique=True)
    ran_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.token


class IdempotencyKey(models.Model):
    """The first successful answer to an API write sent with an ``Idempotency-Key`` header.

    The row is inserted before the write runs, in the same transaction: a second request with
    the same key waits on the unique index until the first commits, then replays its answer
    (or, if the first failed and rolled back, runs itself). Rows expire after
    ``API_IDEMPOTENCY_TTL_HOURS`` and are purged by the ``chorus.purge_idempotency_keys`` task.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_sha256 = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("clé d’idempotence")
        verbose_name_plural = _("clés d’idempotence")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class OutgoingEmail(models.Model):
    """An e-mail to send, written in the same transaction as the event it tells of (the
    transactional outbox, chorus/outbox.py): a mail server that refuses or a broker that is down
    loses nothing, and ``key`` — one per event and recipient — makes sure it is queued once."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("À envoyer")
        SENDING = "SENDING", _("En cours d’envoi")
        SENT = "SENT", _("Envoyé")
        FAILED = "FAILED", _("Abandonné")

    key = models.CharField(_("clé"), max_length=200, unique=True)
    to = models.EmailField(_("destinataire"), max_length=254)
    subject = models.CharField(_("objet"), max_length=255)
    body = models.TextField(_("texte"))
    html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255)
    status = models.CharField(
        _("statut"), max_length=8, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.to} — {self.subject}"
