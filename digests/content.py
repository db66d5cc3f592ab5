"""What a weekly digest says to one person: a pure function of the database, nothing is sent.

`build_digest(user, year, week)` runs a fixed number of queries whatever the data size:
every section is one query (its first CAP rows plus, through a window count, how many
there are in all), and the relations the email shows (priorities, countries, regions) are
fetched once for all the activities of all sections.

Where an agency "works": the priorities and the countries (named directly or covered by a
region) of its activities that are not cancelled.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Window, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Activity
from geo.models import Region
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag
from priorities.models import Priority

from . import tokens
from . import week as weeks

# Items shown per list; the rest is a count and a link to the portal.
CAP = 20
SOON_DAYS = 30
STALE_DAYS = 183  # about six months

ActivityPriority = Activity.priorities.through
ActivityCountry = Activity.countries.through
ActivityRegion = Activity.regions.through
RegionCountry = Region.countries.through
InitiativeAgency = JointInitiative.participating_agencies.through

LIVE = (Activity.Status.PLANNED, Activity.Status.ONGOING)


@dataclass
class Digest:
    recipient: object
    year: int
    week: int
    start: datetime.datetime
    end: datetime.datetime
    others: list = field(default_factory=list)
    own: list = field(default_factory=list)
    open_flags: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    initiatives: list = field(default_factory=list)  # (initiative, note)
    ending_soon: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    gaps: list = field(default_factory=list)  # [Priority]
    # How many items each list has in all (the lists hold at most CAP).
    totals: dict = field(default_factory=dict)
    agency: object = None
    today: datetime.date | None = None
    gap_regions: list = field(default_factory=list)

    LISTS = ("others", "own", "open_flags", "decisions", "initiatives", "ending_soon", "stale")

    @property
    def is_secretariat_version(self):
        return self.agency is None

    @property
    def is_empty(self):
        """Nothing to say: the gap line alone is not worth an email."""
        return not any(getattr(self, name) for name in self.LISTS)

    @property
    def label(self):
        return weeks.label(self.year, self.week)

    def total(self, name):
        return self.totals.get(name, len(getattr(self, name)))

    def more(self, name):
        return max(self.total(name) - len(getattr(self, name)), 0)

    @property
    def item_count(self):
        return sum(self.total(name) for name in self.LISTS)

    # -- what the email templates read -------------------------------------------------

    def context(self):
        site = settings.SITE_URL
        user = self.recipient
        agency = self.agency
        sections = []

        def absolute(path):
            return f"{site}{path}"

        def activity_list_url(**params):
            url = absolute(reverse("activities:list"))
            params = {k: v for k, v in params.items() if v}
            return f"{url}?{urlencode(params)}" if params else url

        def section(name, title, intro, items, more_url):
            if not items:
                return
            sections.append(
                {
                    "key": name,
                    "title": title,
                    "intro": intro,
                    "items": items,
                    "total": self.total(name),
                    "more": self.more(name),
                    "more_url": more_url,
                }
            )

        agency_slug = agency.slug if agency else ""
        section(
            "others",
            _("What other agencies did") if agency else _("Activities started or changed"),
            _("Started or changed this week under your priorities and in your countries.")
            if agency
            else _("Every activity started or changed this week."),
            [self._activity_item(a, absolute, show_agency=True) for a in self.others],
            activity_list_url(),
        )
        section(
            "own",
            _("Your agency's new and changed activities"),
            "",
            [self._activity_item(a, absolute) for a in self.own],
            activity_list_url(agency=agency_slug),
        )
        flags_url = absolute(reverse("overlaps:flag-list"))
        by_agency = {"agency": agency_slug} if agency else {}
        section(
            "open_flags",
            _("Possible duplications to review"),
            _("Open overlap flags that involve your agency.")
            if agency
            else _("All open overlap flags."),
            [self._flag_item(f, absolute) for f in self.open_flags],
            f"{flags_url}?{urlencode({'status': 'open', **by_agency})}",
        )
        section(
            "decisions",
            _("Decisions by the secretariat this week"),
            "",
            [self._decision_item(f, absolute) for f in self.decisions],
            f"{flags_url}?{urlencode(by_agency)}" if agency else flags_url,
        )
        section(
            "initiatives",
            _("Joint initiatives"),
            _("Status changes this week and dates in the next %(days)s days.")
            % {"days": SOON_DAYS},
            [
                {
                    "title": initiative.title,
                    "url": absolute(initiative.get_absolute_url()),
                    "meta": " · ".join(
                        [initiative.lead_agency.acronym, initiative.get_status_display()]
                    ),
                    "note": note,
                }
                for initiative, note in self.initiatives
            ],
            absolute(reverse("initiatives:initiative-list")),
        )
        section(
            "ending_soon",
            _("Ending within %(days)s days") % {"days": SOON_DAYS},
            _("Is the end date still right? Update the activity or mark it completed."),
            [
                self._activity_item(
                    a,
                    absolute,
                    note=_("Ends on %(date)s") % {"date": date_format(a.end_date, "j F Y")},
                )
                for a in self.ending_soon
            ],
            activity_list_url(agency=agency_slug, status="ongoing"),
        )
        section(
            "stale",
            _("Not updated for six months"),
            _("A short update keeps the map of who does what reliable."),
            [
                self._activity_item(
                    a,
                    absolute,
                    note=_("Last updated on %(date)s")
                    % {"date": date_format(a.updated_at, "j F Y")},
                )
                for a in self.stale
            ],
            activity_list_url(agency=agency_slug),
        )
        gaps_line = ""
        if self.gaps:
            gaps_line = _("No activity of any agency under %(priorities)s in %(regions)s.") % {
                "priorities": ", ".join(f"({p.code}) {p.short_title}" for p in self.gaps),
                "regions": ", ".join(r.name for r in self.gap_regions),
            }
        counts = ngettext("%(count)s item", "%(count)s items", self.item_count) % {
            "count": self.item_count
        }
        return {
            "digest": self,
            "recipient": user,
            "agency": agency,
            "week_label": self.label,
            "week_start": self.start.date(),
            "week_end": (self.end - datetime.timedelta(days=1)).date(),
            "sections": sections,
            "is_empty": self.is_empty,
            "item_count": self.item_count,
            "preheader": _("%(week)s: %(counts)s for you in the GMG Portal.")
            % {"week": self.label, "counts": counts},
            "gaps": self.gaps,
            "gaps_line": gaps_line,
            "gaps_url": absolute(reverse("priority-list")),
            "site_url": site,
            "portal_url": absolute(reverse("dashboard")),
            "profile_url": absolute(reverse("digests:preferences")),
            "archive_url": absolute(reverse("digests:archive")),
            "unsubscribe_url": absolute(reverse("digests:unsubscribe", args=[tokens.make(user)])),
        }

    @staticmethod
    def _places(activity):
        names = [c.name for c in activity.countries.all()] + [
            r.name for r in activity.regions.all()
        ]
        if len(names) > 4:
            names = names[:4] + [_("%(count)s more") % {"count": len(names) - 4}]
        return ", ".join(names)

    def _activity_item(self, activity, absolute, show_agency=False, note=""):
        meta = []
        if show_agency:
            meta.append(activity.agency.acronym)
        meta.append(activity.get_status_display())
        codes = " ".join(f"({p.code})" for p in activity.priorities.all())
        if codes:
            meta.append(codes)
        places = self._places(activity)
        if places:
            meta.append(places)
        if not note:
            note = _("New") if activity.created_at >= self.start else _("Changed")
        return {
            "title": activity.title,
            "reference": activity.reference,
            "url": absolute(activity.get_absolute_url()),
            "meta": " · ".join(meta),
            "note": note,
        }

    @staticmethod
    def _flag_item(flag, absolute):
        a, b = flag.activity_a, flag.activity_b
        return {
            "title": f"{a.agency.acronym} “{a.title}” ↔ {b.agency.acronym} “{b.title}”",
            "url": absolute(flag.get_absolute_url()),
            "meta": _("Score %(score)s%%") % {"score": round(flag.score * 100)},
            "note": "",
        }

    @staticmethod
    def _decision_item(flag, absolute):
        a, b = flag.activity_a, flag.activity_b
        note = flag.get_status_display()
        if flag.decision_note:
            note = f"{note}: {flag.decision_note}"
        return {
            "title": f"{a.agency.acronym} “{a.title}” ↔ {b.agency.acronym} “{b.title}”",
            "url": absolute(flag.get_absolute_url()),
            "meta": date_format(flag.decided_at, "j F Y") if flag.decided_at else "",
            "note": note,
        }


# -- building ----------------------------------------------------------------------------


def _page(queryset, order):
    """The first CAP rows and the total, in one query (a window count over the whole set)."""
    rows = list(queryset.annotate(_total=Window(Count("pk"))).order_by(*order)[:CAP])
    return rows, (rows[0]._total if rows else 0)


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
            notes.append(
                _("Updated this week; status: %(status)s.")
                % {"status": initiative.get_status_display()}
            )
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


def build_digest(user, year, week, now=None):
    """The digest of ISO week (year, week) for `user`; sends nothing, writes nothing."""
    now = now or timezone.now()
    today = now.astimezone(datetime.UTC).date()
    horizon = today + datetime.timedelta(days=SOON_DAYS)
    start, end = weeks.bounds(year, week)
    agency = None if user.is_secretariat or not user.agency_id else user.agency
    digest = Digest(
        recipient=user, year=year, week=week, start=start, end=end, agency=agency, today=today
    )
    totals = digest.totals
    activities = Activity.objects.select_related("agency")
    recent = ("-updated_at", "-pk")
    flags = OverlapFlag.objects.with_pair()
    changed_initiatives = JointInitiative.objects.select_related("lead_agency").filter(
        updated_at__gte=start, updated_at__lt=end
    )

    if agency is None:
        digest.others, totals["others"] = _page(activities.filter(_in_week(start, end)), recent)
        digest.open_flags, totals["open_flags"] = _page(flags.open(), ("-score", "pk"))
        digest.decisions, totals["decisions"] = _page(
            flags.decided().filter(decided_at__gte=start, decided_at__lt=end),
            ("-decided_at", "pk"),
        )
        rows, totals["initiatives"] = _page(changed_initiatives, ("-updated_at", "pk"))
        digest.initiatives = _initiative_notes(rows, start, end, today, horizon)
    else:
        priority_ids, country_ids = _footprint(agency)
        covering = _regions_covering(country_ids) if country_ids else {}
        if priority_ids and country_ids:
            others = (
                activities.exclude(agency=agency)
                .filter(_in_week(start, end))
                .filter(_under_priorities(priority_ids))
                .filter(_in_places(country_ids, list(covering)))
            )
            digest.others, totals["others"] = _page(others, recent)
        own = activities.filter(agency=agency)
        digest.own, totals["own"] = _page(own.filter(_in_week(start, end)), recent)
        digest.open_flags, totals["open_flags"] = _page(
            flags.open().involving_agency(agency), ("-score", "pk")
        )
        digest.decisions, totals["decisions"] = _page(
            flags.decided()
            .involving_agency(agency)
            .filter(decided_at__gte=start, decided_at__lt=end),
            ("-decided_at", "pk"),
        )
        involved = Q(lead_agency=agency) | Q(
            pk__in=InitiativeAgency.objects.filter(agency_id=agency.pk).values("jointinitiative_id")
        )
        rows, totals["initiatives"] = _page(
            JointInitiative.objects.select_related("lead_agency")
            .filter(involved)
            .filter(
                Q(updated_at__gte=start, updated_at__lt=end)
                | Q(start_date__gte=today, start_date__lte=horizon)
                | Q(end_date__gte=today, end_date__lte=horizon)
            ),
            ("-updated_at", "pk"),
        )
        digest.initiatives = _initiative_notes(rows, start, end, today, horizon)
        live = own.filter(status__in=LIVE)
        digest.ending_soon, totals["ending_soon"] = _page(
            live.filter(end_date__gte=today, end_date__lte=horizon), ("end_date", "pk")
        )
        digest.stale, totals["stale"] = _page(
            live.filter(updated_at__lt=now - datetime.timedelta(days=STALE_DAYS)),
            ("updated_at", "pk"),
        )
        digest.gaps, digest.gap_regions = _gaps(covering, today)

    shown = digest.others + digest.own + digest.ending_soon + digest.stale
    if shown:
        prefetch_related_objects(shown, "priorities", "countries", "regions")
    return digest


def _gaps(covering, today):
    """Priorities with no live activity of any agency in the M49 sub-regions where it works.

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
    gaps = [p for p in priorities if not p.present]
    regions = list(Region.objects.filter(code__in=subregions).order_by("name"))
    return gaps, regions


__all__ = ["CAP", "Digest", "build_digest"]
