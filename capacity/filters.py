"""The lists' filters, search and sort, shared by the pages and their CSV files."""

import django_filters
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common import sorting
from geo.models import Country
from priorities.models import Priority

from .models import Training, Transfer

TRAINING_SORTS = {
    "title": Lower("title"),
    "start": F("start_date"),
    "agency": F("lead_agency__acronym"),
    "participants": F("participant_total"),
}
TRANSFER_SORTS = {
    "person": Lower("person_name"),
    "start": F("start_date"),
    "from": F("from_agency__acronym"),
    "to": F("to_agency__acronym"),
}
SORT_CHOICES = {
    "training": [
        ("-start", _("Start date, latest first")),
        ("start", _("Start date, earliest first")),
        ("title", _("Title, A to Z")),
        ("-title", _("Title, Z to A")),
        ("agency", _("Lead agency, A to Z")),
        ("-participants", _("Most participants first")),
        ("participants", _("Fewest participants first")),
    ],
    "transfer": [
        ("-start", _("Start date, latest first")),
        ("start", _("Start date, earliest first")),
        ("person", _("Person, A to Z")),
        ("from", _("From agency, A to Z")),
        ("to", _("To agency, A to Z")),
    ],
}
DEFAULT_ORDER = ("-start_date", "-pk")


def training_sort_headers(sort):
    return sorting.sort_headers(TRAINING_SORTS, sort)


def transfer_sort_headers(sort):
    return sorting.sort_headers(TRANSFER_SORTS, sort)


class _Sorted(django_filters.FilterSet):
    SORTS = {}

    def filter_text(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_sort(self, queryset, name, value):
        # Applied last, in `qs`.
        return queryset

    @property
    def active_count(self):
        return sum(
            1 for name in self.filters if name != "sort" and str(self.data.get(name, "")).strip()
        )

    @property
    def chosen_sort(self):
        if not self.is_bound or self.form.errors.get("sort"):
            return ""
        return self.form.cleaned_data.get("sort") or ""

    @property
    def qs(self):
        qs = super().qs
        if self.chosen_sort:
            return qs.order_by(*sorting.sort_order(self.SORTS, self.chosen_sort, DEFAULT_ORDER))
        return qs.order_by(*DEFAULT_ORDER)


def _labels(filterset):
    filterset.filters["priority"].field.label_from_instance = lambda p: (
        f"({p.code}) {p.short_title}"
    )
    filterset.filters["agency"].field.label_from_instance = lambda a: a.acronym


class TrainingFilter(_Sorted):
    SORTS = TRAINING_SORTS

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        label=_("Organising agency"),
        to_field_name="slug",
        field_name="organisers",
    )
    country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.all(), label=_("Country"), to_field_name="iso3"
    )
    online = django_filters.BooleanFilter(
        label=_("Online"),
        widget=django_filters.widgets.BooleanWidget,
    )
    status = django_filters.ChoiceFilter(
        choices=Training.Status.choices, label=_("Status"), method="filter_status"
    )
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="start_date", lookup_expr="year", min_value=1900, max_value=2999
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES["training"],
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Start date, latest first (the usual order)"),
    )

    class Meta:
        model = Training
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _labels(self)
        self.filters["online"].field.widget.choices = [
            ("", _("Online or in person")),
            ("true", _("Online")),
            ("false", _("In person")),
        ]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value, timezone.localdate())


class TransferFilter(_Sorted):
    SORTS = TRANSFER_SORTS

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        label=_("Agency"),
        to_field_name="slug",
        method="filter_agency",
        help_text=_("Sending or receiving."),
    )
    kind = django_filters.ChoiceFilter(choices=Transfer.Kind.choices, label=_("Kind"))
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
    )
    year = django_filters.NumberFilter(
        label=_("Year"), method="filter_year", min_value=1900, max_value=2999
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES["transfer"],
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Start date, latest first (the usual order)"),
    )

    class Meta:
        model = Transfer
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _labels(self)

    def filter_agency(self, queryset, name, value):
        return queryset.involving(value)

    def filter_year(self, queryset, name, value):
        """Transfers under way at some time in that year."""
        year = int(value)
        return queryset.filter(start_date__year__lte=year).filter(
            Q(end_date__isnull=True) | Q(end_date__year__gte=year)
        )
