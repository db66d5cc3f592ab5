import django_filters
from django import forms
from django.db.models import Case, F, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from agencies.cached import agencies
from common import sorting
from common.reference import CachedModelChoiceFilter
from geo.cached import countries, regions
from priorities.cached import priorities, target_groups

from .models import Activity

DATE = forms.DateInput(attrs={"type": "date"})

# Statuses in the order an activity lives them, for sorting by status.
STATUS_ORDER = Case(
    *(When(status=value, then=Value(n)) for n, value in enumerate(Activity.Status.values)),
    default=Value(len(Activity.Status.values)),
)

# The columns a list can be sorted by (?sort=key, or -key for descending), and how.
SORTS = {
    "title": Lower("title"),
    "agency": F("agency__acronym"),
    "start": F("start_date"),
    "end": F("end_date"),
    "status": STATUS_ORDER,
}
SORT_CHOICES = [
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
    ("agency", _("Agency, A to Z")),
    ("-agency", _("Agency, Z to A")),
    ("start", _("Start, earliest first")),
    ("-start", _("Start, latest first")),
    ("end", _("End, earliest first")),
    ("-end", _("End, latest first")),
    ("status", _("Status, planned first")),
    ("-status", _("Status, cancelled first")),
]


def sort_order(sort):
    """The order_by() arguments for a sort key; ties keep the register's usual order."""
    return sorting.sort_order(SORTS, sort, Activity._meta.ordering)


def sort_headers(sort):
    """For each sortable column, the sort its header link asks for and its aria-sort."""
    return sorting.sort_headers(SORTS, sort)


NOT_CANCELLED = "not_cancelled"


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    # The option lists come from the shared cache (common.reference): listing them, and
    # reading a chosen one back, asks the database nothing.
    agency = CachedModelChoiceFilter(rows=agencies, label=_("Agency"), to_field_name="slug")
    priority = CachedModelChoiceFilter(
        rows=priorities,
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
        label_from_instance=lambda p: f"({p.code}) {p.short_title}",
    )
    country = CachedModelChoiceFilter(rows=countries, label=_("Country"), method="filter_country")
    region = CachedModelChoiceFilter(rows=regions, label=_("Region"), method="filter_region")
    status = django_filters.ChoiceFilter(
        choices=[*Activity.Status.choices, (NOT_CANCELLED, _("Any but cancelled"))],
        label=_("Status"),
        method="filter_status",
    )
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Kind"))
    target_group = CachedModelChoiceFilter(
        rows=target_groups,
        label=_("Target group"),
        to_field_name="slug",
        field_name="target_groups",
    )
    running_from = django_filters.DateFilter(
        label=_("Running from"), method="filter_period", widget=DATE
    )
    running_to = django_filters.DateFilter(
        label=_("Running until"), method="filter_period", widget=DATE
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Best match, or latest change"),
    )

    class Meta:
        model = Activity
        fields = []

    def filter_text(self, queryset, name, value):
        # Ranked best first on PostgreSQL; a chosen sort replaces that order in `qs`.
        return queryset.search(value) if value.strip() else queryset

    def filter_status(self, queryset, name, value):
        # "Any but cancelled" is what the coverage matrices count, so a cell's link lists
        # exactly the activities its number counts.
        if value == NOT_CANCELLED:
            return queryset.exclude(status=Activity.Status.CANCELLED)
        return queryset.filter(status=value)

    def filter_country(self, queryset, name, value):
        return queryset.in_country(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)

    def filter_period(self, queryset, name, value):
        # Both bounds are applied together in `qs` so an open end still counts.
        return queryset

    def filter_sort(self, queryset, name, value):
        # Applied last, in `qs`: a search orders by rank, and the chosen sort wins.
        return queryset

    @property
    def active_count(self):
        """How many filters are in use (the sort is not a filter)."""
        return sum(
            1 for name in self.filters if name != "sort" and str(self.data.get(name, "")).strip()
        )

    @property
    def chosen_sort(self):
        """The chosen sort key, or "" for the default order.

        Like every filter, it holds even when another field of the form is invalid.
        """
        if not self.is_bound or self.form.errors.get("sort"):
            return ""
        return self.form.cleaned_data.get("sort") or ""

    @property
    def qs(self):
        qs = super().qs
        data = self.form.cleaned_data if self.form.is_valid() else {}
        start, end = data.get("running_from"), data.get("running_to")
        if start or end:
            qs = qs.running_between(start, end)
        if self.chosen_sort:
            qs = qs.order_by(*sort_order(self.chosen_sort))
        return qs
