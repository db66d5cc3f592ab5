from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "geo"
    verbose_name = _("Geography")

    def ready(self):
        # Connects the signals that drop the cached lists when their tables change, in
        # every process (a worker or the admin may write them without reading them).
        from . import cached  # noqa: F401
