"""The security log's filters."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SecurityEvent

DATE = forms.DateInput(attrs={"type": "date"})


class SecurityEventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SecurityEvent.Kind.choices, label=_("What"))
    person = django_filters.CharFilter(
        label=_("Person"),
        method="filter_person",
        help_text=_("Part of an email address: who acted, who was concerned, or what was typed."),
    )
    since = django_filters.DateFilter(label=_("From"), method="filter_since", widget=DATE)
    until = django_filters.DateFilter(label=_("Until"), method="filter_until", widget=DATE)

    class Meta:
        model = SecurityEvent
        fields = []

    def filter_person(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(actor__email__icontains=value)
            | Q(subject__email__icontains=value)
            | Q(email__icontains=value)
        )

    # Days are the secretariat's local days (TIME_ZONE), the whole of each bound included.
    def filter_since(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(created_at__lt=_start_of(value + datetime.timedelta(days=1)))

    @property
    def active_count(self):
        return sum(1 for name in self.filters if str(self.data.get(name, "")).strip())


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
