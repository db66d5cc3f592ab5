"""The chairs' history as the issue states it (issue 11), nothing more.

Stated facts: UNCTAD chaired the first meeting on 9 May 2006; then six-month terms (UNHCR,
IOM, UN DESA, UNFPA, UNCTAD, UNITAR, UNDP, OHCHR, UNICEF, UNESCO, UNODC, the Regional
Commissions, IOM); yearly terms from 2014 (ILO, World Bank, UN Women, UNU, FAO with IOM in
2018).

The exact dates of the six-month terms are not stated: they are counted in half-years from
the second half of 2006 (1 July 2006). Thirteen half-years then end on 31 December 2012, so
the arithmetic does NOT reach 2013: the facts name no chair for 2013, and no term is made up
for it. UNCTAD's first term is taken to end on 30 June 2006. Each approximate term says so in
its note. Agencies are matched by acronym to agencies.Agency; one not found keeps its label
alone.
"""

import datetime

from django.db import migrations

FIRST_MEETING = datetime.date(2006, 5, 9)
HALF_YEARS_FROM = datetime.date(2006, 7, 1)
# (label shown, acronym of the member agency in agencies' data migration)
HALF_YEAR_CHAIRS = [
    ("UNHCR", "UNHCR"),
    ("IOM", "IOM"),
    ("UN DESA", "UN DESA"),
    ("UNFPA", "UNFPA"),
    ("UNCTAD", "UNCTAD"),
    ("UNITAR", "UNITAR"),
    ("UNDP", "UNDP"),
    ("OHCHR", "OHCHR"),
    ("UNICEF", "UNICEF"),
    ("UNESCO", "UNESCO"),
    ("UNODC", "UNODC"),
    ("the Regional Commissions", "UNRCs"),
    ("IOM", "IOM"),
]
# (year, label, acronym, co-chair's acronym)
YEARLY_CHAIRS = [
    (2014, "ILO", "ILO", None),
    (2015, "World Bank", "WB", None),
    (2016, "UN Women", "UN Women", None),
    (2017, "UNU", "UNU", None),
    (2018, "FAO with IOM", "FAO", "IOM"),
]
APPROXIMATE = (
    "Approximate dates: the stated facts give six-month terms in this order, counted here in "
    "half-years from July 2006."
)
GAP = (
    " The half-years end in December 2012; the stated facts name no chair for 2013, before "
    "the yearly terms from 2014."
)


def half_year(start):
    if start.month == 1:
        return datetime.date(start.year, 6, 30), datetime.date(start.year, 7, 1)
    return datetime.date(start.year, 12, 31), datetime.date(start.year + 1, 1, 1)


def terms():
    """(label, acronym, co-chair acronym, start, end, note), in order."""
    out = [
        (
            "UNCTAD",
            "UNCTAD",
            None,
            FIRST_MEETING,
            datetime.date(2006, 6, 30),
            "Chaired the first meeting, on 9 May 2006. The end of the term is approximate: "
            "taken as the start of the six-month terms.",
        )
    ]
    start = HALF_YEARS_FROM
    for n, (label, acronym) in enumerate(HALF_YEAR_CHAIRS):
        end, start_next = half_year(start)
        note = APPROXIMATE + (GAP if n == len(HALF_YEAR_CHAIRS) - 1 else "")
        out.append((label, acronym, None, start, end, note))
        start = start_next
    for year, label, acronym, co in YEARLY_CHAIRS:
        out.append(
            (
                label,
                acronym,
                co,
                datetime.date(year, 1, 1),
                datetime.date(year, 12, 31),
                "Yearly term.",
            )
        )
    return out


def seed(apps, schema_editor):
    Agency = apps.get_model("agencies", "Agency")
    Chairmanship = apps.get_model("governance", "Chairmanship")
    agencies = {a.acronym: a for a in Agency.objects.all()}
    for label, acronym, co, start, end, note in terms():
        Chairmanship.objects.get_or_create(
            start=start,
            defaults={
                "label": label,
                "agency": agencies.get(acronym),
                "co_chair": agencies.get(co) if co else None,
                "end": end,
                "note": note,
            },
        )


def unseed(apps, schema_editor):
    Chairmanship = apps.get_model("governance", "Chairmanship")
    Chairmanship.objects.filter(start__in=[t[3] for t in terms()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("agencies", "0002_gmg_members"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
