"""Load countries and M49 regions from packaged data (no network).

ISO codes and English names come from pycountry; M49 membership and the
French/Spanish names from the UN table that hdx-python-country bundles.
"""

import pycountry
from hdx.location.country import Country as HdxCountry

LEVELS = (
    (1, "Region Code", "Region Name"),
    (2, "Sub-region Code", "Sub-region Name"),
    (3, "Intermediate Region Code", "Intermediate Region Name"),
)


def _m49_rows():
    HdxCountry.set_use_live_default(False)
    data = HdxCountry.countriesdata(use_live=False)
    return data["countries"]


def load(Country, Region):
    """Create or refresh both tables. Takes model classes so migrations can pass historical ones."""
    m49 = _m49_rows()
    countries = {}
    for record in pycountry.countries:
        row = m49.get(record.alpha_3, {})
        country, _ = Country.objects.update_or_create(
            iso3=record.alpha_3,
            defaults={
                "iso2": record.alpha_2,
                "m49": record.numeric,
                "name": getattr(record, "common_name", None) or record.name,
                "name_fr": row.get("M49 French") or "",
                "name_es": row.get("M49 Spanish") or "",
            },
        )
        countries[record.alpha_3] = country

    world, _ = Region.objects.update_or_create(
        code="001", defaults={"name": "World", "level": 0, "parent": None}
    )
    world.countries.set(countries.values())

    members = {}
    for iso3, row in m49.items():
        if iso3 not in countries:
            continue
        parent = world
        for level, code_key, name_key in LEVELS:
            code, name = row.get(code_key), row.get(name_key)
            if not code or not name:
                continue
            code = str(code).zfill(3)
            region, _ = Region.objects.update_or_create(
                code=code, defaults={"name": name, "level": level, "parent": parent}
            )
            members.setdefault(code, set()).add(iso3)
            parent = region
    for code, iso3s in members.items():
        Region.objects.get(code=code).countries.set([countries[i] for i in iso3s])
