"""A record's history, read from its event tables as rows a person can read."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from agencies.models import User

CREATED, CHANGED, DELETED, ADDED, REMOVED = "created", "changed", "deleted", "added", "removed"
WHAT = {
    "insert": CREATED,
    "update": CHANGED,
    "delete": DELETED,
    "add": ADDED,
    "remove": REMOVED,
}
WHAT_LABELS = {
    CREATED: _("created"),
    CHANGED: _("changed"),
    DELETED: _("deleted"),
    ADDED: _("added"),
    REMOVED: _("removed"),
}
# What a related record's name (its __str__) reads beyond its own row, fetched with it.
NAMED_WITH = {Activity: ("agency",)}
NOT_RECORDED = object()  # the value before the first recorded event of a record


@dataclass
class Change:
    label: str
    before: object = None
    after: object = None


@dataclass
class Entry:
    event: models.Model
    what: str
    subject: str = ""  # what the event is about, when it is not the record itself
    changes: list = field(default_factory=list)
    who: str = ""
    how: str = ""

    @property
    def what_label(self):
        return WHAT_LABELS[self.what]

    @property
    def when(self):
        return self.event.pgh_created_at


def _tracked_fields(event_model):
    """The tracked model's fields that the event model keeps, in the model's order."""
    kept = {f.name for f in event_model._meta.fields}
    tracked = event_model.pgh_tracked_model
    return [f for f in tracked._meta.fields if f.name in kept and not f.primary_key]


def events_of(kind, pk):
    """Every event of the record `pk` of `kind`, oldest first, as Entry objects without
    their values resolved (see `resolve`): one query per event table of the kind."""
    sources = [(kind.own, {"pgh_obj_id": pk}, None)]
    sources += [(model, {f"{name}_id": pk}, None) for model, name in kind.parts]
    sources += [
        (model, {f"{m2m.m2m_field_name()}_id": pk}, m2m) for m2m, model in kind.link_models()
    ]
    entries = []
    for order, (model, lookup, m2m) in enumerate(sources):
        rows = model.objects.filter(**lookup).select_related("pgh_context").order_by("pgh_id")
        fields = _tracked_fields(model)
        last = {}  # the snapshot before, per record
        for event in rows:
            what = WHAT.get(event.pgh_label, CHANGED)
            entry = Entry(event=event, what=what)
            entry.sort_key = (event.pgh_created_at, order, event.pgh_id)
            if m2m is not None:
                target = m2m.m2m_reverse_field_name()
                entry.subject = m2m.verbose_name
                entry.changes = [
                    _value_change(
                        m2m.verbose_name,
                        model._meta.get_field(target),
                        None,
                        getattr(event, f"{target}_id"),
                    )
                ]
            else:
                if model is not kind.own:
                    entry.subject = model.pgh_tracked_model._meta.verbose_name
                before = last.get(event.pgh_obj_id)
                now = {f.attname: getattr(event, f.attname) for f in fields}
                if what == CHANGED:
                    entry.changes = [
                        _value_change(
                            f.verbose_name,
                            f,
                            NOT_RECORDED if before is None else before[f.attname],
                            now[f.attname],
                        )
                        for f in fields
                        if before is None or before[f.attname] != now[f.attname]
                    ]
                last[event.pgh_obj_id] = now
            entries.append(entry)
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries


def _value_change(label, model_field, before, after):
    change = Change(label=label, before=before, after=after)
    change.field = model_field
    return change


def resolve(entries):
    """Fill in who made each change and the values as a person reads them: choices by their
    label, yes/no, related records by name. One query per related table, however many
    entries."""
    wanted = defaultdict(set)
    for entry in entries:
        metadata = entry.event.pgh_context.metadata if entry.event.pgh_context else {}
        if metadata.get("user"):
            wanted[User].add(metadata["user"])
        for change in entry.changes:
            if change.field.is_relation:
                model = change.field.related_model
                for value in (change.before, change.after):
                    if value not in (None, NOT_RECORDED):
                        wanted[model].add(value)
    found = {
        model: model._base_manager.select_related(*NAMED_WITH.get(model, ())).in_bulk(ids)
        for model, ids in wanted.items()
    }
    for entry in entries:
        entry.who, entry.how = _who(entry.event, found.get(User, {}))
        for change in entry.changes:
            change.before = _shown(change.field, change.before, found)
            change.after = _shown(change.field, change.after, found)
    return entries


def _who(event, users):
    metadata = event.pgh_context.metadata if event.pgh_context else {}
    url = metadata.get("url", "")
    how = _("in the administration") if url.startswith("/admin/") else ""
    if metadata.get("user"):
        person = users.get(metadata["user"])
        if person is None:
            return _("a person since removed"), how
        return person.full_name or person.email, how
    if metadata.get("command"):
        return _("command %(name)s") % {"name": metadata["command"]}, how
    if metadata.get("task"):
        return _("scheduled task %(name)s") % {"name": metadata["task"]}, how
    return _("system"), how


def _shown(model_field, value, found):
    if value is NOT_RECORDED:
        return _("(not recorded)")
    if value is None or value == "":
        return None
    if model_field.is_relation:
        obj = found.get(model_field.related_model, {}).get(value)
        return str(obj) if obj is not None else _("#%(id)s (deleted)") % {"id": value}
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    return value
