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
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
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
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Activity
from geo.models import Region
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag
from priorities.models import Priority

from . import tokens
from . import week as weeks
from .attention import DECISIONS_DUE_DAYS, Attention, first_rows, needs_attention

# Other agencies' work shown; the rest is a count and a link to the portal.
OTHERS_CAP = 5
INITIATIVES_CAP = 2
SOON_DAYS = 30
STALE_DAYS = 183  # about six months
# Other agencies' work that ended longer ago than this is history, not news.
FINISHED_DAYS = 90
# Priorities named on an item of other agencies' work (names are long; the rest counted).
ITEM_PRIORITIES = 1
# Gap priorities and regions named in the one gap line.
GAP_NAMES = 2
# Words of an activity title in a pair ("IOM “…” ↔ ILO “…”") and of a decision note.
PAIR_TITLE_WORDS = 12
NOTE_WORDS = 25
# How much a likely overlap with the agency's own work weighs in the ranking, against one
# shared priority or one shared place (each counts 1, places at most 3).
OVERLAP_WEIGHT = 4

ActivityPriority = Activity.priorities.through
ActivityCountry = Activity.countries.through
ActivityRegion = Activity.regions.through
RegionCountry = Region.countries.through
InitiativeAgency = JointInitiative.participating_agencies.through

LIVE = (Activity.Status.PLANNED, Activity.Status.ONGOING)


def priority_name(priority):
    """A priority as people know it: its short title, with the ToR letter after."""
    return f"{priority.short_title} ({priority.code})"


