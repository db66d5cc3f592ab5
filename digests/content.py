"""What a weekly digest says to one person: a pure function of the database, nothing is sent.

Written to be read in two minutes by a head of agency. First what needs attention (the
selector `digests.attention.needs_attention`, which the home page shows too); then the few
pieces of other agencies' work of the week most relevant to the agency; then one line each
for its own activities and the gaps around it, and its joint initiatives' news.

`build_digest(user, year, week)` runs a fixed number of queries whatever the data size:
every list is one query (its first rows plus, through a window count, how many there are in
all), and the relations the email shows (priorities, countries, regions) are fetched once.
What is the same for every reader of a week (every agency's footprint, the week's news, the
week's coverage gaps) is kept in the cache until the register changes (`common.tallies`):
the weekly run, one task per reader, reads it once rather than once per digest.

Where an agency "works": the priorities and the countries (named directly or covered by a
region) of its activities that are not cancelled.
"""

import contextlib
import datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import (
    Count,
    Q,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activities import coverage
from activities.models import REGISTER, Activity
from common import tallies
from geo.models import Region
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag, PairEvent

from . import week as weeks
from .attention import first_rows, needs_attention
from .presentation import (
    FINISHED_DAYS,
    INITIATIVES_CAP,
    LIVE,
    OTHERS_CAP,
    OVERLAP_WEIGHT,
    SOON_DAYS,
    STALE_DAYS,
    Digest,
    attention_groups,
    priority_name,
)

# Callers read the digest through this module: what it reads like lives in .presentation.
__all__ = ["OTHERS_CAP", "Digest", "attention_groups", "build_digest", "priority_name"]

# News on the person's pairs shown; the rest is a count and a link to the queue.
PAIR_NEWS_CAP = 3

ActivityPriority = Activity.priorities.through
ActivityCountry = Activity.countries.through
ActivityRegion = Activity.regions.through
RegionCountry = Region.countries.through
InitiativeAgency = JointInitiative.participating_agencies.through


def _not_history(today):
    """Leave out cancelled work and work that ended long ago: news, not history."""
    return ~Q(status=Activity.Status.CANCELLED) & (
        Q(end_date__isnull=True) | Q(end_date__gte=today - datetime.timedelta(days=FINISHED_DAYS))
    )


# What this process read of the kept values, by (register version, key): a worker builds one
# digest after another, and reading the week's news from the cache again (thousands of rows
# unpickled) cost a digest as much as its queries. A version names data that never changes,
# so a value remembered under it is never stale; readers do not change what they are given.
_remembered = {}
REMEMBERED = 8


def _kept(key, compute):
    """`common.tallies.kept(REGISTER, key, compute)`, remembered in this process too."""
    name = (tallies.version(REGISTER), key)
    if name not in _remembered:
        if len(_remembered) >= REMEMBERED:
            _remembered.clear()
        _remembered[name] = tallies.kept(REGISTER, key, compute)
    return _remembered[name]


class News(NamedTuple):
    """One activity of the week's news, with what the ranking reads of it."""

    pk: int
    agency_id: int
    updated_at: datetime.datetime
    priority_ids: frozenset
    country_ids: frozenset
    region_ids: frozenset


def _week_news(start, end, today):
    """Every agency's news of the week [start, end) as of `today` (`News`), kept until the
    register changes: the same rows for every head's digest, read once per weekly run (and
    once per preview of a week in progress) instead of once per digest. 4 queries, or none."""
    key = f"digest-news:{start.isoformat()}:{end.isoformat()}:{today.isoformat()}"
    return _kept(key, lambda: _read_week_news(start, end, today))


def _read_week_news(start, end, today):
    news = Activity.objects.filter(_in_week(start, end)).filter(_not_history(today))
    rows = {
        pk: (agency_id, updated_at, set(), set(), set())
        for pk, agency_id, updated_at in news.values_list("pk", "agency_id", "updated_at")
    }
    ids = news.values("pk")
    for slot, through, field in (
        (2, ActivityPriority, "priority_id"),
        (3, ActivityCountry, "country_id"),
        (4, ActivityRegion, "region_id"),
    ):
        for activity_id, value in through.objects.filter(activity_id__in=ids).values_list(
            "activity_id", field
        ):
            if activity_id in rows:  # an activity changed since the first query
                rows[activity_id][slot].add(value)
    return [
        News(pk, agency_id, updated_at, frozenset(p), frozenset(c), frozenset(r))
        for pk, (agency_id, updated_at, p, c, r) in rows.items()
    ]


def _others_for(agency, news, priority_ids, country_ids, region_ids):
    """Other agencies' news under the agency's priorities and in its places, most relevant
    to `agency` first: (the first OTHERS_CAP activities, how many there are). 2 queries
    (none when nothing matches).

    Relevance adds the priorities the activity shares with the agency, the places it shares
    (named countries and covering regions, at most 3 counted) and OVERLAP_WEIGHT times the
    best overlap score between it and one of the agency's own activities (pairs judged not
    related left out); ties go to the latest change, then the highest id. Worked out here
    over the week's news (`_week_news`, read once for every digest), with the agency's
    pairs read in one query.
    """
    candidates = [
        item
        for item in news
        if item.agency_id != agency.pk
        and item.priority_ids & priority_ids
        and (item.country_ids & country_ids or item.region_ids & region_ids)
    ]
    if not candidates:
        return [], 0
    best = _best_scores(agency, {item.pk for item in candidates})

    def rank(item):
        shared_places = len(item.country_ids & country_ids) + len(item.region_ids & region_ids)
        relevance = len(item.priority_ids & priority_ids) + min(shared_places, 3)
        relevance += float(OVERLAP_WEIGHT) * best.get(item.pk, 0.0)
        return relevance, item.updated_at, item.pk

    chosen = [item.pk for item in sorted(candidates, key=rank, reverse=True)[:OTHERS_CAP]]
    found = Activity.objects.select_related("agency").in_bulk(chosen)
    rows = []
    for pk in chosen:
        if pk in found:  # withdrawn since the news was read
            found[pk].best_score = best.get(pk, 0.0)
            rows.append(found[pk])
    return rows, len(candidates)


def _best_scores(agency, candidate_ids):
    """{candidate id: the best score of a pair between it and one of `agency`'s activities},
    pairs judged not related left out. 1 query.

    Started from the candidates' pairs (the flags' indexes on either side), each partner
    looked up by its key: reading the agency's thousands of activities to match a few
    hundred pairs cost 10 to 100 times more (EXPLAIN ANALYZE in BENCHMARKS.md).
    """
    mine_a = Q(activity_a__agency=agency, activity_a__deleted_at__isnull=True)
    mine_b = Q(activity_b__agency=agency, activity_b__deleted_at__isnull=True)
    pairs = (
        OverlapFlag.objects.exclude(status=OverlapFlag.Status.NOT_RELATED)
        .filter(Q(activity_a__in=candidate_ids) & mine_b | Q(activity_b__in=candidate_ids) & mine_a)
        .values_list("activity_a_id", "activity_b_id", "score")
    )
    best = {}
    for a, b, score in pairs:
        # The partner is the agency's, so the candidate is the other side.
        side = a if a in candidate_ids else b
        if score > best.get(side, 0.0):
            best[side] = score
    return best


@contextlib.contextmanager
def _without_jit():
    """Plan the digest's queries without PostgreSQL's JIT compilation.

    Two of them (the footprint over the agency's activities, the ranking with a subquery per
    candidate) are estimated above jit_above_cost on large data, and PostgreSQL then spends
    50-100 ms compiling each to save a few: on the 100,000-activity benchmark a head's digest
    took about twice as long. SET LOCAL lasts until the transaction ends: the one opened here,
    or the caller's when there is one.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def build_digest(user, year, week, now=None):
    """The digest of ISO week (year, week) for `user`; sends nothing, writes nothing."""
    with _without_jit():
        return _build_digest(user, year, week, now)


def _build_digest(user, year, week, now=None):
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    horizon = today + datetime.timedelta(days=SOON_DAYS)
    start, end = weeks.bounds(year, week)
    agency = None if user.is_secretariat or not user.agency_id else user.agency
    digest = Digest(
        recipient=user, year=year, week=week, start=start, end=end, agency=agency, today=today
    )
    totals = digest.totals
    digest.attention = needs_attention(agency, since=start, until=end, now=now)
    if agency is None:
        news = (
            Activity.objects.select_related("agency")
            .filter(_in_week(start, end))
            .filter(_not_history(today))
        )
        digest.others, totals["others"] = first_rows(news, ("-updated_at", "-pk"), cap=OTHERS_CAP)
        rows, totals["initiatives"] = first_rows(
            JointInitiative.objects.select_related("lead_agency").filter(
                updated_at__gte=start, updated_at__lt=end
            ),
            ("-updated_at", "pk"),
            cap=INITIATIVES_CAP,
        )
        digest.initiatives = _initiative_notes(rows, start, end, today, horizon)
    else:
        priority_ids, country_ids = _footprint(agency)
        digest.priority_ids = priority_ids
        covering = _regions_covering(country_ids) if country_ids else {}
        if priority_ids and country_ids:
            digest.others, totals["others"] = _others_for(
                agency, _week_news(start, end, today), priority_ids, country_ids, set(covering)
            )
        digest.own = _own_counts(agency, start, end, today, horizon, now)
        involved = Q(lead_agency=agency) | Q(
            pk__in=InitiativeAgency.objects.filter(agency_id=agency.pk).values("jointinitiative_id")
        )
        rows, totals["initiatives"] = first_rows(
            JointInitiative.objects.select_related("lead_agency")
            .filter(involved)
            # Proposed ones are in "Needs your attention" already.
            .exclude(status=JointInitiative.Status.PROPOSED)
            .filter(
                Q(updated_at__gte=start, updated_at__lt=end)
                | Q(start_date__gte=today, start_date__lte=horizon)
                | Q(end_date__gte=today, end_date__lte=horizon)
            ),
            ("-updated_at", "pk"),
            cap=INITIATIVES_CAP,
        )
        digest.initiatives = _initiative_notes(rows, start, end, today, horizon)
        digest.gaps, digest.gap_regions = _gaps(covering, year, week, priority_ids)

    digest.pair_news, totals["pair_news"] = first_rows(
        PairEvent.objects.for_digest(user, start, end), ("-created_at", "-pk"), cap=PAIR_NEWS_CAP
    )
    if digest.others:
        prefetch_related_objects(digest.others, "priorities", "countries", "regions")
    return digest


def _own_counts(agency, start, end, today, horizon, now):
    """The agency's own activities counted three ways, in one pass over its rows."""
    live = Q(status__in=LIVE)
    return Activity.objects.filter(agency=agency).aggregate(
        changed=Count("pk", filter=_in_week(start, end)),
        ending_soon=Count("pk", filter=live & Q(end_date__gte=today, end_date__lte=horizon)),
        stale=Count(
            "pk", filter=live & Q(updated_at__lt=now - datetime.timedelta(days=STALE_DAYS))
        ),
    )


def _in_week(start, end):
    """Created or updated in [start, end).

    updated_at is never before created_at, so `updated_at >= start` holds for both and lets
    the (updated_at, id) index narrow the rows first.
    """
    return Q(updated_at__gte=start) & (
        Q(created_at__gte=start, created_at__lt=end) | Q(updated_at__lt=end)
    )


def _footprint(agency):
    """Priority ids and country ids where an agency works (two sets, small).

    Read from every agency's footprint, counted in one grouped query and kept until the
    register changes (`common.tallies`): the weekly run builds a digest for each head of
    every agency, and the footprints are the same for all of them. Copies, so that a caller
    cannot change what is kept.
    """
    priority_ids, country_ids = _footprints().get(agency.pk, ((), ()))
    return set(priority_ids), set(country_ids)


def _footprints():
    """{agency id: (priority ids, country ids)} of every agency with work, kept per version
    of the register: 1 query when the register changed since the last digest, none after."""
    return _kept("digest-footprints", _count_footprints)


def _count_footprints():
    """Every agency's footprint in one query.

    The activities that count are read once (a CTE) for the three through tables; per
    agency, the same three queries would each walk that agency's rows again.
    """
    t = {
        "activity": Activity._meta.db_table,
        "ap": ActivityPriority._meta.db_table,
        "ac": ActivityCountry._meta.db_table,
        "ar": ActivityRegion._meta.db_table,
        "rc": RegionCountry._meta.db_table,
    }
    # Table names from the models, values as parameters (bandit B608).
    sql = (  # nosec B608
        "WITH live AS (SELECT id, agency_id FROM {activity} "
        "WHERE status <> %s AND deleted_at IS NULL) "
        "SELECT DISTINCT live.agency_id, 'p', CAST(ap.priority_id AS CHAR(20)) "
        "FROM {ap} ap JOIN live ON live.id = ap.activity_id "
        "UNION "
        "SELECT DISTINCT live.agency_id, 'c', ac.country_id "
        "FROM {ac} ac JOIN live ON live.id = ac.activity_id "
        "UNION "
        "SELECT DISTINCT named.agency_id, 'c', rc.country_id FROM "
        "(SELECT DISTINCT live.agency_id, ar.region_id "
        "FROM {ar} ar JOIN live ON live.id = ar.activity_id) named "
        "JOIN {rc} rc ON rc.region_id = named.region_id"
    ).format(**t)
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [Activity.Status.CANCELLED.value])
        for agency_id, kind, value in cursor.fetchall():
            priority_ids, country_ids = found.setdefault(agency_id, (set(), set()))
            if kind == "p":
                priority_ids.add(int(value))
            else:
                country_ids.add(value.strip())
    return {pk: (frozenset(p), frozenset(c)) for pk, (p, c) in found.items()}


