from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OverlapsConfig(AppConfig):
    name = "overlaps"
    verbose_name = _("Overlap detection")
