from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = _("Sollicitations et aide")

    def ready(self) -> None:
        from accounts.personal_data import personal_data_requested
        from support import selectors

        personal_data_requested.connect(
            selectors.personal_data, dispatch_uid="support_personal_data"
        )
