from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = _("Factures")

    def ready(self) -> None:
        from accounts.signals import login_recorded
        from invoices import notices

        login_recorded.connect(notices.on_login, dispatch_uid="invoices_notice_at_login")
