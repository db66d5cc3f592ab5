from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import InitiativeEvent, JointInitiative, Milestone, Participation

# Initiatives change only in the portal: the services keep the participations and the
# participating agencies in step (a new lead included), guard each step of the lifecycle and
# of a milestone, raise the version and record it all in the history. The admin shows them
# and leaves them as they are.
PARTICIPATION_FIELDS = ["agency", "status", "invited_by", "answered_by", "answered_at"]


class ParticipationInline(admin.TabularInline):
    model = Participation
    fields = PARTICIPATION_FIELDS
    readonly_fields = PARTICIPATION_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["title", "due_date", "owner_agency", "done", "done_on"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JointInitiative)
class JointInitiativeAdmin(ReadOnlyAdmin):
    list_display = ["title", "lead_agency", "status", "start_date", "end_date"]
    list_filter = ["status", "lead_agency"]
    list_select_related = ["lead_agency"]
    search_fields = ["title", "description"]
    inlines = [ParticipationInline, MilestoneInline]


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = ["initiative", "agency", "status", "answered_at"]
    list_filter = ["status", "agency"]
    list_select_related = ["initiative", "agency"]
    search_fields = ["initiative__title", "agency__acronym"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["title", "initiative", "owner_agency", "due_date", "done"]
    list_filter = ["done", "owner_agency"]
    list_select_related = ["initiative", "owner_agency"]
    search_fields = ["title", "initiative__title"]


@admin.register(InitiativeEvent)
class InitiativeEventAdmin(ReadOnlyAdmin):
    list_display = ["initiative", "kind", "agency", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["initiative", "agency", "actor"]
    search_fields = ["initiative__title", "note"]
