from django.db import models


class WorkerProbe(models.Model):
    """A row written by the ``chorus.ping`` task: proof that a worker consumed a message."""

    token = models.CharField(max_length=64, unique=True)
    ran_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.token
