"""The joint-initiative list's filters, search and sort, shared by the page and its CSV."""

import django_filters
from django.db.models import Case, F, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common import sorting
from geo.models import Region
from priorities.models import Priority

from .models import JointInitiative

# Statuses in the order an initiative lives them, for sorting by status.
STATUS_ORDER = Case(
    *(When(status=value, then=Value(n)) for n, value in enumerate(JointInitiative.Status.values)),
    default=Value(len(JointInitiative.Status.values)),
)

# The columns the list can be sorted by (?sort=key, or -key for descending), and how.
SORTS = {
    "title": Lower("title"),
    "lead": F("lead_agency__acronym"),
    "start": F("start_date"),
    "end": F("end_date"),
    "status": STATUS_ORDER,
}
SORT_CHOICES = [
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
    ("lead", _("Lead agency, A to Z")),
    ("-lead", _("Lead agency, Z to A")),
    ("start", _("Start, earliest first")),
    ("-start", _("Start, latest first")),
    ("end", _("End, earliest first")),
    ("-end", _("End, latest first")),
    ("status", _("Status, proposed first")),
    ("-status", _("Status, closed first")),
]
# The order without a chosen sort, and among equal values of a chosen one.
DEFAULT_ORDER = (Lower("title"), "pk")


def sort_headers(sort):
    """For each sortable column, the sort its header link asks for and its aria-sort."""
    return sorting.sort_headers(SORTS, sort)


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    status = django_filters.ChoiceFilter(choices=JointInitiative.Status.choices, label=_("Status"))
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
    )
    lead = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        label=_("Lead agency"),
        to_field_name="slug",
        field_name="lead_agency",
    )
    participant = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        label=_("Participating agency"),
        to_field_name="slug",
        method="filter_participant",
        help_text=_("Leading it, or having accepted its invitation."),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.order_by("level", "name"),
        label=_("Region"),
        method="filter_region",
        help_text=_("Where its linked activities take place."),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Title (the usual order)"),
    )

    class Meta:
        model = JointInitiative
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["priority"].field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        for name in ("lead", "participant"):
            self.filters[name].field.label_from_instance = lambda a: a.acronym

    def filter_text(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_participant(self, queryset, name, value):
        return queryset.with_participant(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)

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
