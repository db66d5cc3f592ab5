from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies and people")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import security_log
        from .middleware import start_session_clock_at_sign_in

        security_log.connect()
        # Connects the signals that drop the cached agencies when the table changes, in
        # every process (a worker or the admin may write it without reading it).
        import_module(f"{self.name}.cached")
        # Every way in (allauth's sign-in, a code, accepting an invitation, a test's
        # force_login) starts the session's idle and absolute clocks as it signs in, so that
        # the first page after it writes nothing to the session.
        user_logged_in.connect(start_session_clock_at_sign_in, dispatch_uid="agencies.clock")
