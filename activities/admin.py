from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import Activity


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "agency", "status", "start_date", "end_date"]
    list_filter = ["status", "kind", "agency", "priorities"]
    search_fields = ["reference", "title", "description"]
    list_select_related = ["agency"]
    autocomplete_fields = ["countries", "regions", "initiative"]
    filter_horizontal = ["priorities", "target_groups", "themes", "partners"]
    readonly_fields = ["version", "created_at", "updated_at", "created_by", "updated_by"]
