from django.contrib import admin

from .models import Activity, JointInitiative


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
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