@dataclass
class Digest:
    recipient: object
    year: int
    week: int
    start: datetime.datetime
    end: datetime.datetime
    attention: Attention = field(default_factory=Attention)
    others: list = field(default_factory=list)  # ranked, at most OTHERS_CAP
    # The agency's own activities, counted: changed in the week, ending soon, stale.
    own: dict = field(default_factory=dict)
    initiatives: list = field(default_factory=list)  # (initiative, note)
    gaps: list = field(default_factory=list)  # [Priority]
    # How many items each list has in all (the lists hold only the first few).
    totals: dict = field(default_factory=dict)
    agency: object = None
    today: datetime.date | None = None
    gap_regions: list = field(default_factory=list)
    # Where the agency works: the priorities named on an item are those it shares.
    priority_ids: set = field(default_factory=set)

    LISTS = ("others", "initiatives")

    @property
    def is_secretariat_version(self):
        return self.agency is None

    @property
    def is_empty(self):
        """Nothing to say: the gap line alone is not worth an email."""
        return (
            self.attention.is_empty
            and not any(getattr(self, name) for name in self.LISTS)
            and not any(self.own.values())
        )

    @property
    def label(self):
        return weeks.label(self.year, self.week)

    @property
    def dates(self):
        return weeks.dates(self.year, self.week)

    def total(self, name):
        return self.totals.get(name, len(getattr(self, name)))

    def more(self, name):
        return max(self.total(name) - len(getattr(self, name)), 0)

    def summary(self, limit=3):
        """What needs attention, in a few words: "1 confirmed duplication, 3 pairs to review"."""
        return ", ".join(self.attention.summary()[:limit])

    # -- what the email templates read -------------------------------------------------

    def context(self):
        site = settings.SITE_URL
        user = self.recipient
        agency = self.agency
        agency_slug = agency.slug if agency else ""

        def absolute(path):
            return f"{site}{path}"

        def activity_list_url(**params):
            url = absolute(reverse("activities:list"))
            params = {k: v for k, v in params.items() if v}
            return f"{url}?{urlencode(params)}" if params else url

        def group(items, name, title, more_url, intro=""):
            return _group(self, name, title, items, more_url, intro)

        attention = attention_groups(self.attention, absolute=absolute)

        sections = [
            group(
                [self._activity_item(a, absolute) for a in self.others],
                "others",
                _("Other agencies' work that week") if agency else _("Work started or changed"),
                activity_list_url(),
                _("Where %(acronym)s works, most relevant first.") % {"acronym": agency.acronym}
                if agency
                else _("Started or changed that week, latest first."),
            ),
            group(
                [
                    {
                        "title": initiative.title,
                        "url": absolute(initiative.get_absolute_url()),
                        "meta": " · ".join(
                            [
                                _("Led by %(acronym)s")
                                % {"acronym": initiative.lead_agency.acronym},
                                initiative.get_status_display(),
                            ]
                        ),
                        "note": note,
                    }
                    for initiative, note in self.initiatives
                ],
                "initiatives",
                _("Joint initiatives"),
                absolute(reverse("initiatives:initiative-list")),
            ),
        ]
        sections = [s for s in sections if s]

        own_lines = []
        if agency:
            own = self.own
            for key, text, url in (
                (
                    "changed",
                    ngettext(
                        "%(count)s activity new or changed that week",
                        "%(count)s activities new or changed that week",
                        own.get("changed", 0),
                    ),
                    activity_list_url(agency=agency_slug),
                ),
                (
                    "ending_soon",
                    ngettext(
                        "%(count)s ends within %(days)s days",
                        "%(count)s end within %(days)s days",
                        own.get("ending_soon", 0),
                    ),
                    activity_list_url(agency=agency_slug, status=Activity.Status.ONGOING),
                ),
                (
                    "stale",
                    ngettext(
                        "%(count)s not updated for six months",
                        "%(count)s not updated for six months",
                        own.get("stale", 0),
                    ),
                    activity_list_url(agency=agency_slug),
                ),
            ):
                if own.get(key):
                    own_lines.append(
                        {"text": text % {"count": own[key], "days": SOON_DAYS}, "url": url}
                    )

        summary = self.summary()
        if summary:
            preheader = _("Needs your attention: %(summary)s.") % {
                "summary": ", ".join(self.attention.summary())
            }
        else:
            preheader = _("Nothing needs your attention.")
        others = self.total("others")
        if others and agency:
            preheader += " " + ngettext(
                "%(count)s piece of other agencies' work.",
                "%(count)s pieces of other agencies' work.",
                others,
            ) % {"count": others}
        elif others:
            preheader += " " + ngettext(
                "%(count)s activity started or changed.",
                "%(count)s activities started or changed.",
                others,
            ) % {"count": others}
        return {
            "digest": self,
            "recipient": user,
            "agency": agency,
            "week_label": self.label,
            "week_dates": self.dates,
            "summary": summary,
            "attention": attention,
            "sections": sections,
            "own_lines": own_lines,
            "is_empty": self.is_empty,
            "preheader": preheader,
            "gaps": self.gaps,
            "gaps_line": self._gaps_line(),
            "gaps_url": absolute(reverse("priority-list")),
            "site_url": site,
            "portal_url": absolute(reverse("dashboard")),
            "profile_url": absolute(reverse("digests:preferences")),
            "archive_url": absolute(reverse("digests:archive")),
            "unsubscribe_url": absolute(reverse("digests:unsubscribe", args=[tokens.make(user)])),
        }

    def _gaps_line(self):
        if not self.gaps:
            return ""

        def named(things, name, separator):
            shown = [name(t) for t in things[:GAP_NAMES]]
            if len(things) > GAP_NAMES:
                shown.append(
                    ngettext("%(count)s other", "%(count)s others", len(things) - GAP_NAMES)
                    % {"count": len(things) - GAP_NAMES}
                )
            return separator.join(shown)

        return _("No agency has live work under %(priorities)s in %(regions)s.") % {
            # Priority names have commas of their own.
            "priorities": named(self.gaps, priority_name, "; "),
            "regions": named(self.gap_regions, str, ", "),
        }

    @staticmethod
    def _places(activity, limit=3):
        names = [c.name for c in activity.countries.all()] + [
            r.name for r in activity.regions.all()
        ]
        if len(names) > limit:
            names = names[:limit] + [_("%(count)s more") % {"count": len(names) - limit}]
        return ", ".join(names)

    def _activity_item(self, activity, absolute):
        meta = [activity.agency.acronym, activity.get_status_display()]
        places = self._places(activity)
        if places:
            meta.append(places)
        # The priorities it shares with the agency say why it is here (all, portal-wide).
        priorities = [
            priority_name(p)
            for p in activity.priorities.all()
            if not self.priority_ids or p.pk in self.priority_ids
        ]
        if len(priorities) > ITEM_PRIORITIES:
            rest = len(priorities) - ITEM_PRIORITIES
            priorities = priorities[:ITEM_PRIORITIES] + [_("%(count)s more") % {"count": rest}]
        if priorities:
            # Priority names have commas of their own.
            meta.append("; ".join(priorities))
        best = getattr(activity, "best_score", None)
        if best:
            note = _("%(score)s%% like yours") % {"score": round(best * 100)}
        elif activity.created_at >= self.start:
            note = _("New")
        else:
            note = ""
        return {
            "title": activity.title,
            "reference": activity.reference,
            "url": absolute(activity.get_absolute_url()),
            "meta": " · ".join(meta),
            "note": note,
        }


