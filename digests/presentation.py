"""How a digest reads: the `Digest` built by digests.content, its sections and items, and the
context its email templates (templates/emails/digest.*) and the home page render.

Nothing here queries the database: every row it shows was fetched by digests.content.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.models import Activity
from geo.models import Region
from governance import selectors as governance_selectors
from initiatives.models import JointInitiative
from overlaps.models import OverlapFlag

from . import tokens
from . import week as weeks
from .attention import DECISIONS_DUE_DAYS, Attention

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
    # Decisions, comments and initiatives on the person's pairs that were not emailed to them
    # at once (they chose "in my digest only", or the email failed): told here instead.
    pair_news: list = field(default_factory=list)  # overlaps.PairEvent
    # activities.coverage.Gap (priority, region) where the agency works, its own first.
    gaps: list = field(default_factory=list)
    # How many items each list has in all (the lists hold only the first few).
    totals: dict = field(default_factory=dict)
    agency: object = None
    today: datetime.date | None = None
    # The codes of the sub-regions where the agency works: those the gaps were sought in.
    gap_regions: list = field(default_factory=list)
    # Where the agency works: the priorities named on an item are those it shares.
    priority_ids: set = field(default_factory=set)

    LISTS = ("others", "initiatives", "pair_news")

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
        sections.append(
            group(
                [_event_item(event, absolute, agency) for event in self.pair_news],
                "pair_news",
                _("News on your pairs"),
                absolute(reverse("overlaps:flag-list")),
                _("What was said or decided on pairs you follow, not emailed to you at once."),
            )
        )
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
        gaps_url = absolute(reverse("coverage-gaps"))
        gaps_url = f"{gaps_url}?{urlencode(self.gaps_query(), doseq=True)}"
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
            "gaps_url": gaps_url,
            "site_url": site,
            "portal_url": absolute(reverse("dashboard")),
            "profile_url": absolute(reverse("digests:preferences")),
            "archive_url": absolute(reverse("digests:archive")),
            "unsubscribe_url": absolute(reverse("digests:unsubscribe", args=[tokens.make(user)])),
        }

    def gaps_query(self):
        """The gaps page's parameters that list the digest's gaps: the same computation
        (`activities.coverage.gaps`) over the same period, level and regions."""
        first, last = weeks.days(self.year, self.week)
        return {
            "by": "subregion",
            "running_from": first.isoformat(),
            "running_to": last.isoformat(),
            "region": self.gap_regions,
        }

    def _gaps_line(self):
        """The gaps grouped by priority, the first GAP_NAMES priorities named with their
        first GAP_NAMES regions; the rest counted."""
        if not self.gaps:
            return ""
        by_priority = {}
        for gap in self.gaps:
            by_priority.setdefault(gap.priority, []).append(gap.region)

        def named(things, separator, other):
            shown = [str(t) for t in things[:GAP_NAMES]]
            if len(things) > GAP_NAMES:
                shown.append(other(len(things) - GAP_NAMES))
            return separator.join(shown)

        def other_regions(count):
            return ngettext("%(count)s other", "%(count)s others", count) % {"count": count}

        def other_priorities(count):
            return ngettext(
                "and %(count)s other priority", "and %(count)s other priorities", count
            ) % {"count": count}

        parts = [
            _("%(priority)s in %(regions)s")
            % {"priority": priority_name(priority), "regions": named(regions, ", ", other_regions)}
            for priority, regions in by_priority.items()
        ]
        return _("No activity that week under %(gaps)s.") % {
            # Priority names have commas of their own.
            "gaps": named(parts, "; ", other_priorities),
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
            # Open invitations may be on proposed or active initiatives: the whole list.
            absolute(reverse("initiatives:initiative-list")),
        ),
        _group(
            attention,
            "positions",
            _("Common positions to adopt")
            if agency is None
            else _("Common positions awaiting your agency"),
            [_position_item(p, absolute) for p in attention.positions],
            absolute(reverse("positions:list")),
            _("Soonest deadline first."),
        ),
        _group(
            attention,
            "action_points",
            _("The group's action points due"),
            [_action_point_item(p, absolute, attention.today) for p in attention.action_points],
            absolute(governance_selectors.action_point_list_url(agency)),
            _("Overdue, or due within %(days)s days.")
            % {"days": governance_selectors.DUE_SOON_DAYS},
        ),
        _group(
            attention,
            "meetings",
            _("The group's meetings coming up"),
            [_meeting_item(m, absolute) for m in attention.meetings],
            absolute(reverse("governance:meeting-list")),
            _("In the next %(days)s days.") % {"days": governance_selectors.MEETINGS_AHEAD_DAYS},
        ),
        *_states_groups(attention, absolute, slug),
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
        meta = _("%(similarity)s%% similar") % {"similarity": round(flag.score * 100)}
        if since:
            meta = _("Flagged on %(date)s") % {"date": date_format(flag.created_at, "j F Y")}
    title = f"{a.agency.acronym} “{short(a.title)}” ↔ {b.agency.acronym} “{short(b.title)}”"
    return {
        "title": title,
        "url": absolute(flag.get_absolute_url()),
        "meta": meta,
        "note": note,
    }


def _event_item(event, absolute, agency):
    """One decision, comment or joint initiative on a pair, as a digest item."""
    item = _pair_item(event.flag, absolute, agency, decided=True)
    who = event.actor.display_name if event.actor else _("Someone")
    when = date_format(event.created_at, "j F")
    if event.kind == "comment" and event.comment:
        item["meta"] = _("%(who)s commented on %(when)s") % {"who": who, "when": when}
        item["note"] = Truncator(event.comment.text).words(NOTE_WORDS)
    elif event.kind == "decision":
        item["meta"] = _("%(who)s decided “%(status)s” on %(when)s") % {
            "who": who,
            "status": event.get_status_display(),
            "when": when,
        }
        item["note"] = Truncator(event.note).words(NOTE_WORDS)
    elif event.kind in ("withdrawn", "restored"):
        # The note names the agency whose activity it was (overlaps.services.note_withdrawal).
        message = (
            _("%(agency)s’s activity was withdrawn on %(when)s")
            if event.kind == "withdrawn"
            else _("%(agency)s’s activity was restored on %(when)s")
        )
        item["meta"] = message % {"agency": event.note, "when": when}
        item["note"] = ""
    else:
        item["meta"] = _("%(who)s made it a joint initiative on %(when)s") % {
            "who": who,
            "when": when,
        }
        item["note"] = ""
    return item


def _action_point_item(point, absolute, today):
    return {
        "title": point.text,
        "url": absolute(point.get_absolute_url()),
        "meta": _("%(owner)s · due %(date)s")
        % {"owner": point.owner.acronym, "date": date_format(point.due_date, "j F Y")},
        "note": _("Overdue") if point.is_overdue_on(today) else "",
    }


def _meeting_item(meeting, absolute):
    meta = [meeting.get_kind_display(), date_format(meeting.date, "j F Y")]
    if meeting.where:
        meta.append(str(meeting.where))
    return {
        "title": meeting.title,
        "url": absolute(meeting.get_absolute_url()),
        "meta": " · ".join(meta),
        "note": "",
    }


def _states_groups(attention, absolute, slug):
    """Requests for support assigned to the agency and its follow-ups due (see states)."""
    requests_url = absolute(reverse("states:request-list"))
    follow_ups_url = absolute(reverse("states:follow-up-list"))
    today = attention.today

    def request_item(support_request):
        return {
            "title": support_request.subject,
            "url": absolute(support_request.get_absolute_url()),
            "meta": " · ".join(
                p for p in (support_request.requester, support_request.get_status_display()) if p
            ),
            "note": "",
        }

    def follow_up_item(follow_up):
        overdue = today is not None and follow_up.due_date < today
        return {
            "title": follow_up.description,
            "url": absolute(follow_up.get_absolute_url()),
            "meta": _("Due %(date)s") % {"date": date_format(follow_up.due_date)},
            "note": _("Overdue") if overdue else "",
        }

    return [
        _group(
            attention,
            "support_requests",
            _("Requests for support assigned to your agency"),
            [request_item(r) for r in attention.support_requests],
            f"{requests_url}?agency={slug}" if slug else requests_url,
        ),
        _group(
            attention,
            "follow_ups",
            _("Follow-ups of engagements due"),
            [follow_up_item(f) for f in attention.follow_ups],
            f"{follow_ups_url}?agency={slug}&status=open" if slug else follow_ups_url,
        ),
    ]


def _initiative_item(initiative, absolute):
    return {
        "title": initiative.title,
        "url": absolute(initiative.get_absolute_url()),
        "meta": _("Led by %(acronym)s") % {"acronym": initiative.lead_agency.acronym},
        "note": "",
    }


def _position_item(position, absolute):
    """A common position asking something of the reader: its endorsement, comments, or
    (the secretariat) its adoption; with the deadline that applies."""
    due = date_format(position.due, "j F Y") if position.due else ""
    if position.attention == "endorse":
        note = _("Endorsement due by %(date)s") % {"date": due}
    elif position.attention == "comment":
        note = _("Comments due by %(date)s") % {"date": due}
    else:
        note = _("Ready to adopt")
    return {
        "title": position.title,
        "url": absolute(position.get_absolute_url()),
        "meta": _("Led by %(acronym)s") % {"acronym": position.lead_agency.acronym},
        "note": note,
    }


# -- building ----------------------------------------------------------------------------
