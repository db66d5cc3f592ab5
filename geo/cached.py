"""Countries and regions from the shared cache (common.reference): every filter form lists
them and they change only when the reference data is reloaded."""

from common import reference

from .models import Country, Region

countries = reference.register(
    "countries",
    lambda: Country.objects.order_by("name"),
    Country,
    through=[Region.countries.through],
)
# With their parents read along, so that `Region.ancestors` (the region filter) asks nothing.
regions = reference.register(
    "regions",
    lambda: Region.objects.select_related("parent__parent__parent").order_by("level", "name"),
    Region,
)
# Which countries each region covers, as (region code, country code) pairs.
region_members = reference.register(
    "region_members",
    lambda: Region.countries.through.objects.values_list("region_id", "country_id"),
    Region,
    Country,
    through=[Region.countries.through],
)
