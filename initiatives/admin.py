from django.contrib import admin

from .models import Activity, JointInitiative


class ReadOnlyAdmin(admin.ModelAdmin):
    """For models written through services (versions, history, overlap checks): read here,
    change in the portal, so nothing bypasses what the services do."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "agency", "status", "start_date", "end_date"]
    list_filter = ["status", "kind", "agency", "priorities"]
    search_fields = ["reference", "title", "description"]
    list_select_related = ["agency"]
    autocomplete_fields = ["countries", "regions", "initiative"]
    filter_horizontal = ["priorities", "target_groups", "themes", "partners"]
    readonly_fields = ["version", "created_at", "updated_at", "created_by", "updated_by"]


@admin.register(JointInitiative)
class JointInitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "lead_agency", "status", "start_date", "end_date"]
    list_filter = ["status", "lead_agency"]
    search_fields = ["title", "description"]
    filter_horizontal = ["participating_agencies", "priorities"]
