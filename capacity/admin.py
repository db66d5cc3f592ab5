from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import Training, TrainingParticipants, Transfer

# Written in the portal only: the services stamp who changed what and when, keep a training's
# organisers, participants and priorities in step, and add priority (l).
HISTORY = ["version", "created_at", "created_by", "updated_at", "updated_by"]


class ParticipantsInline(admin.TabularInline):
    model = TrainingParticipants
    fields = ["agency", "participants"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Training)
class TrainingAdmin(ReadOnlyAdmin):
    list_display = ["title", "lead_agency", "start_date", "end_date", "online", "country"]
    list_filter = ["online", "cancelled", "lead_agency"]
    list_select_related = ["lead_agency", "country"]
    search_fields = ["title", "description", "city", "lead_agency__acronym"]
    date_hierarchy = "start_date"
    readonly_fields = HISTORY
    inlines = [ParticipantsInline]


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "from_agency", "to_agency", "start_date", "end_date"]
    list_filter = ["kind", "from_agency", "to_agency"]
    list_select_related = ["from_agency", "to_agency"]
    search_fields = ["person_name", "purpose", "from_agency__acronym", "to_agency__acronym"]
    date_hierarchy = "start_date"
    readonly_fields = HISTORY