def _regions_covering(country_ids):
    """Every region (with its level) containing at least one of the countries: 1 query."""
    return dict(
        Region.objects.filter(
            code__in=RegionCountry.objects.filter(country_id__in=country_ids).values("region_id")
        ).values_list("code", "level")
    )


def _initiative_notes(initiatives, start, end, today, horizon):
    out = []
    for initiative in initiatives:
        notes = []
        if start <= initiative.updated_at < end:
            notes.append(_("Updated that week."))
        if initiative.start_date and today <= initiative.start_date <= horizon:
            notes.append(
                _("Starts on %(date)s.") % {"date": date_format(initiative.start_date, "j F Y")}
            )
        if initiative.end_date and today <= initiative.end_date <= horizon:
            notes.append(
                _("Ends on %(date)s.") % {"date": date_format(initiative.end_date, "j F Y")}
            )
        out.append((initiative, " ".join(notes)))
    return out


def _gaps(covering, year, week, priority_ids):
    """The coverage gaps (`activities.coverage.gaps`) in the M49 sub-regions where the agency
    works, over the digest's week: the gaps page lists the same ones for the same period,
    level and regions (see `Digest.gaps_query`). Returns (gaps, the sub-regions' codes).

    Those under priorities the agency has worked under (`priority_ids`, its completed work
    included) come first: gaps it knows how to fill. Read from the week's gaps in every
    sub-region (`_week_gaps`): a column of the matrix does not depend on the others.
    """
    subregions = sorted(code for code, level in covering.items() if level == Region.Level.SUBREGION)
    if not subregions:
        return [], []
    wanted = set(subregions)
    found = [gap for gap in _week_gaps(year, week) if gap.region.pk in wanted]
    found.sort(key=lambda g: (g.priority.pk not in priority_ids, g.priority.code, g.region.name))
    return found, subregions


def _week_gaps(year, week):
    """Every sub-region's gaps over a week, the same for every reader.

    Counting them is a matrix's work (every activity of the period joined to its places and
    priorities): done for the first digest of the week and kept until the register changes
    (`common.tallies`), instead of once per reader. The week's days, not the time of asking,
    bound the count, so a week in progress is kept too. At most 4 queries, or none.
    """
    first, last = weeks.days(year, week)
    return _kept(
        f"digest-week-gaps:{weeks.label(year, week)}",
        lambda: coverage.gaps(Region.Level.SUBREGION, first, last),
    )
