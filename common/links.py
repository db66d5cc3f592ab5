"""Many-to-many relations of several lists read in one query, mapped to cached rows."""

from collections import defaultdict

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast


def attach_many(groups):
    """For each (objects, relation, rows) of `groups`, give each of `objects` its
    many-to-many `relation` as prefetch_related would, but from one UNION ALL of every
    group's link table, mapped to `rows` (the related model's cached rows, in its order)
    instead of a query per relation and per list."""
    groups = [
        (i, [o for o in objects if o.pk is not None], *rest)
        for i, (objects, *rest) in enumerate(groups)
    ]
    parts = []
    for i, objects, relation, _rows in groups:
        if not objects:
            continue
        field = type(objects[0])._meta.get_field(relation)
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        parts.append(
            field.remote_field.through.objects.filter(**{f"{source}__in": [o.pk for o in objects]})
            .annotate(
                group=Value(i),
                owner=Cast(F(source), models.CharField()),
                ref=Cast(F(target), models.CharField()),
            )
            .values_list("group", "owner", "ref")
            .order_by()
        )
    if not parts:
        return
    found = defaultdict(list)
    for group, owner, ref in parts[0].union(*parts[1:], all=True):
        found[group, owner].append(ref)
    for i, objects, relation, rows in groups:
        by_key = {str(row.pk): (n, row) for n, row in enumerate(rows)}
        for obj in objects:
            related = [row for _n, row in sorted(by_key[ref] for ref in found[i, str(obj.pk)])]
            if not hasattr(obj, "_prefetched_objects_cache"):
                obj._prefetched_objects_cache = {}
            # What prefetch_related leaves behind: `obj.<relation>.all()` reads this.
            queryset = getattr(obj, relation).get_queryset()
            queryset._result_cache, queryset._prefetch_done = related, True
            obj._prefetched_objects_cache[relation] = queryset
