from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin

from . import security_log
from .models import Agency, Invitation, SecurityEvent, User


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["acronym", "name", "type", "year_joined", "iati_identifier", "is_active"]
    list_filter = ["type", "is_active"]
    search_fields = ["acronym", "name"]
    prepopulated_fields = {"slug": ["acronym"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "agency", "role", "is_active", "is_staff"]
    list_filter = ["role", "agency", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Portal"), {"fields": ["full_name", "agency", "role"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined", "deactivated_at", "deactivated_by"]}),
    ]
    # Deactivation goes through the People page (agencies.services.member_deactivate), which
    # also ends the person's sessions; here it is only shown.
    readonly_fields = ["deactivated_at", "deactivated_by"]
    add_fieldsets = [
        (None, {"fields": ["email", "full_name", "agency", "role", "password1", "password2"]}),
    ]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    # Invitations are sent from the portal, which creates the token and the email.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    list_display = ["email", "agency", "role", "invited_by", "created_at", "accepted_at"]
    list_filter = ["role", "agency"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "created_at", "accepted_at", "revoked_at"]


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "actor", "subject", "email", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["email", "actor__email", "subject__email", "ip_address"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "subject"]


# allauth's admin lets a superuser add or edit an authenticator (a TOTP secret) for anyone. The
# one thing an administrator needs here is to delete the authenticator of someone who lost
# both phone and recovery codes (README, "Two-step sign-in"), and that is logged.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self._log_removal(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._log_removal(request, list(queryset.select_related("user")))
        super().delete_queryset(request, queryset)

    def _log_removal(self, request, authenticators):
        for authenticator in authenticators:
            security_log.record(
                SecurityEvent.Kind.MFA_REMOVED,
                request=request,
                subject=authenticator.user,
                method=authenticator.type,
                by="admin",
            )
