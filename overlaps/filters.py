import django_filters
from django.db.models import Count, Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from activities.models import REGISTER, Activity
from agencies.cached import agencies
from common import tallies
from common.reference import CachedModelChoiceFilter
from common.widgets import KeptSelect
from geo.cached import countries
from priorities.cached import priorities

from .models import BOTH_ALIVE, PAIRS, OverlapFlag


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts as asked, then by id, so pages never repeat or skip a flag."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


def _either_side(activities):
    return Q(activity_a__in=activities) | Q(activity_b__in=activities)


Status = OverlapFlag.Status

# What the queue's counts are kept under (common.tallies): the pairs' version, and the
# register's, which withdrawals (a pair leaves "To review") and the activities' priorities
# and places (the filters) move.
COUNTED_FROM = (PAIRS, REGISTER)

# The queue's tabs: every flag is in exactly one. Pairs labelled joint work (partners,
# one initiative: the strongest pairs) have their own tab rather than hiding among the
# decided ones, and a pair the secretariat decides as joint work joins them.
TABS = {
    # A pair with a withdrawn activity leaves the queue (as FlagQuerySet.open has it).
    "open": (_("To review"), Q(BOTH_ALIVE, status=Status.OPEN)),
    "joint": (_("Joint work"), Q(status=Status.JOINT)),
    "decided": (_("Decided"), Q(status__in=OverlapFlag.DECIDED_APART)),
}
DEFAULT_TAB = "open"
STATUS_CHOICES = [
    *((key, label) for key, (label, _condition) in TABS.items()),
    *((status.value, status.label) for status in OverlapFlag.DECIDED_APART),
]


class FlagFilter(django_filters.FilterSet):
    # The option lists come from the shared cache (common.reference), as the activity list's.
    agency = CachedModelChoiceFilter(
        rows=agencies, label=_("Agency"), to_field_name="slug", method="filter_agency"
    )
    priority = CachedModelChoiceFilter(
        rows=priorities,
        label=_("Priority"),
        to_field_name="code",
        method="filter_priority",
        label_from_instance=lambda p: f"({p.code}) {p.short_title}",
    )
    country = CachedModelChoiceFilter(rows=countries, label=_("Country"), method="filter_country")
    min_similarity = django_filters.NumberFilter(
        label=_("Minimum similarity (%)"), method="filter_min_similarity"
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        label=_("Status"),
        empty_label=_("Any status"),
        method="filter_status",
        widget=KeptSelect,
    )
    ordering = StableOrderingFilter(
        fields=(("score", "score"), ("created_at", "date")),
        field_labels={"score": _("Similarity"), "created_at": _("Date flagged")},
        label=_("Sort by"),
        empty_label=_("Most similar first"),
        widget=KeptSelect,
    )

    class Meta:
        model = OverlapFlag
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # The queue shows the pairs to review unless another status (or "any") is chosen.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if "status" not in data:
            data["status"] = DEFAULT_TAB
        super().__init__(data, *args, **kwargs)
        self.filters["min_similarity"].field.widget.attrs.update(step="1", min="0", max="100")

    @property
    def tab(self):
        """The tab the chosen status is, or None (a single decision, or any status)."""
        status = self.data.get("status")
        return status if status in TABS else None

    def tab_counts(self):
        """{tab: number of flags} under the other filters, in one query, kept until the
        pairs or the register change (COUNTED_FROM)."""
        flags = self.without_status()
        if flags.query.is_empty():
            return dict.fromkeys(TABS, 0)
        return tallies.kept(
            COUNTED_FROM,
            f"flag-tabs:{tallies.query_key(flags)}",
            lambda: flags.aggregate(
                **{key: Count("pk", filter=condition) for key, (_label, condition) in TABS.items()}
            ),
        )

    def without_status(self):
        """The flags the other filters (agency, priority, ...) select, whatever their status."""
        data = self.data.copy()
        data["status"] = ""
        other = type(self)(data, queryset=self.queryset)
        return other.qs if other.is_valid() else self.queryset.none()

    def filter_status(self, queryset, name, value):
        if value in TABS:
            return queryset.filter(TABS[value][1])
        return queryset.filter(status=value)

    def filter_min_similarity(self, queryset, name, value):
        # People see (and type) whole percentages; flags keep the score between 0 and 1.
        # A pair shown as 73% (a score from 0.725) is at least 73%.
        return queryset.filter(score__gte=(float(value) - 0.5) / 100)

    def filter_agency(self, queryset, name, value):
        return queryset.involving_agency(value)

    def filter_priority(self, queryset, name, value):
        return queryset.filter(_either_side(Activity.objects.filter(priorities=value)))

    def filter_country(self, queryset, name, value):
        in_country = Activity.objects.filter(
            Q(countries=value) | Q(regions__countries=value)
        ).values("pk")
        return queryset.filter(_either_side(in_country))
