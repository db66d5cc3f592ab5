"""The library list's filters, search and sort, shared by the page and its CSV."""

import django_filters
from django.db.models import Case, F, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common import sorting
from geo.models import Country
from priorities.models import Priority

from .models import FIRST_YEAR, LAST_YEAR, LibraryItem

# Kinds in the order the form offers them, for sorting by kind.
KIND_ORDER = Case(
    *(When(kind=value, then=Value(n)) for n, value in enumerate(LibraryItem.Kind.values)),
    default=Value(len(LibraryItem.Kind.values)),
)

# The columns the list can be sorted by (?sort=key, or -key for descending), and how.
SORTS = {
    "title": Lower("title"),
    "kind": KIND_ORDER,
    "year": F("year"),
    "updated": F("updated_at"),
}
SORT_CHOICES = [
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
    ("kind", _("Kind, publications first")),
    ("-kind", _("Kind, good practices first")),
    ("-year", _("Year, latest first")),
    ("year", _("Year, earliest first")),
    ("-updated", _("Latest shared or changed first")),
    ("updated", _("Earliest shared or changed first")),
]
# The order without a chosen sort, and among equal values of a chosen one.
DEFAULT_ORDER = LibraryItem._meta.ordering

REVIEWED, AWAITING = "reviewed", "awaiting"


def sort_headers(sort):
    """For each sortable column, the sort its header link asks for and its aria-sort."""
    return sorting.sort_headers(SORTS, sort)


class LibraryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_(
            "Words of the title, summary or authors, in any order. “A phrase” in quotes; "
            "-word to leave out."
        ),
    )
    kind = django_filters.ChoiceFilter(choices=LibraryItem.Kind.choices, label=_("Kind"))
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        label=_("Agency"),
        to_field_name="slug",
        field_name="agencies",
    )
    country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.all(), label=_("Country"), field_name="countries"
    )
    year = django_filters.NumberFilter(
        label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, field_name="year"
    )
    review = django_filters.ChoiceFilter(
        choices=[
            (REVIEWED, _("Good practices reviewed by the secretariat")),
            (AWAITING, _("Good practices awaiting review")),
        ],
        label=_("Good practice review"),
        method="filter_review",
        empty_label=_("Any item"),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Best match, or latest year"),
    )

    class Meta:
        model = LibraryItem
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["priority"].field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        self.filters["agency"].field.label_from_instance = lambda a: a.acronym

    def filter_text(self, queryset, name, value):
        # Ranked best first on PostgreSQL; a chosen sort replaces that order in `qs`.
        return queryset.search(value) if value.strip() else queryset

    def filter_review(self, queryset, name, value):
        good_practices = queryset.filter(kind=LibraryItem.Kind.GOOD_PRACTICE)
        if value == REVIEWED:
            return good_practices.reviewed()
        return good_practices.filter(reviewed_at__isnull=True)

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
        """The chosen sort key, or "" for the default order; it holds when another field is
        invalid."""
        if not self.is_bound or self.form.errors.get("sort"):
            return ""
        return self.form.cleaned_data.get("sort") or ""

    @property
    def qs(self):
        qs = super().qs
        if self.chosen_sort:
            return qs.order_by(*sorting.sort_order(SORTS, self.chosen_sort, DEFAULT_ORDER))
        return qs
