"""Similar work for an activity entry form that is still being filled in.

The check runs while the person types: each field the engine uses is read on its own and
kept if it is valid so far, anything else counts as not given yet. A missing reference,
start date or priority never stops the check, and the check never reports "required"
(that is the save's business, not the check's). Nothing is saved.
"""

from django.core.exceptions import ValidationError

from . import services

_DRAFT_FIELDS = (
    "title",
    "description",
    "countries",
    "regions",
    "start_date",
    "end_date",
    "priorities",
    "target_groups",
    "partners",
    "initiative",
    "language",
)


def _lenient(form, name):
    """The cleaned value of one field of `form` as typed so far, or None if not valid."""
    field = form.fields.get(name)
    if field is None:
        return None
    try:
        # BoundField.value(): the posted data of a bound form, the initial of an unbound one.
        return field.clean(form[name].value())
    except ValidationError:
        return None


def draft_from_form(form):
    """Keyword arguments for `services.similar_for_draft` from an ActivityForm."""
    values = {name: _lenient(form, name) for name in _DRAFT_FIELDS}
    agency = form.fixed_agency or _lenient(form, "agency")
    return {
        "agency": agency,
        "title": values["title"] or "",
        "description": values["description"] or "",
        "countries": list(values["countries"] or []),
        "regions": list(values["regions"] or []),
        "start_date": values["start_date"],
        "end_date": values["end_date"],
        "priorities": list(values["priorities"] or []),
        "target_groups": list(values["target_groups"] or []),
        "partners": list(values["partners"] or []),
        "initiative": values["initiative"],
        "language": values["language"] or "",
    }


def similar_panel(form, exclude_id=None):
    """The context of includes/similar_activities.html for what `form` holds so far."""
    draft = draft_from_form(form)
    missing_text = not (draft["title"].strip() or draft["description"].strip())
    missing_places = not (draft["countries"] or draft["regions"])
    panel = {
        "moment": "edit" if exclude_id else "new",
        "missing_text": missing_text,
        "missing_places": missing_places,
        "undated": draft["start_date"] is None,
        "similar": [],
        "focal_points": {},
    }
    if not (missing_text or missing_places):
        panel["similar"], panel["focal_points"] = services.similar_with_focal_points(
            **draft, exclude_id=exclude_id
        )
    return panel
