"""The rules every activity obeys, each written once with one wording.

The table's constraints (models.py) hold what the database itself enforces: an end
on or after the start, and a reference unique within its agency, capitals aside.
`validate_activity` checks those and every field's own rules, and adds the rules
that span many-to-many fields, which neither the model nor the database can see.

The services run it before every save and are the authority (the CSV import goes
through them); the form runs it too, only to show mistakes before the save.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

PRIORITY_REQUIRED = _("Choose at least one priority of the Terms of Reference.")
PLACE_REQUIRED = _(
    "Name at least one country or region (choose the region “World” for global work)."
)
OWN_PARTNER = _("An agency cannot be its own partner.")


def validate_activity(
    activity,
    *,
    priorities,
    countries,
    regions,
    partners,
    exclude=(),
    unique_checked=False,
    found=(),
):
    """Raise a ValidationError keyed by field for every rule `activity` breaks.

    The many-to-many values are passed in because an unsaved activity has none
    yet. Fields in `exclude` already failed elsewhere (a form's own cleaning):
    the rules that read them are skipped rather than reported twice. With
    `unique_checked`, the caller has just looked the reference up (or leaves a stored one
    as it is): the query of the unique-reference constraint is not run again (the table's
    index still refuses a twin).
    `found`: foreign keys whose related row the caller has just found (a batch has
    validated the same agency a row before): their existence query is not run again (the
    table's foreign key still refuses a row deleted meanwhile).
    """
    exclude = set(exclude)
    errors = {}
    try:
        # Nothing on the model is unique but its key: the per-agency reference is a
        # constraint, checked here with the others (as full_clean does: only on the
        # fields that passed their own cleaning).
        activity.full_clean(
            exclude=exclude | set(found), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    skip = {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        activity.validate_constraints(
            exclude=exclude | skip,
            skip=("activity_reference_unique_per_agency_ci",) if unique_checked else (),
        )
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)

    def broken(field, message, code, reads):
        if not exclude.intersection(reads):
            errors.setdefault(field, []).append(ValidationError(message, code=code))

    if not priorities:
        broken("priorities", PRIORITY_REQUIRED, "priority_required", {"priorities"})
    if not countries and not regions:
        broken("countries", PLACE_REQUIRED, "place_required", {"countries", "regions"})
    agency_id = activity.agency_id
    if agency_id is not None and any(partner.pk == agency_id for partner in partners):
        broken("partners", OWN_PARTNER, "own_partner", {"partners", "agency"})
    if errors:
        raise ValidationError(errors)
