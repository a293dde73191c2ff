from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StructuresConfig(AppConfig):
    name = "structures"
    verbose_name = _("Structures")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from structures.search import register_sqlite

        connection_created.connect(register_sqlite, dispatch_uid="structures-search-sqlite")
