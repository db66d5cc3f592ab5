from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import Contribution, Event, Process

# Written in the portal only: the services stamp who changed what and when, keep a
# contribution's agencies and priorities in step, and refuse to remove history.
HISTORY = ["version", "created_at", "created_by", "updated_at", "updated_by"]


class EventInline(admin.TabularInline):
    model = Event
    fields = ["title", "place", "start_date", "end_date", "contribution_deadline"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Process)
class ProcessAdmin(ReadOnlyAdmin):
    list_display = ["name", "acronym", "kind", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["name", "acronym", "description"]
    readonly_fields = ["slug", *HISTORY]
    inlines = [EventInline]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["title", "process", "place", "start_date", "end_date", "contribution_deadline"]
    list_filter = ["process"]
    list_select_related = ["process"]
    search_fields = ["title", "place", "description", "process__name"]
    date_hierarchy = "start_date"
    readonly_fields = HISTORY


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ["title", "event", "lead_agency", "kind", "is_joint", "date"]
    list_filter = ["kind", "is_joint", "event__process", "lead_agency"]
    list_select_related = ["event", "lead_agency"]
    search_fields = ["title", "summary", "event__title", "lead_agency__acronym"]
    date_hierarchy = "date"
    readonly_fields = HISTORY
