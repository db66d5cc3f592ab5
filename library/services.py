"""Writes to the knowledge library.

Every change goes through these functions, inside one transaction. A file is written to
the library's storage only once its item has passed every check and been saved, and a
file that is replaced or whose item is deleted is removed from the storage only once the
change is committed: a refused or rolled-back change never loses a file that is still
needed.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import files
from .models import LibraryItem

SCALAR_FIELDS = ("kind", "title", "summary", "authors", "year", "language", "url")
RELATION_FIELDS = ("agencies", "priorities", "countries", "themes")
# What the secretariat read when it reviewed a good practice: changing any of it (or the
# file) withdraws the mark, which vouches for what the item said, not what it says now.
REVIEWED_FIELDS = ("kind", "title", "summary", "url")

AGENCY_REQUIRED = _("Name at least one member agency that shares it.")
PRIORITY_REQUIRED = _("Choose at least one priority of the Terms of Reference.")
LINK_OR_FILE = _("Give a link to it or upload its file.")
NOT_BOTH = _("Give a link or a file, not both: remove the link to keep the file.")
ONLY_GOOD_PRACTICE = _("Only a good practice or lesson learned can be marked as reviewed.")


class StaleItemError(Exception):
    """The item changed since the editor loaded it."""


def validate_item(item, *, agencies, priorities, exclude=()):
    """Raise a ValidationError keyed by field for every rule `item` breaks, the
    many-to-many ones included (passed in: an unsaved item has none yet)."""
    exclude = set(exclude)
    errors = {}
    try:
        item.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if not agencies and "agencies" not in exclude:
        errors.setdefault("agencies", []).append(ValidationError(AGENCY_REQUIRED))
    if not priorities and "priorities" not in exclude:
        errors.setdefault("priorities", []).append(ValidationError(PRIORITY_REQUIRED))
    if errors:
        raise ValidationError(errors)


def _check_link_or_file(url, has_file):
    if url and has_file:
        raise ValidationError({"url": ValidationError(NOT_BOTH, code="link_and_file")})
    if not url and not has_file:
        raise ValidationError({"url": ValidationError(LINK_OR_FILE, code="link_or_file")})


def _save(item, fields, by, upload=None, remove_file=False):
    relations = {name: list(fields.pop(name)) for name in RELATION_FIELDS if name in fields}
    unknown = set(fields) - set(SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown library item fields: {sorted(unknown)}")
    extension = None
    if upload is not None:
        try:
            extension = files.check(upload)
        except ValidationError as exc:
            raise ValidationError({"file": exc.error_list}) from exc

    before = {name: getattr(item, name) for name in REVIEWED_FIELDS}
    for name, value in fields.items():
        setattr(item, name, value)
    old_file = item.stored_name
    if upload is not None:
        item.stored_name = files.new_name()
        item.file_name = files.clean_name(upload.name, extension)
        item.file_type = extension
        item.file_size = upload.size
    elif remove_file:
        item.stored_name = item.file_name = item.file_type = ""
        item.file_size = None
    changed = any(getattr(item, name) != value for name, value in before.items())
    if item.is_reviewed and (changed or item.stored_name != old_file):
        item.reviewed_at, item.reviewed_by = None, None
    _check_link_or_file(item.url, bool(item.stored_name))
    current = {
        name: relations.get(name, list(getattr(item, name).all()) if item.pk else [])
        for name in ("agencies", "priorities")
    }
    validate_item(item, **current)
    item.updated_by = by
    item.updated_at = timezone.now()
    item.save()
    for name, values in relations.items():
        getattr(item, name).set(values)
    LibraryItem.objects.filter(pk=item.pk).refresh_search_vector()
    if upload is not None:
        # Last, so that nothing after it can fail: the row and its file go together.
        files.store(upload, item.stored_name)
    if old_file and old_file != item.stored_name:
        transaction.on_commit(lambda: files.delete_stored(old_file))
    return item


@transaction.atomic
def item_create(*, by, upload=None, **fields):
    """Share an item: a link (`url`) or a file (`upload`); raises ValidationError with
    field-level messages, the file's under "file"."""
    item = LibraryItem(created_by=by, created_at=timezone.now())
    return _save(item, fields, by, upload=upload)


@transaction.atomic
def item_update(item, *, by, expected_version=None, upload=None, remove_file=False, **fields):
    """Change an item; `upload` replaces its file, `remove_file` drops it (for a link).
    With `expected_version`, refuse if someone saved in between."""
    locked = LibraryItem.objects.select_for_update().get(pk=item.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleItemError
    locked.version += 1
    return _save(locked, fields, by, upload=upload, remove_file=remove_file)


@transaction.atomic
def item_delete(item, *, by):
    """Delete an item, and its file once the deletion is committed."""
    stored = (
        LibraryItem.objects.select_for_update()
        .filter(pk=item.pk)
        .values_list("stored_name", flat=True)
        .first()
    )
    LibraryItem.objects.filter(pk=item.pk).delete()
    if stored:
        transaction.on_commit(lambda: files.delete_stored(stored))


@transaction.atomic
def item_mark_reviewed(item, *, by, reviewed=True):
    """The secretariat's mark on a good practice it has reviewed (who, when), or its
    withdrawal with reviewed=False. Marking again keeps the first review's date."""
    locked = LibraryItem.objects.select_for_update().get(pk=item.pk)
    if reviewed:
        if locked.kind != LibraryItem.Kind.GOOD_PRACTICE:
            raise ValidationError(ONLY_GOOD_PRACTICE, code="not_good_practice")
        if locked.is_reviewed:
            return locked
        locked.reviewed_at, locked.reviewed_by = timezone.now(), by
    else:
        locked.reviewed_at, locked.reviewed_by = None, None
    locked.save(update_fields=["reviewed_at", "reviewed_by"])
    return locked
