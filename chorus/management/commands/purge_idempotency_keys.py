from django.core.management.base import BaseCommand

from chorus.api.idempotency import idempotency_keys_purge


class Command(BaseCommand):
    help = "Delete the API's idempotency keys older than API_IDEMPOTENCY_TTL_HOURS."

    def handle(self, *args: object, **options: object) -> None:
        deleted = idempotency_keys_purge()
        self.stdout.write(f"{deleted} idempotency key(s) deleted.")
