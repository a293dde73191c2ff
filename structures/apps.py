from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StructuresConfig(AppConfig):
    name = "structures"
    verbose_name = _("Structures")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from accounts.personal_data import personal_data_requested
        from accounts.services import account_closing
        from structures import selectors, services
        from structures.search import register_sqlite

        connection_created.connect(register_sqlite, dispatch_uid="structures-search-sqlite")
        personal_data_requested.connect(
            selectors.personal_data, dispatch_uid="structures_personal_data"
        )
        account_closing.connect(
            services.memberships_on_account_close, dispatch_uid="structures_account_closing"
        )
