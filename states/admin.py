from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import Engagement, FollowUp, RequestEvent, SupportRequest

# Written in the portal only: the services stamp who changed what and when, keep the agencies
# involved in step and keep every step of a request in its history.
HISTORY = ["version", "created_at", "created_by", "updated_at", "updated_by"]


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    fields = ["description", "owner_agency", "due_date", "status", "done_date"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    fields = ["at", "from_status", "to_status", "lead_agency", "actor", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyAdmin):
    list_display = [
        "topic",
        "counterpart_kind",
        "counterpart_name",
        "country",
        "lead_agency",
        "date",
    ]
    list_filter = ["counterpart_kind", "lead_agency"]
    list_select_related = ["country", "lead_agency"]
    search_fields = ["topic", "summary", "counterpart_name", "country__name"]
    date_hierarchy = "date"
    readonly_fields = HISTORY
    inlines = [FollowUpInline]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ["description", "engagement", "owner_agency", "due_date", "status"]
    list_filter = ["status", "owner_agency"]
    list_select_related = ["engagement", "owner_agency"]
    search_fields = ["description", "engagement__topic"]
    readonly_fields = HISTORY


@admin.register(SupportRequest)
class SupportRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "subject",
        "country",
        "requesting_body",
        "status",
        "lead_agency",
        "received_date",
    ]
    list_filter = ["status", "lead_agency"]
    list_select_related = ["country", "lead_agency"]
    search_fields = ["subject", "description", "requesting_body", "country__name"]
    date_hierarchy = "received_date"
    readonly_fields = HISTORY
    inlines = [RequestEventInline]
