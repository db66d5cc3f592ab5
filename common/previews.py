"""A page's preview of a list: its first rows and how many there are in all.

`first_rows` reads one list in one query. A page that shows several lists of different kinds
(a priority's records, a person's "needs your attention") reads them all in one query with
a `Batch`: a UNION ALL of every list's first rows, each row carried as JSON (PostgreSQL's
`to_jsonb` of the row and of each related row its queryset selects), rebuilt into model
instances as the list's own query would have made them.
"""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchVectorField
from django.db import connections, models
from django.db.models import Count, Expression, F, Value, Window
from django.db.models.functions import JSONObject, RowNumber


def first_rows(queryset, cap):
    """The first `cap` rows of `queryset` (in its order) and its count, in one query: the
    count is a window over every matching row, which the database takes before the LIMIT."""
    rows = list(queryset.annotate(preview_total=Window(Count("pk")))[:cap])
    return rows, (rows[0].preview_total if rows else 0)


@dataclass
class Preview:
    """One list of a `Batch`: its first rows and its count, filled when the batch runs."""

    rows: list = field(default_factory=list)
    total: int = 0


# Columns a preview never shows and JSON would carry badly (a tsvector is kilobytes of text);
# left out of the row, and loaded if something reads them.
_LEFT_OUT = (SearchVectorField, models.BinaryField)


class _Row(Expression):
    """The whole row of the table that `anchor` (a column of it) is read from, as JSONB:
    `to_jsonb(<alias>)` less the columns left out. One expression for a row, where a JSON
    object of its columns would be one per column for Django to resolve and compile."""

    output_field = models.JSONField()

    def __init__(self, anchor, left_out=()):
        super().__init__()
        self.anchor, self.left_out, self.alias = anchor, tuple(left_out), None

    def resolve_expression(
        self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False
    ):
        # Resolving a column of the row makes the join (LEFT OUTER where the relation may be
        # empty) and names the table's alias in this query.
        column = self.anchor.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        resolved = self.copy()
        resolved.alias = column.alias
        return resolved

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone

    def as_sql(self, compiler, connection):
        sql = f"to_jsonb({compiler.quote_name_unless_alias(self.alias)})"
        return sql + " - %s" * len(self.left_out), list(self.left_out)


def _shape(model, prefix, related, deferred, rows):
    """Add to `rows` (name -> _Row) the row of `model` reached by `prefix` and those of its
    `related` rows (select_related's dict); return how to rebuild the instance from them."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not isinstance(f, _LEFT_OUT) and f.attname not in deferred and f.name not in deferred
    ]
    if any(isinstance(f, models.DecimalField) for f in fields):
        # to_jsonb keeps a numeric exact, but it would come back a float.
        raise ValueError(f"Batch: {model.__name__} has a DecimalField, not supported")
    left_out = [f.column for f in model._meta.concrete_fields if f not in fields]
    if prefix:
        # A column of the related table itself (its key would be read from the referring row).
        relation_target = model._meta.pk
        anchor = next(f for f in model._meta.concrete_fields if f != relation_target)
        anchor = F(prefix + anchor.name)
    else:
        anchor = F("pk")
    key = prefix or "_"
    rows[key] = _Row(anchor, left_out)
    nested = []
    for name, deeper in related.items():
        relation = model._meta.get_field(name)
        nested.append(
            (relation, _shape(relation.related_model, f"{prefix}{name}__", deeper, (), rows))
        )

    def rebuild(data, using):
        row = data[key]
        if row is None or row.get(model._meta.pk.column) is None:
            return None  # an empty nullable relation: the LEFT JOIN's NULL row
        names = [f.attname for f in fields]
        values = [f.to_python(row[f.column]) for f in fields]
        obj = model.from_db(using, names, values)
        for relation, rebuild_related in nested:
            relation.set_cached_value(obj, rebuild_related(data, using))
        return obj

    return rebuild


class Batch:
    """Several lists' first rows and counts, of any models, read in one query.

    `add` each list (a queryset, its order, how many rows), then `run` once; each `Preview`
    then holds what `first_rows` would have read for it. Rows come back as their model's
    instances with what the queryset selects: its columns (less the deferred ones and
    search vectors, loaded if read), its `select_related` rows and its annotations.
    """

    def __init__(self):
        self.parts = []

    def add(self, queryset, order, cap):
        preview = Preview()
        self.parts.append((queryset, tuple(order), cap, preview))
        return preview

    def run(self):
        parts, self.parts = self.parts, []
        if not parts:
            return
        using = parts[0][0].db
        if not connections[using].features.supports_slicing_ordering_in_compound:
            # SQLite (`make run`) takes no LIMIT inside a UNION: one query per list there.
            for queryset, order, cap, preview in parts:
                preview.rows, preview.total = first_rows(queryset.order_by(*order), cap)
            return
        selects, rebuilds = [], {}
        for i, (queryset, order, cap, _preview) in enumerate(parts):
            query = queryset.query
            if query.is_empty():
                continue  # qs.none(): nothing to read, and no SQL to put in the UNION
            names, defer = query.deferred_loading
            if not defer:
                raise ValueError("Batch: only() is not supported; defer() is")
            related = query.select_related if isinstance(query.select_related, dict) else {}
            rows = {}
            rebuild = _shape(queryset.model, "", related, names, rows)
            annotations = {name: query.annotations[name] for name in query.annotation_select}
            rows.update({f"_a_{name}": F(name) for name in annotations})
            rebuilds[i] = (rebuild, annotations)
            selects.append(
                queryset.annotate(
                    _preview_part=Value(i),
                    _preview_row=JSONObject(**rows),
                    _preview_total=Window(Count("pk")),
                    _preview_n=Window(RowNumber(), order_by=list(order)),
                )
                .order_by(*order)
                .values_list("_preview_part", "_preview_n", "_preview_total", "_preview_row")[:cap]
            )
        if not selects:
            return
        found = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
        for part, _n, total, data in sorted(found, key=lambda row: (row[0], row[1])):
            rebuild, annotations = rebuilds[part]
            obj = rebuild(data, using)
            for name, annotation in annotations.items():
                setattr(obj, name, annotation.output_field.to_python(data[f"_a_{name}"]))
            preview = parts[part][3]
            preview.rows.append(obj)
            preview.total = total
