"""A flag's reasons in people's words, the same on the pair page, the queue and the CSV.

The engine stores what it compared: ISO codes of the common countries (at most 20, with a
count past that), priority codes, target-group slugs, word stems and a text similarity. A
person reads instead: "World" or a region's name where the shared area is a whole region,
country, priority and group names, the words of both texts that share each stem ("household
/ households"), and one similarity figure, the score as a percentage.

Names are read in bulk for a whole page or export: `describe_flags` makes one query per kind
(countries, regions and their members, the activities' regions and countries, priorities,
target groups) whatever the number of rows, and only for the kinds the rows need.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Activity
from geo import cached as geo_cached
from priorities import cached as priorities_cached

from .engine import WORLD
from .engine.text import fold, stem, tokens

# Past this many countries the list names these and says how many more.
MAX_NAMED_COUNTRIES = 12

# A word as a person typed it: letters only (digits and punctuation split words, as the
# engine's own tokenizer does after folding accents).
_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass
class Described:
    """One flag's reasons, in words."""

    similarity: int | None = None  # the score as a whole percentage
    area: list = field(default_factory=list)  # "World", region names, then country names
    more_countries: int = 0  # countries in the shared area not named in `area`
    shared_codes: set = field(default_factory=set)  # ISO codes of the common countries
    overlap_known: bool = False  # the engine always says; hand-made reasons may not
    overlap_days: int | None = None
    priorities: list = field(default_factory=list)  # "(b) Short title"
    target_groups: list = field(default_factory=list)
    words: list = field(default_factory=list)  # "household / households"
    marked: list = field(default_factory=list)  # every word to highlight in the texts

    @property
    def area_text(self):
        text = ", ".join(self.area)
        if self.more_countries:
            more = _("and %(count)d more countries") % {"count": self.more_countries}
            text = f"{text} {more}" if text else more
        return text

    @property
    def overlap_text(self):
        if self.overlap_days is None:
            return _("open-ended (neither activity has an end date)")
        return ngettext("%(days)d day", "%(days)d days", self.overlap_days) % {
            "days": self.overlap_days
        }

    def sentence(self):
        """The reasons as one line a person can check (the similarity figure is apart)."""
        parts = []
        if self.area or self.more_countries:
            parts.append(_("shared area: %(area)s") % {"area": self.area_text})
        if self.overlap_known:
            parts.append(_("overlap in time: %(overlap)s") % {"overlap": self.overlap_text})
        if self.priorities:
            parts.append(_("shared priorities: %(list)s") % {"list": ", ".join(self.priorities)})
        if self.target_groups:
            parts.append(
                _("shared target groups: %(list)s") % {"list": ", ".join(self.target_groups)}
            )
        if self.words:
            parts.append(_("shared words: %(list)s") % {"list": ", ".join(self.words)})
        return "; ".join(parts)


def words_by_stem(text):
    """{stem: [the words of `text` with that stem, as typed]}, by the engine's tokenizer.

    A word counts if the engine would compare it (not a stopword nor a place name); each
    spelling is kept once (ignoring case), a lower-case one in preference.
    """
    found = {}
    for word in _LETTERS.findall(text or ""):
        folded = fold(word)
        if tokens(word) != [folded]:
            continue
        spellings = found.setdefault(stem(folded), {})
        key = word.casefold()
        if key not in spellings or word.islower():
            spellings[key] = word
    return {key: list(spellings.values()) for key, spellings in found.items()}


def shared_words(terms, texts_words):
    """For each stored term, the words of the texts that share its stem.

    `terms`: the engine's shared terms (a word standing for a stem); `texts_words`: the
    `words_by_stem` of each text. Returns (labels, every word) where a label joins the
    different spellings of both texts ("household / households"). A term neither text
    still contains (edited since the scan) is shown as stored.
    """
    labels, marked = [], []
    for term in terms or []:
        term = str(term)
        spellings = {}
        for words in texts_words:
            for key in {stem(fold(term)), term}:
                for word in words.get(key, ()):
                    # "Household" opening a sentence is the word "household"; "UNHCR" stays.
                    spellings.setdefault(word.casefold(), word.lower() if word.istitle() else word)
        found = list(spellings.values()) or [term]
        labels.append(" / ".join(found))
        marked.extend(found)
    return labels, marked


class Names:
    """Names of countries, regions, priorities and groups, each kind read once (lazily), from
    the reference lists kept in the shared cache (common.reference): no query on a page
    whose lists are cached."""

    def __init__(self):
        self._cache = {}

    def _load(self, kind, loader):
        if kind not in self._cache:
            self._cache[kind] = loader()
        return self._cache[kind]

    @property
    def countries(self):
        return self._load("countries", lambda: {c.pk: c.name for c in geo_cached.countries()})

    @property
    def regions(self):
        return self._load("regions", lambda: {r.pk: r.name for r in geo_cached.regions()})

    @property
    def members(self):
        """Region code -> its countries; World covers every country, listed or not."""

        def load():
            members = {}
            for code, iso3 in geo_cached.region_members():
                members.setdefault(code, set()).add(iso3)
            members[WORLD] = set(self.countries)
            return members

        return self._load("members", load)

    def priorities(self, codes):
        if not codes:
            return []  # nothing to name: the list is not even read
        known = self._load(
            "priorities",
            lambda: {p.code: f"({p.code}) {p.short_title}" for p in priorities_cached.priorities()},
        )
        return [known.get(str(c), str(c)) for c in codes]

    def target_groups(self, keys):
        if not keys:
            return []

        def load():
            # Stored as slugs; older reasons may hold names.
            known = {}
            for group in priorities_cached.target_groups():
                known[group.slug] = known[group.name] = group.name
            return known

        known = self._load("groups", load)
        return [known.get(str(k), str(k)) for k in keys]

    def prefetch(self, reasons_list):
        """Read the priorities and groups of many rows at once, before describing them."""
        self.priorities(sorted({str(c) for r in reasons_list for c in r.get("priorities") or []}))
        self.target_groups(
            sorted({str(k) for r in reasons_list for k in r.get("target_groups") or []})
        )


