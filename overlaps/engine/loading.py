"""Activities as the engine sees them: one immutable ``Profile`` each, read in bulk.

A profile's ``countries`` are every country it covers: the ones it names plus the members
of the regions it names; "World" (M49 001) covers every country. A draft (the entry form
before saving) is turned into a profile by the same rules, so that it is compared as the
saved activity will be.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from . import semantic
from .text import written_language

WORLD = "001"
# A draft has no id yet; no saved activity has this one.
DRAFT_ID = 0


@dataclass(frozen=True)
class Profile:
    id: int
    agency_id: int
    title: str
    description: str
    start: date
    end: date | None
    countries: frozenset
    priorities: frozenset = frozenset()
    target_groups: frozenset = frozenset()
    partner_ids: frozenset = frozenset()
    initiative_id: int | None = None
    is_global: bool = False
    # The language the texts are written in ("en", "fr", "es"; "" when unknown): across
    # languages the word and character features see nothing in common, the embedding does.
    # Read from the text's function words when they are clear (``text.written_language``),
    # else the activity's label.
    language: str = ""
    # The stored sentence embedding (float16 bytes, see ``semantic``) when it is of the
    # current text and model; None: the text model embeds it.
    embedding: bytes | None = field(default=None, compare=False, repr=False)


def _region_members(codes=None) -> dict[str, set]:
    """Region code -> its member countries (all of them for World), in two queries."""
    from geo.models import Country, Region

    rows = Region.countries.through.objects.all()
    if codes is not None:
        rows = rows.filter(region_id__in=list(codes))
    members = defaultdict(set)
    for code, iso3 in rows.values_list("region_id", "country_id"):
        members[code].add(iso3)
    if codes is None or WORLD in codes:
        # World may not list its members in every database; it covers all countries anyway.
        members[WORLD] = set(Country.objects.values_list("iso3", flat=True))
    return members


def _covered(countries: Iterable[str], regions: Iterable[str], members: dict) -> frozenset:
    covered = set(countries)
    for code in regions:
        covered |= members.get(code, set())
    return frozenset(covered)


def load_profiles(ids=None) -> dict[int, Profile]:
    """Profiles of activities (all but cancelled when ``ids`` is None) in eight queries."""
    from activities.models import Activity

    qs = Activity.objects.exclude(status=Activity.Status.CANCELLED).order_by()
    through_filter = {}
    if ids is not None:
        ids = sorted({int(i) for i in ids})
        qs = qs.filter(pk__in=ids)
        through_filter = {"activity_id__in": ids}
    rows = list(
        qs.values_list(
            "id",
            "agency_id",
            "title",
            "description",
            "start_date",
            "end_date",
            "initiative_id",
            "language",
        )
    )
    if not rows:
        return {}

    def pairs(through, column):
        out = defaultdict(set)
        for aid, value in through.objects.filter(**through_filter).values_list(
            "activity_id", column
        ):
            out[aid].add(value)
        return out

    countries = pairs(Activity.countries.through, "country_id")
    regions = pairs(Activity.regions.through, "region_id")
    priorities = pairs(Activity.priorities.through, "priority__code")
    groups = pairs(Activity.target_groups.through, "targetgroup__slug")
    partners = pairs(Activity.partners.through, "agency_id")
    members = _region_members()
    stored = _stored_embeddings(ids)

    out = {}
    for aid, agency_id, title, description, start, end, initiative_id, language in rows:
        act_regions = regions.get(aid, ())
        out[aid] = Profile(
            id=aid,
            agency_id=agency_id,
            title=title or "",
            description=description or "",
            start=start,
            end=end,
            countries=_covered(countries.get(aid, ()), act_regions, members),
            priorities=frozenset(priorities.get(aid, ())),
            target_groups=frozenset(groups.get(aid, ())),
            partner_ids=frozenset(partners.get(aid, ())),
            initiative_id=initiative_id,
            is_global=WORLD in act_regions,
            language=written_language(title or "", description or "", language),
            embedding=_current(stored.get(aid), title, description),
        )
    return out


def _stored_embeddings(ids) -> dict:
    """{activity id: (text hash, vector bytes)} of the stored vectors of this model."""
    from overlaps.models import ActivityEmbedding

    rows = ActivityEmbedding.objects.filter(version=semantic.VERSION)
    if ids is not None:
        rows = rows.filter(activity_id__in=ids)
    return {
        aid: (text_hash, bytes(vector))
        for aid, text_hash, vector in rows.values_list("activity_id", "text_hash", "vector")
    }


def _current(stored, title, description):
    # A vector of an older text (an edit not yet re-embedded) is not used.
    if stored is None or stored[0] != semantic.text_hash(title or "", description or ""):
        return None
    return stored[1]


def draft_profile(
    *,
    agency_id,
    title,
    description,
    countries,
    regions,
    start,
    end,
    priorities=(),
    target_groups=(),
    partner_ids=(),
    initiative_id=None,
    language="",
) -> Profile:
    """The profile an activity would have once saved with these values (codes, not objects)."""
    regions = list(regions)
    return Profile(
        id=DRAFT_ID,
        agency_id=agency_id or 0,
        title=title or "",
        description=description or "",
        start=start,
        end=end,
        countries=_covered(countries, regions, _region_members(regions) if regions else {}),
        priorities=frozenset(priorities),
        target_groups=frozenset(target_groups),
        partner_ids=frozenset(partner_ids),
        initiative_id=initiative_id,
        is_global=WORLD in regions,
        language=written_language(title or "", description or "", language),
    )


def material_fingerprint(profile: Profile) -> str:
    parts = [
        profile.title.strip(),
        profile.description.strip(),
        ",".join(sorted(profile.countries)),
        profile.start.isoformat() if profile.start else "",
        profile.end.isoformat() if profile.end else "",
        ",".join(sorted(profile.priorities)),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
