"""Response headers the portal adds itself (SecurityMiddleware and django-csp add the rest)."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers


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
