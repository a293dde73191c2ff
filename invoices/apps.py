from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Factures")

    def ready(self) -> None:
        from accounts.personal_data import personal_data_requested
        from accounts.signals import login_recorded
        from invoices import notices, selectors

        login_recorded.connect(notices.on_login, dispatch_uid="invoices_notice_at_login")
        personal_data_requested.connect(
            selectors.personal_data, dispatch_uid="invoices_personal_data"
        )