# -- the blocks, for the email and the home pages --------------------------------------


def _group(source, name, title, items, more_url, intro=""):
    """A titled list of items with its total and a link to the rest; None when empty."""
    if not items:
        return None
    return {
        "key": name,
        "title": title,
        "intro": intro,
        "items": items,
        "total": source.total(name),
        "more": source.more(name),
        "more_url": more_url,
    }


def attention_groups(attention, *, absolute=str, digest_week=True):
    """The "Needs your attention" block: the email's (absolute links, the digest's week) and
    the home page's (relative links, the last seven days) from the same `Attention`.

    The email is read after the week it reports on (its dates are in its heading), so its
    decisions are "that week's", never "this week's".

    Each group is {key, title, intro, items: [{title, url, meta, note}], total, more,
    more_url}; the decisions that ask nothing of anyone are one `line` instead of items.
    """
    agency = attention.agency
    slug = agency.slug if agency else ""
    flags_url = absolute(reverse("overlaps:flag-list"))

    def flag_list_url(**params):
        params = {k: v for k, v in {"agency": slug, **params}.items() if v}
        return f"{flags_url}?{urlencode(params)}" if params else flags_url

    def pairs(flags, **kwargs):
        return [_pair_item(f, absolute, agency, **kwargs) for f in flags]

    decisions = attention.total("decisions")
    if digest_week:
        confirmed_title = _("Confirmed duplications that week")
        decisions_line = ngettext(
            "Also decided that week: %(count)s pair complementary or not related.",
            "Also decided that week: %(count)s pairs complementary or not related.",
            decisions,
        )
    else:
        confirmed_title = _("Confirmed duplications in the last 7 days")
        decisions_line = ngettext(
            "Also decided in the last 7 days: %(count)s pair complementary or not related.",
            "Also decided in the last 7 days: %(count)s pairs complementary or not related.",
            decisions,
        )
    groups = [
        _group(
            attention,
            "confirmed",
            confirmed_title,
            pairs(attention.confirmed, decided=True),
            flag_list_url(status=OverlapFlag.Status.CONFIRMED),
        ),
        _group(
            attention,
            "overdue",
            _("Decisions due"),
            pairs(attention.overdue, since=True),
            flag_list_url(status=OverlapFlag.Status.OPEN, ordering="date"),
            _("Open for more than %(days)s days, oldest first.") % {"days": DECISIONS_DUE_DAYS},
        ),
        _group(
            attention,
            "open_pairs",
            _("Pairs to review"),
            pairs(attention.open_pairs),
            flag_list_url(status=OverlapFlag.Status.OPEN),
            _("Possible duplications, most alike first."),
        ),
        _group(
            attention,
            "initiatives",
            _("Joint initiatives awaiting your answer"),
            [_initiative_item(i, absolute) for i in attention.initiatives],
            absolute(reverse("initiatives:initiative-list"))
            + "?"
            + urlencode({"status": JointInitiative.Status.PROPOSED}),
        ),
        # Complementary or not related: nothing to act on, so a count and a link, last.
        {
            "key": "decisions",
            "title": _("Other decisions"),
            "line": decisions_line % {"count": decisions},
            "items": [],
            "total": decisions,
            "more": 0,
            "more_url": flag_list_url(),
        }
        if decisions
        else None,
    ]
    return [g for g in groups if g]


