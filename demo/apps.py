from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demonstration data for `make run`: it draws on every app, so it sits above them all."""

    name = "demo"
    verbose_name = _("Demonstration data")
