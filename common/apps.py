from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """The bottom layer: helpers every app may use, which import no app of the portal."""

    name = "common"
    verbose_name = _("Common")
