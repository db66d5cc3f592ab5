"""Writes to joint trainings and inter-agency transfers.

Each function runs in one transaction: a training, its organisers, its participants by
agency and its priorities are saved together or not at all. Every write stamps who made the
change and when and raises the record's version; an edit given the version its form was
loaded with is refused (StaleEditError) if someone saved in between. Who may call them is the
gates' business (capacity.access), not these functions'.
"""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from priorities.models import Priority

from .models import Training, TrainingParticipants, Transfer

TRAINING_FIELDS = (
    "title",
    "description",
    "start_date",
    "end_date",
    "online",
    "country",
    "city",
    "cancelled",
    "materials",
)
TRANSFER_FIELDS = (
    "kind",
    "person_name",
    "from_agency",
    "to_agency",
    "start_date",
    "end_date",
    "purpose",
)
# Every joint training and every transfer serves this priority of the Terms of Reference.
CAPACITY_PRIORITY = "l"


class StaleEditError(Exception):
    """The record changed since the editor loaded it."""


def _person(by):
    return by if by is not None and by.is_authenticated else None


def _apply(record, fields, allowed, by):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown {type(record).__name__} fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    record.updated_by = _person(by)
    record.updated_at = timezone.now()


def _lock(model, record, expected_version):
    locked = model.objects.select_for_update().get(pk=record.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEditError
    locked.version += 1
    return locked


def _stamp_new(record, by):
    now = timezone.now()
    record.created_by = record.updated_by = _person(by)
    record.created_at = record.updated_at = now


def _save(record):
    """Validate (constraints included, each message on its field) and save."""
    record.full_clean()
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        record.full_clean()
        raise
    return record


def _with_capacity_priority(priorities):
    return {*priorities, Priority.objects.get(code=CAPACITY_PRIORITY)}


# -- trainings --------------------------------------------------------------------------------


def _check_materials(training):
    check = URLValidator(schemes=["http", "https"])
    for line in training.material_links:
        try:
            check(line)
        except ValidationError:
            raise ValidationError(
                {"materials": _("“%(line)s” is not a web address.") % {"line": line[:100]}}
            ) from None
    training.materials = "\n".join(training.material_links)


def _check_participants(participants):
    """`participants` as [(agency, number)], each agency once, each number at least one."""
    seen = set()
    for agency, number in participants:
        if agency.pk in seen:
            raise ValidationError(
                {"participants": _("%(agency)s is listed twice.") % {"agency": agency.acronym}}
            )
        seen.add(agency.pk)
        if number is None or number < 1:
            raise ValidationError(
                {"participants": _("Each agency listed has one participant or more.")}
            )


def _save_training(training, *, organisers, participants, priorities):
    lead = training.lead_agency
    others = {agency for agency in organisers if agency.pk != lead.pk}
    _check_materials(training)
    if participants is not None:
        _check_participants(participants)
    _save(training)
    training.organisers.set({lead, *others})
    if priorities is not None:
        training.priorities.set(_with_capacity_priority(priorities))
    if participants is not None:
        TrainingParticipants.objects.filter(training=training).delete()
        TrainingParticipants.objects.bulk_create(
            TrainingParticipants(training=training, agency=agency, participants=number)
            for agency, number in participants
        )
    return training


@transaction.atomic
def training_create(*, lead_agency, by, organisers=(), participants=(), priorities=(), **fields):
    """Record a joint training led by `lead_agency` with the other `organisers`, the number of
    participants of each agency ([(agency, number)]) and its priorities; it serves (l) whatever
    else is chosen. Raises ValidationError with field-level messages; nothing is saved then.
    """
    training = Training(lead_agency=lead_agency)
    _apply(training, fields, TRAINING_FIELDS, by)
    _stamp_new(training, by)
    return _save_training(
        training, organisers=organisers, participants=participants, priorities=priorities
    )


@transaction.atomic
def training_update(
    training,
    *,
    by,
    expected_version=None,
    organisers=None,
    participants=None,
    priorities=None,
    **fields,
):
    """Change a training; its lead agency stays. Organisers, participants and priorities
    change only when given."""
    locked = _lock(Training, training, expected_version)
    _apply(locked, fields, TRAINING_FIELDS, by)
    if organisers is None:
        organisers = list(locked.organisers.all())
    return _save_training(
        locked, organisers=organisers, participants=participants, priorities=priorities
    )


@transaction.atomic
def training_delete(training, *, by):
    Training.objects.filter(pk=training.pk).delete()


# -- transfers --------------------------------------------------------------------------------


@transaction.atomic
def transfer_create(*, by, priorities=(), **fields):
    """Record a transfer or secondment; it serves (l) whatever else is chosen."""
    transfer = Transfer()
    _apply(transfer, fields, TRANSFER_FIELDS, by)
    _stamp_new(transfer, by)
    _save(transfer)
    transfer.priorities.set(_with_capacity_priority(priorities))
    return transfer


@transaction.atomic
def transfer_update(transfer, *, by, expected_version=None, priorities=None, **fields):
    locked = _lock(Transfer, transfer, expected_version)
    _apply(locked, fields, TRANSFER_FIELDS, by)
    _save(locked)
    if priorities is not None:
        locked.priorities.set(_with_capacity_priority(priorities))
    return locked


@transaction.atomic
def transfer_delete(transfer, *, by):
    Transfer.objects.filter(pk=transfer.pk).delete()
