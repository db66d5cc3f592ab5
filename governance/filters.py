"""The action-point list's filters, search and sort, shared by the page and its CSV."""

import django_filters
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common import sorting

from .models import ActionPoint, Meeting
from .selectors import DUE_SOON_DAYS

SORTS = {
    "due": F("due_date"),
    "owner": F("owner__acronym"),
    "meeting": F("meeting__date"),
    "text": Lower("text"),
    "status": F("status"),
}
SORT_CHOICES = [
    ("due", _("Due date, earliest first")),
    ("-due", _("Due date, latest first")),
    ("owner", _("Owner, A to Z")),
    ("-meeting", _("Meeting, latest first")),
    ("meeting", _("Meeting, earliest first")),
    ("text", _("Action, A to Z")),
    ("status", _("Status")),
]
DEFAULT_ORDER = ("due_date", "pk")
NOT_DONE = "not_done"
OVERDUE, SOON = "overdue", "soon"


def sort_headers(sort):
    return sorting.sort_headers(SORTS, sort)


class ActionPointFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), label=_("Owner agency"), to_field_name="slug"
    )
    status = django_filters.ChoiceFilter(
        choices=[(NOT_DONE, _("Not done (open or in progress)")), *ActionPoint.Status.choices],
        label=_("Status"),
        method="filter_status",
    )
    due = django_filters.ChoiceFilter(
        choices=[
            (OVERDUE, _("Overdue")),
            (SOON, _("Overdue or due within %(days)s days") % {"days": DUE_SOON_DAYS}),
        ],
        label=_("Due"),
        method="filter_due",
    )
    meeting = django_filters.ModelChoiceFilter(
        queryset=Meeting.objects.order_by("-date", "-pk"), label=_("Meeting")
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Due date, earliest first (the usual order)"),
    )

    class Meta:
        model = ActionPoint
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].field.label_from_instance = lambda a: a.acronym
        self.filters["meeting"].field.label_from_instance = lambda m: (
            f"{m.title} ({m.date:%Y-%m-%d})"
        )

    def filter_text(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_status(self, queryset, name, value):
        if value == NOT_DONE:
            return queryset.not_done()
        return queryset.filter(status=value)

    def filter_due(self, queryset, name, value):
        today = timezone.localdate()
        if value == OVERDUE:
            return queryset.overdue(today)
        return queryset.due_within(today, DUE_SOON_DAYS)

    def filter_sort(self, queryset, name, value):
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
            return qs.order_by(*sorting.sort_order(SORTS, self.chosen_sort, DEFAULT_ORDER))
        return qs.order_by(*DEFAULT_ORDER)


# -- meetings ------------------------------------------------------------------------------------

MEETING_SORTS = {
    "date": F("date"),
    "title": Lower("title"),
}
MEETING_SORT_CHOICES = [
    ("date", _("Date, earliest first")),
    ("-date", _("Date, latest first")),
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
]
MEETING_DEFAULT_ORDER = ("-date", "-pk")


def meeting_sort_headers(sort):
    return sorting.sort_headers(MEETING_SORTS, sort)


class MeetingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_(
            "Words to find in the title, the agenda or the decisions, in any order. "
            "“A phrase” in quotes; -word to leave out."
        ),
    )
    kind = django_filters.ChoiceFilter(choices=Meeting.Kind.choices, label=_("Kind"))
    year = django_filters.NumberFilter(
        label=_("Year"), field_name="date", lookup_expr="year", min_value=1900, max_value=2999
    )
    chair = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(), label=_("Chair agency"), to_field_name="slug"
    )
    sort = django_filters.ChoiceFilter(
        choices=MEETING_SORT_CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Date, latest first (the usual order)"),
    )

    class Meta:
        model = Meeting
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["chair"].field.label_from_instance = lambda a: a.acronym

    def filter_text(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_sort(self, queryset, name, value):
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
            return qs.order_by(
                *sorting.sort_order(MEETING_SORTS, self.chosen_sort, MEETING_DEFAULT_ORDER)
            )
        return qs.order_by(*MEETING_DEFAULT_ORDER)
