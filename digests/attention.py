"""What needs a person's attention: one selector for the digest and the home pages.

`needs_attention` is the one computation behind the digest's first block and the home pages'
"Needs your attention" list, so the email and the portal never disagree. It runs a fixed
number of queries (each list is its first few rows plus, through a window count, its total),
whatever the number of rows.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Window
from django.utils import timezone
from django.utils.translation import ngettext

from activities.models import REGISTER
from common import tallies
from common.previews import Batch
from governance import selectors as governance_selectors
from initiatives.models import JointInitiative, Participation
from overlaps.models import PAIRS, OverlapFlag
from positions import selectors as position_selectors
from states import selectors as states_selectors

# Rows shown per attention list; the rest is a count and a link.
ATTENTION_CAP = 3
# An open pair older than this is a decision due (the secretariat's backlog).
DECISIONS_DUE_DAYS = 14


def first_rows(queryset, order, cap=ATTENTION_CAP):
    """The first `cap` rows and how many there are in all, in one query (a window count)."""
    rows = list(queryset.annotate(_total=Window(Count("pk"))).order_by(*order)[:cap])
    return rows, (rows[0]._total if rows else 0)


@dataclass
class Attention:
    """What a person should act on, for one agency or (agency None) portal-wide."""

    agency: object = None
    confirmed: list = field(default_factory=list)  # duplications confirmed in the period
    decisions: list = field(default_factory=list)  # the other decisions of the period
    open_pairs: list = field(default_factory=list)  # highest score first
    overdue: list = field(default_factory=list)  # open pairs waiting too long (portal-wide)
    initiatives: list = field(default_factory=list)  # awaiting the agency's answer
    # Common positions awaiting the agency's endorsement or comments; the secretariat's:
    # ready to adopt (positions.selectors.needing_attention), soonest deadline first.
    positions: list = field(default_factory=list)
    action_points: list = field(default_factory=list)  # the group's, due soon or overdue
    meetings: list = field(default_factory=list)  # the group's meetings coming up
    totals: dict = field(default_factory=dict)
    # Requests for support from States assigned to the agency, still open, oldest first.
    support_requests: list = field(default_factory=list)
    # Follow-ups of engagements the agency owns, overdue or due soon, earliest first.
    follow_ups: list = field(default_factory=list)
    today: datetime.date | None = None

    LISTS = (
        "confirmed",
        "decisions",
        "open_pairs",
        "overdue",
        "initiatives",
        "positions",
        "action_points",
        "support_requests",
        "follow_ups",
    )
    # Coming meetings are news, not a task: shown, but a digest with nothing else is empty.

    def total(self, name):
        return self.totals.get(name, len(getattr(self, name)))

    def more(self, name):
        return max(self.total(name) - len(getattr(self, name)), 0)

    @property
    def is_empty(self):
        return not any(self.total(name) for name in self.LISTS)

    def summary(self):
        """Short phrases for a subject line, most pressing first: ["1 confirmed duplication"]."""
        phrases = []

        def add(name, singular, plural):
            count = self.total(name)
            if count:
                phrases.append(ngettext(singular, plural, count) % {"count": count})

        add("confirmed", "%(count)s confirmed duplication", "%(count)s confirmed duplications")
        add("overdue", "%(count)s decision due", "%(count)s decisions due")
        add("open_pairs", "%(count)s pair to review", "%(count)s pairs to review")
        add(
            "initiatives",
            "%(count)s initiative awaiting your answer",
            "%(count)s initiatives awaiting your answer",
        )
        if self.agency is None:
            add("positions", "%(count)s position to adopt", "%(count)s positions to adopt")
        else:
            add(
                "positions",
                "%(count)s common position awaiting your agency",
                "%(count)s common positions awaiting your agency",
            )
        add(
            "action_points",
            "%(count)s action point due",
            "%(count)s action points due",
        )
        add(
            "support_requests",
            "%(count)s request for support assigned to you",
            "%(count)s requests for support assigned to you",
        )
        add("follow_ups", "%(count)s follow-up due", "%(count)s follow-ups due")
        add("decisions", "%(count)s other decision", "%(count)s other decisions")
        return phrases


def awaiting_answer(agency):
    """Joint initiatives waiting for `agency` to answer: those that invited it and that it
    has not answered yet, while they are still open (proposed or active)."""
    invited = Participation.objects.unanswered().filter(agency_id=agency.pk)
    return JointInitiative.objects.filter(
        pk__in=invited.values("initiative_id"),
        status__in=(JointInitiative.Status.PROPOSED, JointInitiative.Status.ACTIVE),
    )


# What the pair lists are made of: the flags (every write to them moves PAIRS:
# overlaps.services.sync_flags for the scan and the checks, overlaps.review for decisions),
# their activities' titles, agencies and withdrawals (the register's services move
# REGISTER) and the agencies' acronyms (the reference lists, REFERENCE). A home page keeps
# them under these versions (`keep_pairs`).
PAIRS_FROM = (PAIRS, REGISTER, tallies.REFERENCE)


def _add_pair_lists(later, agency, since, until, now):
    """The lists of overlap pairs: decided in [since, until), open, and (portal-wide) open
    for more than DECISIONS_DUE_DAYS as of `now`."""
    flags = OverlapFlag.objects.with_pair()
    if agency is not None:
        flags = flags.involving_agency(agency)
    decided = flags.decided().filter(decided_at__gte=since, decided_at__lt=until)
    recent = ("-decided_at", "pk")
    confirmed = OverlapFlag.Status.CONFIRMED
    later("confirmed", decided.filter(status=confirmed), recent)
    later("decisions", decided.exclude(status=confirmed), recent)
    later("open_pairs", flags.open(), ("-score", "pk"))
    if agency is None:
        # Initiatives wait for agencies, not for the secretariat; its backlog is its own.
        due = now - datetime.timedelta(days=DECISIONS_DUE_DAYS)
        later("overdue", flags.open().filter(created_at__lt=due), ("created_at", "pk"))


def _kept_pair_lists(agency, since, until, now):
    """{name: (rows, total)} of the pair lists, kept under PAIRS_FROM's versions and
    everything they are computed from (the agency, the period and `now`): the rows are
    those `_add_pair_lists` would read now, since every write to what they show moves one
    of those versions. The caller rounds the times, or the key would never repeat."""

    def compute():
        batch, previews = Batch(), {}

        def later(name, queryset, order):
            # The pair's people and initiative are not shown: not kept (a person's row).
            queryset = queryset.select_related(None).select_related(
                "activity_a__agency", "activity_b__agency"
            )
            previews[name] = batch.add(queryset, order, ATTENTION_CAP)

        _add_pair_lists(later, agency, since, until, now)
        batch.run()
        return {name: (p.rows, p.total) for name, p in previews.items()}

    key = ":".join(
        ["attention-pairs", str(agency.pk if agency else "-")]
        + [moment.isoformat() for moment in (since, until, now)]
    )
    return tallies.kept(PAIRS_FROM, key, compute)


def needs_attention(agency, *, since, until, now=None, keep_pairs=False):
    """What needs attention for `agency` (None: the secretariat, portal-wide).

    Decisions are those taken in [since, until): the digest passes its ISO week, the home
    page the last seven days. Open pairs, initiatives and positions are as they stand; the
    group's action points (the agency's, or every agency's for the secretariat) due within a
    week or overdue, and its meetings of the next two weeks, as of `now`. One query: every
    list's first rows and total together (common.previews.Batch).

    `keep_pairs`: the lists of overlap pairs are kept in the shared cache (PAIRS_FROM) for
    this agency, period and `now`, which the caller rounds (the home page: to the minute).
    Probing both activities of every open pair for the agency was most of the query.
    """
    now = now or timezone.now()
    out = Attention(agency=agency, today=timezone.localdate(now))
    batch = Batch()

    def later(name, queryset, order):
        lists[name] = batch.add(queryset, order, ATTENTION_CAP)

    lists = {}
    if keep_pairs:
        for name, (rows, total) in _kept_pair_lists(agency, since, until, now).items():
            setattr(out, name, rows)
            out.totals[name] = total
    else:
        _add_pair_lists(later, agency, since, until, now)
    if agency is not None:
        later(
            "initiatives",
            awaiting_answer(agency).select_related("lead_agency"),
            ("-updated_at", "pk"),
        )
        later(
            "support_requests",
            states_selectors.open_requests_for(agency),
            ("received_date", "pk"),
        )
        later(
            "follow_ups",
            states_selectors.due_follow_ups_for(agency, out.today),
            ("due_date", "pk"),
        )
    later(
        "positions",
        position_selectors.needing_attention(agency, out.today).select_related("lead_agency"),
        ("due", "pk"),
    )
    later(
        "action_points",
        governance_selectors.action_points_due(agency, out.today),
        ("due_date", "pk"),
    )
    later("meetings", governance_selectors.meetings_coming_up(out.today), ("date", "pk"))
    batch.run()
    for name, preview in lists.items():
        setattr(out, name, preview.rows)
        out.totals[name] = preview.total
    return out


__all__ = [
    "ATTENTION_CAP",
    "DECISIONS_DUE_DAYS",
    "PAIRS_FROM",
    "Attention",
    "awaiting_answer",
    "needs_attention",
]
