"""The contribution list's filters, search and sort, shared by the page and its CSV."""

import django_filters
from django.db.models import F
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common import sorting
from priorities.models import Priority

from .models import Contribution, Event, Process

# The columns the list can be sorted by (?sort=key, or -key for descending), and how.
SORTS = {
    "title": Lower("title"),
    "date": F("date"),
    "event": F("event__start_date"),
    "agency": F("lead_agency__acronym"),
    "kind": F("kind"),
}
SORT_CHOICES = [
    ("-date", _("Date, latest first")),
    ("date", _("Date, earliest first")),
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
    ("-event", _("Event, latest first")),
    ("event", _("Event, earliest first")),
    ("agency", _("Agency, A to Z")),
    ("-agency", _("Agency, Z to A")),
    ("kind", _("Kind")),
]
# The order without a chosen sort, and among equal values of a chosen one.
DEFAULT_ORDER = ("-date", "-pk")

SINGLE, JOINT = "single", "joint"


def sort_headers(sort):
    """For each sortable column, the sort its header link asks for and its aria-sort."""
    return sorting.sort_headers(SORTS, sort)


class ContributionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    process = django_filters.ModelChoiceFilter(
        queryset=Process.objects.all(),
        label=_("Process"),
        to_field_name="slug",
        field_name="event__process",
    )
    event = django_filters.ModelChoiceFilter(
        queryset=Event.objects.select_related("process").order_by("-start_date", "pk"),
        label=_("Event"),
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        label=_("Agency"),
        to_field_name="slug",
        field_name="agencies",
        help_text=_("Alone, or in a joint input."),
    )
    scope = django_filters.ChoiceFilter(
        choices=[(SINGLE, _("One agency's")), (JOINT, _("Joint inputs"))],
        label=_("Whose"),
        method="filter_scope",
    )
    kind = django_filters.ChoiceFilter(choices=Contribution.Kind.choices, label=_("Kind"))
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="date", lookup_expr="year", min_value=1900, max_value=2999
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Date, latest first (the usual order)"),
    )

    class Meta:
        model = Contribution
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["priority"].field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        self.filters["agency"].field.label_from_instance = lambda a: a.acronym
        self.filters["process"].field.label_from_instance = lambda p: p.label
        self.filters["event"].field.label_from_instance = lambda e: (
            f"{e.process.label}: {e.title} ({e.start_date:%Y})"
        )

    def filter_text(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_scope(self, queryset, name, value):
        return queryset.joint() if value == JOINT else queryset.single()

    def filter_sort(self, queryset, name, value):
        # Applied last, in `qs`.
        return queryset

    @property
    def active_count(self):
        """How many filters are in use (the sort is not a filter)."""
        return sum(
            1 for name in self.filters if name != "sort" and str(self.data.get(name, "")).strip()
        )

    @property
    def chosen_sort(self):
        """The chosen sort key, or "" for the usual order; it holds when another field is
        invalid."""
        if not self.is_bound or self.form.errors.get("sort"):
            return ""
        return self.form.cleaned_data.get("sort") or ""

    @property
    def qs(self):
        qs = super().qs
        if self.chosen_sort:
            return qs.order_by(*sorting.sort_order(SORTS, self.chosen_sort, DEFAULT_ORDER))
        return qs.order_by(*DEFAULT_ORDER)