@dataclass
class Place:
    """Where an activity works: the countries and regions it names."""

    countries: set = field(default_factory=set)
    regions: set = field(default_factory=set)


def places_of(activity_ids, *, with_countries):
    """{activity id: Place} in one query per kind (countries only when asked)."""
    places = {pk: Place() for pk in activity_ids}
    for aid, code in Activity.regions.through.objects.filter(
        activity_id__in=activity_ids
    ).values_list("activity_id", "region_id"):
        places[aid].regions.add(code)
    if with_countries:
        for aid, iso3 in Activity.countries.through.objects.filter(
            activity_id__in=activity_ids
        ).values_list("activity_id", "country_id"):
            places[aid].countries.add(iso3)
    return places


def _covered(place, names):
    covered = set(place.countries)
    for code in place.regions:
        covered |= names.members.get(code, set())
    return covered


def _area(reasons, places, names):
    """(names of the shared area, countries left unnamed, ISO codes of the shared countries)."""
    listed = [str(c) for c in reasons.get("countries") or []]
    count = reasons.get("count") or len(listed)
    truncated = count > len(listed)
    if truncated and len(places) == 2 and all(p is not None for p in places):
        shared = _covered(places[0], names) & _covered(places[1], names)
    else:
        shared = set(listed)
    named_regions = set()
    for place in places:
        if place is not None:
            named_regions |= place.regions
    if not shared:
        return [], 0, shared
    everywhere = names.countries
    if (truncated and count >= len(everywhere)) or (everywhere and shared >= set(everywhere)):
        return [names.regions.get(WORLD) or _("World")], 0, shared

    # Regions either activity names that the shared area covers whole, widest first.
    chosen, covered = [], set()
    if named_regions:
        candidates = sorted(
            (code for code in named_regions if code != WORLD),
            key=lambda code: (-len(names.members.get(code, ())), code),
        )
        for code in candidates:
            members = names.members.get(code, set())
            if len(members) > 1 and members <= shared and not members <= covered:
                chosen.append(code)
                covered |= members
    rest = sorted(names.countries.get(code, code) for code in shared - covered)
    area = sorted(names.regions.get(code, code) for code in chosen)
    more = max(count - len(shared), 0) if truncated and len(shared) < count else 0
    if len(rest) > MAX_NAMED_COUNTRIES:
        more += len(rest) - MAX_NAMED_COUNTRIES
        rest = rest[:MAX_NAMED_COUNTRIES]
    return area + rest, more, shared


def describe(reasons, *, score=None, texts=(), places=(None, None), names=None):
    """`reasons` in words. `texts`: `words_by_stem` of both activities' texts, to show the
    shared words as typed; `places`: both activities' Places, to name whole regions."""
    reasons = reasons or {}
    names = names or Names()
    described = Described(similarity=round(score * 100) if score is not None else None)
    if reasons.get("countries"):
        described.area, described.more_countries, described.shared_codes = _area(
            reasons, places, names
        )
    described.overlap_known = "overlap_days" in reasons
    described.overlap_days = reasons.get("overlap_days")
    described.priorities = names.priorities([str(c) for c in reasons.get("priorities") or []])
    described.target_groups = names.target_groups(
        [str(k) for k in reasons.get("target_groups") or []]
    )
    described.words, described.marked = shared_words(reasons.get("shared_terms"), texts)
    return described


def describe_flags(flags, names=None):
    """Set `flag.described` on every flag (activities loaded with `with_pair()`), reading
    names in bulk: a fixed number of queries for any number of flags. Returns the flags."""
    flags = list(flags)
    if not flags:
        return flags
    names = names or Names()
    names.prefetch([flag.reasons or {} for flag in flags])
    ids = {i for flag in flags for i in (flag.activity_a_id, flag.activity_b_id)}
    truncated = any(
        (flag.reasons or {}).get("count", 0) > len((flag.reasons or {}).get("countries") or [])
        for flag in flags
    )
    places = places_of(ids, with_countries=truncated)
    # Each text is read once, however many of the flags its activity is in.
    texts = {}

    def words_of(activity):
        if activity.pk not in texts:
            texts[activity.pk] = words_by_stem(f"{activity.title} {activity.description}")
        return texts[activity.pk]

    for flag in flags:
        flag.described = describe(
            flag.reasons,
            score=flag.score,
            texts=[words_of(flag.activity_a), words_of(flag.activity_b)],
            places=(places.get(flag.activity_a_id), places.get(flag.activity_b_id)),
            names=names,
        )
    return flags
