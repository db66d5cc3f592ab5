"""Reads that combine overlap pairs with activities and joint initiatives: the agencies an
agency works with most, for its profile; and what the secretariat's queue shows of the
score's learning."""

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db.models import Case, Count, F, IntegerField, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from activities.models import REGISTER, Activity
from agencies.models import Agency
from common import tallies
from initiatives.models import INITIATIVES, JointInitiative, Participation

from . import calibration
from .access import can_review, flags_visible_to
from .models import PAIRS, OverlapFlag

# Decisions that say two agencies' activities belong together: the same work done twice,
# work that completes the other's, or work done jointly. "Not related" says the opposite,
# and an open pair or a scan's "joint work" label is no decision (see FlagQuerySet.decided).
DECIDED_TOGETHER = (
    OverlapFlag.Status.CONFIRMED,
    OverlapFlag.Status.COMPLEMENTARY,
    OverlapFlag.Status.JOINT,
)

# How many agencies a profile ranks.
WORKS_WITH_CAP = 8
# What `works_with` is kept under (common.tallies): the activities and their partners, the
# pairs' decisions, the initiatives and participations, and the agencies' names.
WORKS_WITH_FROM = (REGISTER, PAIRS, INITIATIVES, tallies.REFERENCE)

# How many of the least certain pairs the queue asks about first, and how many refits its
# history lists.
UNCERTAIN_CAP = 5
CALIBRATION_HISTORY = 10
# What the pairs to learn from are kept under (common.tallies): the pairs (their scores,
# statuses and the decisions counted: every scan, check and decision moves it), the
# register (a withdrawn activity's pair leaves the open ones; the titles shown) and the
# reference lists (the agencies' acronyms shown).
LEARNING_FROM = (PAIRS, REGISTER, tallies.REFERENCE)


def _the_other(agency, mine, theirs):
    """Of two agency columns of a row, the one that is not `agency`'s."""
    return Case(When(**{mine: agency.pk}, then=F(theirs)), default=F(mine))


