"""The lists' filters, search and sort, shared by the pages and their CSV files."""

import django_filters
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common import sorting
from geo.models import Country
from priorities.models import Priority

from .models import Engagement, FollowUp, SupportRequest

ENGAGEMENT_SORTS = {
    "topic": Lower("topic"),
    "date": F("date"),
    "counterpart": Lower("counterpart_name"),
    "agency": F("lead_agency__acronym"),
}
REQUEST_SORTS = {
    "subject": Lower("subject"),
    "received": F("received_date"),
    "country": F("country__name"),
    "agency": F("lead_agency__acronym"),
    "status": F("status"),
}
FOLLOW_UP_SORTS = {
    "due": F("due_date"),
    "agency": F("owner_agency__acronym"),
    "engagement": Lower("engagement__topic"),
}


COLUMN_LABELS = {
    "topic": _("Topic"),
    "date": _("Date"),
    "counterpart": _("Counterpart"),
    "agency": _("Agency"),
    "subject": _("Subject"),
    "received": _("Received"),
    "country": _("Country"),
    "status": _("Status"),
    "due": _("Due date"),
    "engagement": _("Engagement"),
}


def sort_choices(columns):
    """Each column up and down: ?sort=key ascending, ?sort=-key descending."""
    choices = []
    for key in columns:
        label = COLUMN_LABELS[key]
        choices += [
            (key, format_lazy(_("{column}, ascending"), column=label)),
            (f"-{key}", format_lazy(_("{column}, descending"), column=label)),
        ]
    return choices


def _priority_label(p):
    return f"({p.code}) {p.short_title}"


class SortedFilter(django_filters.FilterSet):
    SORTS = {}
    DEFAULT_ORDER = ()

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "priority" in self.filters:
            self.filters["priority"].field.label_from_instance = _priority_label
        for name in ("agency", "lead_agency"):
            if name in self.filters:
                self.filters[name].field.label_from_instance = lambda a: a.acronym

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
    def sorting(self):
        return sorting.sort_headers(self.SORTS, self.chosen_sort)

    @property
    def qs(self):
        qs = super().qs
        if self.chosen_sort:
            return qs.order_by(
                *sorting.sort_order(self.SORTS, self.chosen_sort, self.DEFAULT_ORDER)
            )
        return qs.order_by(*self.DEFAULT_ORDER)


def _country_filter(label, field_name="country"):
    return django_filters.ModelChoiceFilter(
        queryset=Country.objects.order_by("name"),
        label=label,
        to_field_name="iso3",
        field_name=field_name,
    )


def _agency_filter(label, field_name, help_text=""):
    return django_filters.ModelChoiceFilter(
        queryset=Agency.objects.order_by("acronym"),
        label=label,
        to_field_name="slug",
        field_name=field_name,
        help_text=help_text,
    )


def _priority_filter():
    return django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
    )


class EngagementFilter(SortedFilter):
    SORTS = ENGAGEMENT_SORTS
    DEFAULT_ORDER = ("-date", "-pk")

    country = _country_filter(_("Country"))
    agency = _agency_filter(_("Agency"), "agencies", _("Leading or involved."))
    kind = django_filters.ChoiceFilter(
        choices=Engagement.Kind.choices, label=_("Counterpart"), field_name="counterpart_kind"
    )
    priority = _priority_filter()
    overdue = django_filters.BooleanFilter(
        label=_("With overdue follow-ups"),
        method="filter_overdue",
        widget=django_filters.widgets.BooleanWidget(),
    )
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="date", lookup_expr="year", min_value=1900, max_value=2999
    )
    sort = django_filters.ChoiceFilter(
        choices=sort_choices(ENGAGEMENT_SORTS),
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Date, latest first (the usual order)"),
    )

    class Meta:
        model = Engagement
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.with_overdue(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class FollowUpFilter(SortedFilter):
    SORTS = FOLLOW_UP_SORTS
    DEFAULT_ORDER = ("due_date", "pk")

    agency = _agency_filter(_("Owner agency"), "owner_agency")
    status = django_filters.ChoiceFilter(choices=FollowUp.Status.choices, label=_("Status"))
    overdue = django_filters.BooleanFilter(
        label=_("Overdue"),
        method="filter_overdue",
        widget=django_filters.widgets.BooleanWidget(),
    )
    sort = django_filters.ChoiceFilter(
        choices=sort_choices(FOLLOW_UP_SORTS),
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Due date, earliest first (the usual order)"),
    )

    class Meta:
        model = FollowUp
        fields = []

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(description__icontains=word)
        return queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


class SupportRequestFilter(SortedFilter):
    SORTS = REQUEST_SORTS
    DEFAULT_ORDER = ("-received_date", "-pk")

    country = _country_filter(_("Requesting country"))
    agency = _agency_filter(_("Lead agency"), "lead_agency")
    status = django_filters.ChoiceFilter(choices=SupportRequest.Status.choices, label=_("Status"))
    priority = _priority_filter()
    year = django_filters.NumberFilter(
        label=_("Year received"),
        field_name="received_date",
        lookup_expr="year",
        min_value=1900,
        max_value=2999,
    )
    sort = django_filters.ChoiceFilter(
        choices=sort_choices(REQUEST_SORTS),
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Received, latest first (the usual order)"),
    )

    class Meta:
        model = SupportRequest
        fields = []
