"""A page's preview of a list: its first rows and how many there are in all."""

from django.db.models import Count, Window


def first_rows(queryset, cap):
    """The first `cap` rows of `queryset` (in its order) and its count, in one query: the
    count is a window over every matching row, which the database takes before the LIMIT."""
    rows = list(queryset.annotate(preview_total=Window(Count("pk")))[:cap])
    return rows, (rows[0].preview_total if rows else 0)