def _pair_item(flag, absolute, agency, decided=False, since=False):
    a, b = flag.activity_a, flag.activity_b
    if agency is not None and b.agency_id == agency.pk != a.agency_id:
        a, b = b, a  # the reader's own activity first

    def short(title):
        return Truncator(title).words(PAIR_TITLE_WORDS)

    if decided:
        # Listed under its decision's heading: the secretariat's note is what is new.
        note = Truncator(flag.decision_note).words(NOTE_WORDS)
        meta = ""
    else:
        note = ""
        meta = _("Score %(score)s%%") % {"score": round(flag.score * 100)}
        if since:
            meta = _("Flagged on %(date)s") % {"date": date_format(flag.created_at, "j F Y")}
    title = f"{a.agency.acronym} “{short(a.title)}” ↔ {b.agency.acronym} “{short(b.title)}”"
    return {
        "title": title,
        "url": absolute(flag.get_absolute_url()),
        "meta": meta,
        "note": note,
    }


def _initiative_item(initiative, absolute):
    return {
        "title": initiative.title,
        "url": absolute(initiative.get_absolute_url()),
        "meta": _("Led by %(acronym)s") % {"acronym": initiative.lead_agency.acronym},
        "note": "",
    }


# -- building ----------------------------------------------------------------------------


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
        digest.gaps, digest.gap_regions = _gaps(covering, today, priority_ids)

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
    sql = (
        "WITH mine AS (SELECT id FROM {activity} WHERE agency_id = %s AND status <> %s) "
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


def _gaps(covering, today, priority_ids=()):
    """Priorities with no live activity of any agency in the M49 sub-regions where it works.

    Those the agency has worked under (`priority_ids`, its completed work included) first.

    An activity is in a sub-region when it names one of its countries, the sub-region itself,
    a region inside it or a wider region (as `ActivityQuerySet.in_region`). 2 queries.
    """
    subregions = [code for code, level in covering.items() if level == Region.Level.SUBREGION]
    if not subregions:
        return [], []
    inside = RegionCountry.objects.filter(region_id__in=subregions).values("country_id")
    # Regions that share a country with the sub-regions: wider ones, themselves, narrower ones.
    touching = RegionCountry.objects.filter(country_id__in=inside).values("region_id")
    # Per priority: is there one live activity in the area? Two joined EXISTS (by country,
    # by region) stop at the first row; an OR inside one EXISTS makes PostgreSQL hash every
    # place row instead. In the SELECT list, not as WHERE NOT EXISTS (an anti-join over all).
    live = Q(activity__status__in=LIVE) & (
        Q(activity__end_date__isnull=True) | Q(activity__end_date__gte=today)
    )
    by_country = ActivityPriority.objects.filter(
        live, priority_id=OuterRef("pk"), activity__countries__in=inside
    )
    by_region = ActivityPriority.objects.filter(
        live, priority_id=OuterRef("pk"), activity__regions__in=touching
    )
    priorities = Priority.objects.annotate(present=Exists(by_country) | Exists(by_region)).order_by(
        "code"
    )
    # Priorities the agency itself has worked under come first: a gap it knows how to fill.
    gaps = sorted((p for p in priorities if not p.present), key=lambda p: p.pk not in priority_ids)
    regions = list(Region.objects.filter(code__in=subregions).order_by("name"))
    return gaps, regions


__all__ = ["OTHERS_CAP", "Digest", "attention_groups", "build_digest", "priority_name"]
