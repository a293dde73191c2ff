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
