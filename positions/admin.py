from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import Endorsement, Position, PositionComment, PositionEvent, PositionVersion

# Everything about a position changes only in the portal: the services keep its versions
# immutable and its current version in step, guard each stage (deadlines, who endorsed,
# the adoption rule) and record it in the history. The admin shows them as they are.


class VersionInline(admin.TabularInline):
    model = PositionVersion
    fields = ["number", "author", "change_note", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class EndorsementInline(admin.TabularInline):
    model = Endorsement
    fields = ["agency", "status", "answered_by", "answered_at", "reminded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "lead_agency", "status", "updated_at"]
    list_filter = ["status", "kind", "lead_agency"]
    list_select_related = ["lead_agency"]
    search_fields = ["title", "summary"]
    inlines = [VersionInline, EndorsementInline]


@admin.register(PositionVersion)
class PositionVersionAdmin(ReadOnlyAdmin):
    list_display = ["position", "number", "author", "created_at"]
    list_select_related = ["position", "author"]
    search_fields = ["position__title", "text", "change_note"]

    def has_delete_permission(self, request, obj=None):
        # A version goes only with its position: the history of a text has no holes.
        return False


@admin.register(PositionComment)
class PositionCommentAdmin(ReadOnlyAdmin):
    list_display = ["position", "agency", "author", "created_at"]
    list_filter = ["agency"]
    list_select_related = ["position", "agency", "author"]
    search_fields = ["position__title", "text"]


@admin.register(Endorsement)
class EndorsementAdmin(ReadOnlyAdmin):
    list_display = ["position", "agency", "status", "answered_at", "reminded_at"]
    list_filter = ["status", "agency"]
    list_select_related = ["position", "agency"]
    search_fields = ["position__title", "agency__acronym"]


@admin.register(PositionEvent)
class PositionEventAdmin(ReadOnlyAdmin):
    list_display = ["position", "kind", "agency", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["position", "agency", "actor"]
    search_fields = ["position__title", "note"]
