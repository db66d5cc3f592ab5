from django.contrib import admin

from .models import JointInitiative


@admin.register(JointInitiative)
class JointInitiativeAdmin(admin.ModelAdmin):
    list_display = ["title", "lead_agency", "status", "start_date", "end_date"]
    list_filter = ["status", "lead_agency"]
    search_fields = ["title", "description"]
    filter_horizontal = ["participating_agencies", "priorities"]
