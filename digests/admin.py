from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import DigestDelivery, DigestPreference


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    # Deliveries are the exactly-once record: only the sending service writes them.
    list_display = ["recipient", "iso_year", "iso_week", "status", "attempts", "sent_at"]
    list_filter = ["status", "iso_year", "iso_week"]
    search_fields = ["recipient__email"]
    raw_id_fields = ["recipient"]


@admin.register(DigestPreference)
class DigestPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "frequency", "language", "updated_at"]
    list_filter = ["frequency", "language"]
    raw_id_fields = ["user"]
