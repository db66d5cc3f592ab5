"""The member agencies from the shared cache (common.reference): every filter form lists
them and they change when an agency joins or its record is corrected."""

from common import reference

from .models import Agency

agencies = reference.register("agencies", lambda: Agency.objects.order_by("acronym"), Agency)
