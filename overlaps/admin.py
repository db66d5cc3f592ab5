from django.contrib import admin

from common import tallies
from common.admin import ReadOnlyAdmin

from .models import PAIRS, FlagComment, OverlapFlag, ScoreCalibration


class CommentInline(admin.TabularInline):
    model = FlagComment
    extra = 0
    readonly_fields = ["author", "created_at"]


@admin.register(OverlapFlag)
class OverlapFlagAdmin(ReadOnlyAdmin):
    # Decisions are taken on the pair page, through the service that records who and when.
    list_display = ["pk", "activity_a", "activity_b", "score", "status", "decided_by"]
    list_filter = ["status"]
    raw_id_fields = ["activity_a", "activity_b", "decided_by"]
    readonly_fields = ["reasons", "created_at", "scored_at", "decided_at", "decided_fingerprint"]
    inlines = [CommentInline]

    # A pair deleted here is a write to the flags like the services' (the one the admin
    # still allows): what is kept for the pairs' version (common.tallies) goes stale.
    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        tallies.changed(PAIRS)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        tallies.changed(PAIRS)


@admin.register(ScoreCalibration)
class ScoreCalibrationAdmin(ReadOnlyAdmin):
    list_display = [
        "fitted_at",
        "threshold",
        "decisions",
        "heldout",
        "agreement_before",
        "agreement_after",
        "applied",
    ]
