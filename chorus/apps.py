from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class ChorusConfig(AppConfig):
    name = "chorus"
    verbose_name = "Chorus"

    def ready(self) -> None:
        name_third_party_apps()


def name_third_party_apps() -> None:
    """French names, with an English catalogue, for what the admin lists of the libraries that
    ship none: django-otp's TOTP plugin ("Otp_Totp", "TOTP devices") and django-axes ("Axes").

    Only the display names change: the migrations read a model's declared options
    (``_meta.original_attrs``), which stay the library's."""
    apps.get_app_config("axes").verbose_name = _("Verrouillage des connexions (django-axes)")
    apps.get_app_config("otp_totp").verbose_name = _("Double authentification")
    device = apps.get_model("otp_totp", "TOTPDevice")._meta
    device.verbose_name = _("application d’authentification (TOTP)")
    device.verbose_name_plural = _("applications d’authentification (TOTP)")
