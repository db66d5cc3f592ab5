from django.contrib import admin
from django.db import models

from common.admin import ReadOnlyAdmin

from . import services
from .models import LibraryItem


@admin.register(LibraryItem)
class LibraryItemAdmin(ReadOnlyAdmin):
    """Read here; shared, changed and reviewed in the portal, whose services keep the file,
    the search vector and the review mark in step. Deleting goes through them too, so that
    the file goes with its item."""

    list_display = ["title", "kind", "year", "language", "file_name", "reviewed_at"]
    # As the portal's form reads a link typed without its scheme.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ["kind", "language", "agencies"]
    search_fields = ["title", "summary", "authors"]
    readonly_fields = [
        "file_name",
        "file_type",
        "file_size",
        "reviewed_at",
        "reviewed_by",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]

    def delete_model(self, request, obj):
        services.item_delete(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            services.item_delete(item, by=request.user)
