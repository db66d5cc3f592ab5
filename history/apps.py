from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HistoryConfig(AppConfig):
    """Audit history: an event row for every change to the records people make (pghistory).

    All event models live here, so that the history of every app is in one place and one
    migration; the triggers that fill them are installed after `migrate` (settings).
    """

    name = "history"
    verbose_name = _("History")
