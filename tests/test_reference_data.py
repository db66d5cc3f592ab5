"""Reference data every database gets from its migrations."""

import re
from pathlib import Path

import pycountry
import pytest

from agencies.models import Agency
from geo.models import Country, Region
from priorities.models import Priority, TargetGroup, Theme

# The group's public founding document, kept in the repository as data.
TOR = Path(__file__).resolve().parents[1] / "priorities" / "data" / "terms-of-reference.txt"


@pytest.mark.django_db
def test_priorities_are_the_terms_of_reference_word_for_word():
    tor = dict(re.findall(r"^- ([a-l])\. (.+)$", TOR.read_text(encoding="utf-8"), re.M))
    assert len(tor) == 12
    stored = {p.code: p.text for p in Priority.objects.all()}
    assert stored == tor
    groups = dict(Priority.objects.values_list("code", "group"))
    assert {c for c, g in groups.items() if g == "key"} == set("abcdef")
    assert {c for c, g in groups.items() if g == "engaged"} == set("ghijkl")


@pytest.mark.django_db
def test_gmg_members_are_shipped_with_iati_identifiers():
    acronyms = set(Agency.objects.values_list("acronym", flat=True))
    assert {"ILO", "IOM", "OHCHR", "UNHCR", "UNODC", "WB", "UNICEF", "WFP", "UNU"} <= acronyms
    identifiers = dict(Agency.objects.values_list("acronym", "iati_identifier"))
    assert identifiers["IOM"] == "XM-DAC-47066"
    assert identifiers["ILO"] == "XM-DAC-41302"
    assert identifiers["UNHCR"] == "XM-DAC-41121"
    assert Agency.objects.get(acronym="WFP").year_joined == 2017


@pytest.mark.django_db
def test_countries_come_from_iso_and_regions_from_m49():
    assert Country.objects.count() == len(pycountry.countries)
    assert Country.objects.get(pk="CIV").m49 == "384"
    world = Region.objects.get(code="001")
    assert world.countries.count() == Country.objects.count()
    western_africa = Region.objects.get(name="Western Africa")
    assert western_africa.parent.name == "Sub-Saharan Africa"
    assert western_africa.parent.parent.name == "Africa"
    assert {"SEN", "NGA", "MLI"} <= set(western_africa.countries.values_list("pk", flat=True))
    assert "FRA" not in set(western_africa.countries.values_list("pk", flat=True))
    assert Country.objects.get(pk="DEU").name_fr == "Allemagne"


@pytest.mark.django_db
def test_vocabularies_come_from_the_terms_of_reference():
    groups = set(TargetGroup.objects.values_list("name", flat=True))
    assert {"Asylum-seekers", "Refugees", "Stranded migrants", "Migrant workers"} <= groups
    themes = set(Theme.objects.values_list("name", flat=True))
    assert {"Employment", "Trade", "Education", "Distribution of skills"} <= themes
