"""The position list's filters, search and sort, shared by the page and its CSV."""

import django_filters
from django import forms
from django.db.models import Case, F, Value, When
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from common import sorting
from priorities.models import Priority

from .models import Position

# Stages in the order a position lives them, for sorting by stage.
STATUS_ORDER = Case(
    *(When(status=value, then=Value(n)) for n, value in enumerate(Position.Status.values)),
    default=Value(len(Position.Status.values)),
)
# The deadline of the stage it is in: comments in consultation, answers in endorsement.
DEADLINE = Case(
    When(status=Position.Status.CONSULTATION, then=F("comment_deadline")),
    When(status=Position.Status.ENDORSEMENT, then=F("endorsement_deadline")),
    default=Value(None),
)

SORTS = {
    "title": Lower("title"),
    "lead": F("lead_agency__acronym"),
    "status": STATUS_ORDER,
    "deadline": DEADLINE,
    "updated": F("updated_at"),
}
SORT_CHOICES = [
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
    ("lead", _("Lead agency, A to Z")),
    ("-lead", _("Lead agency, Z to A")),
    ("status", _("Stage, drafts first")),
    ("-status", _("Stage, withdrawn first")),
    ("deadline", _("Deadline, soonest first")),
    ("-deadline", _("Deadline, latest first")),
    ("updated", _("Updated, earliest first")),
    ("-updated", _("Updated, latest first")),
]
# The order without a chosen sort, and among equal values of a chosen one.
DEFAULT_ORDER = (F("updated_at").desc(), "pk")


def sort_headers(sort):
    return sorting.sort_headers(SORTS, sort)


class PositionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        help_text=_("Words to find, in any order. “A phrase” in quotes; -word to leave out."),
    )
    status = django_filters.ChoiceFilter(choices=Position.Status.choices, label=_("Stage"))
    kind = django_filters.ChoiceFilter(choices=Position.Kind.choices, label=_("Kind"))
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
    awaiting = django_filters.BooleanFilter(
        label=_("Awaiting my agency's endorsement"),
        method="filter_awaiting",
        widget=forms.CheckboxInput,
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        label=_("Sort by"),
        method="filter_sort",
        empty_label=_("Latest updated first (the usual order)"),
    )

    class Meta:
        model = Position
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["priority"].field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        self.filters["lead"].field.label_from_instance = lambda a: a.acronym
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated or not user.agency_id:
            # The secretariat speaks for no agency: nothing awaits "its" endorsement.
            del self.filters["awaiting"]

    def filter_text(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_awaiting(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.awaiting_endorsement_by(self.request.user.agency)

    def filter_sort(self, queryset, name, value):
        # Applied last, in `qs`.
        return queryset

    @property
    def active_count(self):
        """How many filters are in use (the sort is not a filter)."""
        return sum(
            1
            for name in self.filters
            if name != "sort" and str(self.data.get(name, "")).strip() not in ("", "false")
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
