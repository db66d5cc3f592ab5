"""What a weekly digest says to one person: a pure function of the database, nothing is sent.

Written to be read in two minutes by a head of agency. First what needs attention (the
selector `digests.attention.needs_attention`, which the home page shows too); then the few
pieces of other agencies' work of the week most relevant to the agency; then one line each
for its own activities and the gaps around it, and its joint initiatives' news.

`build_digest(user, year, week)` runs a fixed number of queries whatever the data size:
every list is one query (its first rows plus, through a window count, how many there are in
all), and the relations the email shows (priorities, countries, regions) are fetched once.

Where an agency "works": the priorities and the countries (named directly or covered by a
region) of its activities that are not cancelled.
"""

import contextlib
import datetime

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activities import coverage
from activities.models import Activity
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


def _count_of(through_rows):
    """How many rows of a through table match, as a correlated subquery (0 when none)."""
    counted = through_rows.order_by().values("activity_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


def _ranked_for(agency, candidates, priority_ids, country_ids, region_ids):
    """Other agencies' activities, most relevant to `agency` first.

    Relevance adds the priorities the activity shares with the agency, the places it shares
    (named countries and covering regions, at most 3 counted) and OVERLAP_WEIGHT times the best
    overlap score between it and one of the agency's own activities (pairs judged not related
    left out). Each term is a correlated subquery on an indexed table, evaluated only for the
    week's candidates; the agency's own activities are read once (a hashed subplan). Only
    the score is selected: the counts serve the order alone.
    """
    mine = Activity.objects.filter(agency=agency).values("pk")
    flags = OverlapFlag.objects.exclude(status=OverlapFlag.Status.NOT_RELATED).order_by("-score")

    def best(flags):
        return Coalesce(Subquery(flags.values("score")[:1]), Value(0.0))

    shared_places = _count_of(
        ActivityCountry.objects.filter(activity_id=OuterRef("pk"), country_id__in=country_ids)
    ) + _count_of(
        ActivityRegion.objects.filter(activity_id=OuterRef("pk"), region_id__in=region_ids)
    )
    shared_priorities = _count_of(
        ActivityPriority.objects.filter(activity_id=OuterRef("pk"), priority_id__in=priority_ids)
    )
    return candidates.annotate(
        # A pair is stored once, either way round: the agency's activity on either side.
        best_score=Greatest(
            best(flags.filter(activity_a=OuterRef("pk"), activity_b__in=mine)),
            best(flags.filter(activity_b=OuterRef("pk"), activity_a__in=mine)),
        ),
    ).alias(
        relevance=ExpressionWrapper(
            shared_priorities
            + Least(shared_places, Value(3))
            + Value(float(OVERLAP_WEIGHT)) * F("best_score"),
            output_field=FloatField(),
        ),
    )


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
    news = (
        Activity.objects.select_related("agency")
        .filter(_in_week(start, end))
        .filter(_not_history(today))
    )

    if agency is None:
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
            candidates = (
                news.exclude(agency=agency)
                .filter(_under_priorities(priority_ids))
                .filter(_in_places(country_ids, list(covering)))
            )
            digest.others, totals["others"] = first_rows(
                _ranked_for(agency, candidates, priority_ids, country_ids, list(covering)),
                ("-relevance", "-updated_at", "-pk"),
                cap=OTHERS_CAP,
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
        digest.gaps, digest.gap_regions = _gaps(covering, year, week, priority_ids, now)

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
    """Priority ids and country ids where an agency works: 1 query, small results.

    The agency's activities are read once (a CTE) for the three through tables; three ORM
    queries would each walk the agency's rows in the activity table again.
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
        "WITH mine AS (SELECT id FROM {activity} "
        "WHERE agency_id = %s AND status <> %s AND deleted_at IS NULL) "
        "SELECT DISTINCT 'p', CAST(priority_id AS CHAR(20)) FROM {ap} "
        "WHERE activity_id IN (SELECT id FROM mine) "
        "UNION "
        "SELECT DISTINCT 'c', country_id FROM {ac} WHERE activity_id IN (SELECT id FROM mine) "
        "UNION "
        "SELECT DISTINCT 'c', country_id FROM {rc} WHERE region_id IN "
        "(SELECT region_id FROM {ar} WHERE activity_id IN (SELECT id FROM mine))"
    ).format(**t)
    priority_ids, country_ids = set(), set()
    with connection.cursor() as cursor:
        cursor.execute(sql, [agency.pk, Activity.Status.CANCELLED.value])
        for kind, value in cursor.fetchall():
            if kind == "p":
                priority_ids.add(int(value))
            else:
                country_ids.add(value.strip())
    return priority_ids, country_ids


def _in_places(country_ids, region_ids, activity=None):
    """The activity names one of the countries, or one of the regions.

    Correlated EXISTS on the through tables' unique (activity, x) indexes: the planner starts
    from the activities already narrowed down instead of materialising every place row.
    """
    activity = activity or OuterRef("pk")
    return Exists(
        ActivityCountry.objects.filter(activity_id=activity, country_id__in=country_ids)
    ) | Exists(ActivityRegion.objects.filter(activity_id=activity, region_id__in=region_ids))


def _under_priorities(priority_ids):
    return Exists(
        ActivityPriority.objects.filter(activity_id=OuterRef("pk"), priority_id__in=priority_ids)
    )


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


# How long the gaps of a week that is over are kept for the digests of that week: the weekly
# run builds every reader's digest within minutes, and the gaps are the same for all of them.
WEEK_GAPS_SECONDS = 15 * 60


def _gaps(covering, year, week, priority_ids, now):
    """The coverage gaps (`activities.coverage.gaps`) in the M49 sub-regions where the agency
    works, over the digest's week: the gaps page lists the same ones for the same period,
    level and regions (see `Digest.gaps_query`). Returns (gaps, the sub-regions' codes).

    Those under priorities the agency has worked under (`priority_ids`, its completed work
    included) come first: gaps it knows how to fill. At most 4 queries; none when the week
    is over and its gaps are in the cache (see `_finished_week_gaps`).
    """
    subregions = sorted(code for code, level in covering.items() if level == Region.Level.SUBREGION)
    if not subregions:
        return [], []
    first, last = weeks.days(year, week)
    _start, end = weeks.bounds(year, week)
    if end <= now:
        wanted = set(subregions)
        found = [gap for gap in _finished_week_gaps(year, week) if gap.region.pk in wanted]
    else:
        found = coverage.gaps(Region.Level.SUBREGION, first, last, regions=subregions)
    found.sort(key=lambda g: (g.priority.pk not in priority_ids, g.priority.code, g.region.name))
    return found, subregions


def _finished_week_gaps(year, week):
    """Every sub-region's gaps over a week that is over, the same for every reader.

    Counting them is a matrix's work (every activity of the period joined to its places and
    priorities): done for the first digest of the weekly run and kept WEEK_GAPS_SECONDS for
    the others, instead of once per reader.
    """
    key = f"digests:week-gaps:{weeks.label(year, week)}"
    found = cache.get(key)
    if found is None:
        first, last = weeks.days(year, week)
        found = coverage.gaps(Region.Level.SUBREGION, first, last)
        cache.set(key, found, WEEK_GAPS_SECONDS)
    return found
