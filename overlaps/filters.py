import django_filters
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from agencies.models import Agency
from geo.models import Country
from priorities.models import Priority

from .models import OverlapFlag


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorts as asked, then by id, so pages never repeat or skip a flag."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


def _either_side(activities):
    return Q(activity_a__in=activities) | Q(activity_b__in=activities)


class FlagFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.all(),
        label=_("Agency"),
        to_field_name="slug",
        method="filter_agency",
    )
    priority = django_filters.ModelChoiceFilter(
        queryset=Priority.objects.all(),
        label=_("Priority"),
        to_field_name="code",
        method="filter_priority",
    )
    country = django_filters.ModelChoiceFilter(
        queryset=Country.objects.all(), label=_("Country"), method="filter_country"
    )
    min_score = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label=_("Minimum score")
    )
    status = django_filters.ChoiceFilter(
        choices=OverlapFlag.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    ordering = StableOrderingFilter(
        fields=(("score", "score"), ("created_at", "date")),
        field_labels={"score": _("Score"), "created_at": _("Date flagged")},
        label=_("Sort by"),
        empty_label=_("Highest score first"),
    )

    class Meta:
        model = OverlapFlag
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        # The queue shows open flags unless another status (or "any") is chosen.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if "status" not in data:
            data["status"] = OverlapFlag.Status.OPEN
        super().__init__(data, *args, **kwargs)
        self.filters["priority"].field.label_from_instance = lambda p: f"({p.code}) {p.short_title}"
        self.filters["min_score"].field.widget.attrs.update(step="0.01", min="0")

    def filter_agency(self, queryset, name, value):
        return queryset.involving_agency(value)

    def filter_priority(self, queryset, name, value):
        return queryset.filter(_either_side(Activity.objects.filter(priorities=value)))

    def filter_country(self, queryset, name, value):
        in_country = Activity.objects.filter(
            Q(countries=value) | Q(regions__countries=value)
        ).values("pk")
        return queryset.filter(_either_side(in_country))
