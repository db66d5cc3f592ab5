from django.contrib import admin

from common import tallies
from common.admin import ReadOnlyAdmin

from .models import REGISTER, Activity


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "agency", "status", "start_date", "end_date"]
    list_filter = ["status", "kind", "agency", "priorities"]
    search_fields = ["reference", "title", "description"]
    list_select_related = ["agency"]
    autocomplete_fields = ["countries", "regions", "initiative"]
    filter_horizontal = ["priorities", "target_groups", "themes", "partners"]
    readonly_fields = ["version", "created_at", "updated_at", "created_by", "updated_by"]

    # Deleting is the one write the admin allows here, and it goes around the services: what
    # is kept for the register's version (common.tallies) must go stale as after theirs.
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        tallies.changed(REGISTER)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        tallies.changed(REGISTER)
