from django.contrib import admin
from django.http import HttpRequest

from chorus.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only: what the API answered to a write sent with an Idempotency-Key."""

    list_display = ("key", "user", "status_code", "created_at")
    list_filter = ("status_code", "created_at")
    search_fields = ("key", "user__email")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
