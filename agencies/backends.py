"""The sign-in backends, reading the signed-in person's agency with them.

Nearly every page names the person's agency (the header, the access gates, the lists'
"mine" filters): loaded with the person, it costs no query of its own on each page.
"""

from allauth.account import auth_backends
from django.contrib.auth import backends, get_user_model


def _get_user(backend, user_id):
    user = get_user_model()._default_manager.select_related("agency").filter(pk=user_id).first()
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)


class AuthenticationBackend(auth_backends.AuthenticationBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)