def _sql(queryset):
    """The queryset's SQL and parameters, or None when it can match nothing."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


def works_with(agency, user, cap=WORKS_WITH_CAP):
    """`ranked_partners(agency, user, cap)`, kept until what it counts changes
    (WORKS_WITH_FROM). The key names the activities and pairs `user` may see (their SQL),
    so two people who see different pairs never share a ranking."""
    seen = [
        _sql(Activity.objects.visible_to(user).values("pk").order_by()),
        _sql(flags_visible_to(user).values("pk").order_by()),
    ]
    return tallies.kept(
        WORKS_WITH_FROM,
        f"works-with:{agency.pk}:{cap}:{seen!r}",
        lambda: ranked_partners(agency, user, cap),
    )


def ranked_partners(agency, user, cap=WORKS_WITH_CAP):
    """The agencies `agency` works with most, as `user` may see it, with each measure:

    - `partner_count`: activities of one of the two that name the other as a partner agency;
    - `initiative_count`: joint initiatives both lead or accepted to take part in (closed
      without completion left out);
    - `pair_count`: overlap pairs between their activities decided as belonging together
      (DECIDED_TOGETHER), among the pairs `user` may see;

    and `total`, their sum; highest total first, at most `cap`. Cancelled activities and
    activities `user` may not see count nowhere.

    Each measure is a GROUP BY over the rows that involve `agency` (found through indexes),
    never a scan per other agency; the three are added up in the same query. 1 query.
    """
    zero = Value(0, output_field=IntegerField())
    counted = (
        Activity.objects.visible_to(user).exclude(status=Activity.Status.CANCELLED).values("pk")
    )
    partners = (
        Activity.partners.through.objects.filter(activity__in=counted)
        .filter(Q(activity__agency=agency) | Q(agency=agency))
        .values(other=_the_other(agency, "activity__agency", "agency"))
        .annotate(p=Count("pk"), i=zero, f=zero)
        .values_list("other", "p", "i", "f")
    )
    pairs = (
        flags_visible_to(user)
        .decided()
        .filter(status__in=DECIDED_TOGETHER, activity_a__in=counted, activity_b__in=counted)
        .filter(Q(activity_a__agency=agency) | Q(activity_b__agency=agency))
        .values(other=_the_other(agency, "activity_a__agency", "activity_b__agency"))
        .annotate(p=zero, i=zero, f=Count("pk"))
        .values_list("other", "p", "i", "f")
    )
    shared = (
        JointInitiative.objects.taking_part(agency)
        .exclude(status=JointInitiative.Status.CANCELLED)
        .values("pk")
    )
    initiatives_sql, initiative_params = shared.order_by().query.sql_with_params()
    # Who else takes part in the initiatives `agency` takes part in: their leads and the
    # agencies that accepted, each initiative once per agency (UNION, not UNION ALL). First
    # in the union, which takes its column names from its first member.
    parts = [
        # Table names and Django-compiled SQL, values as parameters (bandit B608).
        f"""
        SELECT agency_id AS other, 0 AS p, COUNT(*) AS i, 0 AS f FROM (
            SELECT id AS initiative_id, lead_agency_id AS agency_id
            FROM {JointInitiative._meta.db_table} WHERE id IN ({initiatives_sql})
            UNION
            SELECT initiative_id, agency_id FROM {Participation._meta.db_table}
            WHERE status = %s AND initiative_id IN ({initiatives_sql})
        ) members GROUP BY agency_id
    """  # nosec B608
    ]
    params = [*initiative_params, Participation.Status.ACCEPTED, *initiative_params]
    for part in (partners, pairs):
        compiled = _sql(part.order_by())
        if compiled is not None:
            parts.append(compiled[0])
            params.extend(compiled[1])
    # Each member as a derived table: SQLite takes no parentheses around a union's members.
    union = " UNION ALL ".join(
        f"SELECT * FROM ({part}) part_{n}"  # nosec B608  # parts compiled by Django
        for n, part in enumerate(parts)
    )
    # Table names and Django-compiled SQL, values as parameters (bandit B608).
    sql = f"""
        SELECT agency.*, s.partner_count, s.initiative_count, s.pair_count,
            s.partner_count + s.initiative_count + s.pair_count AS total
        FROM {Agency._meta.db_table} agency
        JOIN (
            SELECT other, CAST(SUM(p) AS integer) AS partner_count,
                CAST(SUM(i) AS integer) AS initiative_count,
                CAST(SUM(f) AS integer) AS pair_count
            FROM ({union}) parts
            GROUP BY other
        ) s ON s.other = agency.id
        WHERE agency.id <> %s
        ORDER BY total DESC, agency.acronym
        LIMIT %s
    """  # nosec B608
    return list(Agency.objects.raw(sql, [*params, agency.pk, cap]))


def pairs_to_learn_from(user, cap=UNCERTAIN_CAP, threshold=None):
    """(pairs, threshold): the open pairs the score is least sure about, nearest the
    threshold in force first, at most `cap`, while the portal has fewer than
    OVERLAP_LEARNING_DECISIONS decisions to learn from; no pairs after that, or for
    anyone who does not decide. 2 queries: the calibration (none when `threshold`, the one in
    force, is given), and the pairs with the number of decisions beside them (a page the
    secretariat opens all day), kept until the pairs or the register change (none)."""
    if not can_review(user):
        return [], None
    if threshold is None:
        _weights, threshold = calibration.current()
    decisions = (
        OverlapFlag.objects.learned_from()
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    visible = flags_visible_to(user)
    nearest = (
        visible.open()
        .nearest_threshold(threshold)
        .annotate(decisions=Coalesce(Subquery(decisions), 0))
        .select_related("activity_a__agency", "activity_b__agency")[:cap]
    )
    # Kept (LEARNING_FROM): reading the open pairs nearest the threshold was most of the
    # secretariat's queue. They are the pairs `user` may see, the threshold and the cap
    # chosen: the key names those (the pairs by their query, which carries who may see
    # them), not the longer query made of them, which would cost more to compile.
    pairs = tallies.kept(
        LEARNING_FROM,
        f"pairs-to-learn-from:{threshold!r}:{cap}:{tallies.query_key(visible)}",
        lambda: list(nearest),
    )
    if not pairs or pairs[0].decisions >= settings.OVERLAP_LEARNING_DECISIONS:
        return [], None
    return pairs, threshold


def score_learning(user, *, ask, cap=UNCERTAIN_CAP, limit=CALIBRATION_HISTORY):
    """What the queue shows the secretariat of the score's learning: (the pairs to decide
    first and the threshold they are nearest, as `pairs_to_learn_from`, asked only when
    `ask`; the latest `limit` refits, kept or refused). Nothing for anyone who does not
    decide. 2 queries: the calibration in force with the history, and the pairs."""
    if not can_review(user):
        return [], None, []
    (_weights, threshold), history = calibration.current_and_history(limit)
    pairs, threshold = pairs_to_learn_from(user, cap, threshold) if ask else ([], None)
    return pairs, threshold, history
