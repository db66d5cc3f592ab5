from django.contrib import admin

from .models import Priority, TargetGroup, Theme


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin):
    list_display = ["code", "short_title", "group"]
    list_filter = ["group"]


@admin.register(TargetGroup, Theme)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
