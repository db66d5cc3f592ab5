import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from geo.models import Country, Region
from priorities.models import Priority, TargetGroup

from .models import Activity

DATE = forms.DateInput(attrs={"type": "date"})


class ActivityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), label=_("Agency"), to_field_name="slug"
    )
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        field_name="priorities",
    )
    country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.all(), label=_("Country"), method="filter_country"
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.order_by("level", "name"),
        label=_("Region"),
        method="filter_region",
    )
    status = django_filters.ChoiceFilter(choices=Activity.Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Kind"))
    target_group = django_filters.ModelChoiceFilter(
        queryset=TargetGroup.objects.all(),
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

    class Meta:
        model = Activity
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["priority"].field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"

    def filter_text(self, queryset, name, value):
        # Ranked best first on PostgreSQL.
        return queryset.search(value) if value.strip() else queryset

    def filter_country(self, queryset, name, value):
        return queryset.in_country(value)

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)

    def filter_period(self, queryset, name, value):
        # Both bounds are applied together in `qs` so an open end still counts.
        return queryset

    @property
    def qs(self):
        qs = super().qs
        data = self.form.cleaned_data if self.form.is_valid() else {}
        start, end = data.get("running_from"), data.get("running_to")
        if start or end:
            qs = qs.running_between(start, end)
        return qs
