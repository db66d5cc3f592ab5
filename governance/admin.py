from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import ActionPoint, AgendaItem, CalendarToken, Chairmanship, Meeting, WorkingGroup

# Written in the portal only: the services check the chairs' order (one at a time), keep an
# action point's done date with its status, and a working group's co-chairs among its members.


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    fields = ["position", "title", "decision"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "date", "chair"]
    list_filter = ["kind", "chair"]
    search_fields = ["title", "place", "decisions"]
    date_hierarchy = "date"
    inlines = [AgendaItemInline]


@admin.register(ActionPoint)
class ActionPointAdmin(ReadOnlyAdmin):
    list_display = ["text", "meeting", "owner", "due_date", "status", "done_on"]
    list_filter = ["status", "owner"]
    list_select_related = ["meeting", "owner"]
    search_fields = ["text", "meeting__title", "owner__acronym"]
    date_hierarchy = "due_date"


@admin.register(Chairmanship)
class ChairmanshipAdmin(ReadOnlyAdmin):
    list_display = ["label", "agency", "co_chair", "start", "end"]
    list_select_related = ["agency", "co_chair"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ReadOnlyAdmin):
    list_display = ["name"]
    search_fields = ["name", "mandate"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(ReadOnlyAdmin):
    # The token itself is a password to a person's feed: not shown.
    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]
    search_fields = ["user__email"]
