from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FluxConfig(AppConfig):
    name = "flux"
    verbose_name = _("Flux")
