"""The portal's own middleware: response headers (SecurityMiddleware and django-csp add the
rest) and the plain page shown while the database is unreachable."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; no caching of what a signed-in person is shown.

    A signed-in page carries that person's data: a shared or back-button cache must not keep
    it after sign-out. Static files never come here (WhiteNoise answers them earlier, with
    their own long-lived caching).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class DatabaseUnavailableMiddleware:
    """A lost database answers a plain 503 page, with no traceback, instead of a 500.

    The page is rendered without the request's context: base.html would look up the
    signed-in person, which needs the database that is missing. With CONN_HEALTH_CHECKS
    the next request opens a fresh connection, so the portal recovers by itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("Database unavailable: %s %s", request.method, request.path, exc_info=True)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
