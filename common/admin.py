from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For models written through services (versions, history, overlap checks): read here,
    change in the portal, so nothing bypasses what the services do."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
