"""The independent labelled sets under benchmarks/data/ are well-formed (issue 13).

A malformed set would not fail the harness loudly: a gold pair naming a missing id or two
activities of one agency, or a code the portal does not know, would quietly change the
figures in BENCHMARKS.md. No engine run here.
"""

import datetime
import json

import pytest

from agencies.models import Agency
from benchmarks.heldout import DATA, TRAINING_SETS, all_sets, available_sets
from geo.models import Country, Region
from priorities.models import Priority

FIELDS = {
    "id",
    "agency",
    "title",
    "description",
    "countries",
    "regions",
    "start",
    "end",
    "priorities",
    "language",
}
SETS = all_sets()


def rows(name, filename):
    with open(DATA / name / filename, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_the_voices_set_is_present():
    assert "voices" in SETS
    assert (DATA / "voices" / "pairs.jsonl").exists()


def test_the_training_set_is_never_reported_as_held_out():
    assert set(SETS) >= TRAINING_SETS
    assert not TRAINING_SETS & set(available_sets())


@pytest.mark.parametrize("name", SETS)
def test_activities_have_unique_ids_and_sound_fields(name):
    activities = rows(name, "activities.jsonl")
    ids = [a["id"] for a in activities]
    assert len(ids) == len(set(ids))
    for a in activities:
        assert set(a) == FIELDS, a["id"]
        assert a["title"].strip(), a["id"]
        assert a["language"] in {"en", "fr", "es"}, a["id"]
        assert a["countries"] or a["regions"], f"{a['id']} has no place"
        start = datetime.date.fromisoformat(a["start"])
        if a["end"]:
            assert datetime.date.fromisoformat(a["end"]) >= start, a["id"]


@pytest.mark.parametrize("name", SETS)
def test_gold_pairs_join_existing_activities_of_different_agencies(name):
    agency = {a["id"]: a["agency"] for a in rows(name, "activities.jsonl")}
    pairs = [(p["a"], p["b"]) for p in rows(name, "pairs.jsonl")]
    assert pairs
    assert len({tuple(sorted(p)) for p in pairs}) == len(pairs), "a pair is listed twice"
    for a, b in pairs:
        assert a in agency and b in agency, (a, b)
        assert a != b
        assert agency[a] != agency[b], (a, b)


@pytest.mark.django_db
@pytest.mark.parametrize("name", SETS)
def test_every_code_exists_in_the_portals_reference_data(name):
    activities = rows(name, "activities.jsonl")
    agencies = set(Agency.objects.values_list("acronym", flat=True))
    countries = set(Country.objects.values_list("iso3", flat=True))
    regions = set(Region.objects.values_list("code", flat=True))
    priorities = set(Priority.objects.values_list("code", flat=True))
    assert {a["agency"] for a in activities} <= agencies
    assert {c for a in activities for c in a["countries"]} <= countries
    assert {r for a in activities for r in a["regions"]} <= regions
    assert {p for a in activities for p in a["priorities"]} <= priorities
