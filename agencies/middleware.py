"""Records refused pages in the security log."""

from django.core.exceptions import PermissionDenied

from . import security_log


class SecurityLogMiddleware:
    """Record each PermissionDenied (a 403) a view raises.

    Only 403s: the access gates answer 404 for records one may not even know exist, and a 404
    is also every mistyped address and every crawler, so logging those would bury the
    refusals that matter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            security_log.record(
                security_log.Kind.ACCESS_DENIED, request=request, http_method=request.method
            )
        return None
