"""Writes to activities.

Every change goes through these functions, inside one transaction, so that the
audit history and locking planned for later issues are added in one place.
"""

from collections import defaultdict
from contextlib import contextmanager, nullcontext

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import outbox, softdelete, tallies

from .models import REGISTER, Activity, ActivityPlace
from .rules import validate_activity

SCALAR_FIELDS = (
    "reference",
    "title",
    "description",
    "language",
    "kind",
    "status",
    "start_date",
    "end_date",
    "contact_name",
    "contact_email",
    "initiative",
)
RELATION_FIELDS = ("countries", "regions", "priorities", "target_groups", "themes", "partners")
FOREIGN_KEYS = [f for f in Activity._meta.concrete_fields if f.many_to_one]


class StaleActivityError(Exception):
    """The activity changed since the editor loaded it."""


def _violated_constraint(exc):
    """The name of the constraint an IntegrityError reports, or None."""
    diag = getattr(exc.__cause__, "diag", None)  # psycopg reports it by name
    if diag is not None:
        return diag.constraint_name
    # SQLite (local development) only says it in the message.
    return next((name for name in Activity.CONSTRAINT_FIELDS if name in str(exc)), None)


def _announce_change(activity_id):
    # The apps above this one (overlap detection) name in settings the tasks a changed
    # activity needs; the outbox publishes them after commit and keeps them if the broker
    # is down, so the register never imports the apps that build on it.
    for task_name in settings.ACTIVITY_CHANGED_TASKS:
        outbox.enqueue(task_name, activity_id)


def _announce_bulk_change(activity_ids):
    # One message for the whole set: the apps above check them together, in one pass, where
    # a message per activity would each reload the register's candidates.
    for task_name in settings.ACTIVITIES_CHANGED_IN_BULK_TASKS:
        outbox.enqueue(task_name, activity_ids)


class ActivityBatch:
    """Activities saved together (an import): their writes and upkeep are done for the set.

    Each save still validates on its own and leaves its history, but writes nothing: the
    validated activity waits in the batch, and `flush` writes the waiting ones together,
    the new ones in one INSERT, the changed ones an UPDATE each, and each relation's links
    in one INSERT (and one DELETE for the links an update drops), where a row each cost a
    savepoint, and an update a read, a DELETE and an INSERT per relation (`set()`). What is
    derived from the saved rows (search vector, coverage tallies) and the announcement to
    the apps above are deferred to `finish`, which runs in the same transaction, so the
    rows and their upkeep commit together or not at all.
    """

    # Rows per INSERT: bounded, so that one statement's parameters stay a few megabytes.
    INSERT_ROWS = 1000

    def __init__(self):
        self.ids = set()
        self._waiting = []  # (activity, relations), validated, not yet written
        self._changed = set()  # keys of the waiting activities that exist already
        self._found = set()  # (foreign key, value) that validation has found in this batch

    def found_rows(self, activity):
        """The foreign keys of `activity` whose row validation has already found in this
        batch: each would cost a query per save (full_clean's existence check), for the
        same few agencies and people. One deleted meanwhile is still refused by the
        table's foreign key when the batch writes (then in the row's own savepoint)."""
        return {
            f.name for f in FOREIGN_KEYS if (f.name, getattr(activity, f.attname)) in self._found
        }

    def remember_found(self, activity):
        """After `activity` passed validation: its foreign keys' rows exist."""
        self._found.update((f.name, getattr(activity, f.attname)) for f in FOREIGN_KEYS)

    def add(self, activity, relations):
        self._waiting.append((activity, relations))
        if activity.pk is not None:
            self._changed.add(activity.pk)

    def waiting(self, activity):
        """True while `activity` (or, for an existing one, its row) waits to be written: a
        later save of it must flush first, so that it starts from what the batch saved."""
        if activity.pk is None:
            return any(a is activity for a, _ in self._waiting)
        return activity.pk in self._changed

    def flush(self):
        """Write the activities waiting in the batch, with their links.

        Returns the ones the database refused, as (activity, error), in the order they
        were added: a ValidationError on its field when a table constraint refused it (a
        twin reference saved meanwhile by someone else), or the DatabaseError (a code
        deleted from a reference table meanwhile). Validation has been done, so nothing
        should fail here; when something does, the set's writes are undone and each
        activity is written again in a savepoint of its own, so that the refused ones
        leave nothing behind and the others are saved, as when each was saved on its own.
        """
        waiting, self._waiting, self._changed = self._waiting, [], set()
        if not waiting:
            return []
        new = [(a, r) for a, r in waiting if a.pk is None]
        changed = [(a, r) for a, r in waiting if a.pk is not None]
        try:
            with transaction.atomic():
                Activity.objects.bulk_create([a for a, _ in new], batch_size=self.INSERT_ROWS)
                for activity, _relations in changed:
                    _write(activity, savepoint=False)
                _link_new(new, batch_size=self.INSERT_ROWS)
                _relink(changed, batch_size=self.INSERT_ROWS)
        except DatabaseError:
            for activity, _relations in new:
                # bulk_create may have given keys to the rows of an INSERT that was undone.
                activity.pk, activity._state.adding = None, True
            refused = self._one_by_one(waiting)
        else:
            refused = []
        failed = {id(a) for a, _ in refused}
        self.ids.update(a.pk for a, _ in waiting if id(a) not in failed)
        return refused

    @staticmethod
    def _one_by_one(waiting):
        refused = []
        for activity, relations in waiting:
            created = activity.pk is None
            try:
                with transaction.atomic():
                    _write(activity, savepoint=False)
                    if created:
                        _link_new([(activity, relations)])
                    else:
                        for name, values in relations.items():
                            getattr(activity, name).set(values)
            except (ValidationError, DatabaseError) as exc:
                if created:
                    activity.pk, activity._state.adding = None, True
                refused.append((activity, exc))
        return refused

    def finish(self):
        """Refresh the derived columns of every activity saved in the batch, and announce
        them in one message."""
        if self._waiting:
            raise RuntimeError("ActivityBatch.flush() was not called on waiting activities.")
        if not self.ids:
            return
        ids = sorted(self.ids)
        saved = Activity.objects.filter(pk__in=ids)
        saved.refresh_search_vector()
        saved.refresh_coverage()
        _announce_bulk_change(ids)


@contextmanager
def activity_batch():
    """A transaction in which saves passed `batch=` share their upkeep (ActivityBatch).

    Everything inside commits together: a batch's rows are never visible without their
    search vector, tallies and overlap check queued.
    """
    batch = ActivityBatch()
    with transaction.atomic():
        immediate = connection.vendor == "postgresql"
        if immediate:
            # Django's foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED):
            # every row and history event written queues a check that PostgreSQL walks
            # again at the end of each later statement, so a long batch slows row after row
            # (as generate_benchmark_data found). Checked at each statement instead, and a
            # row that breaks one is refused in its own savepoint, with its line.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield batch
        batch.finish()
        if immediate:
            # Back to their own timing for the rest of an enclosing transaction (every
            # deferrable constraint of the project is initially deferred).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _link_new(new, batch_size=None):
    """The relations of activities just inserted, `new` as (activity, {relation: values}):
    one INSERT per relation that has values, for all of them.

    What `set()` does for an activity with no links yet, without its reads of the current
    and existing links (two queries per relation, most of the cost of an imported row).
    The link tables' history triggers fire for each row of these inserts, as for set()'s.
    """
    links = defaultdict(list)
    for activity, relations in new:
        for name, values in relations.items():
            field = Activity._meta.get_field(name)
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            for key in dict.fromkeys(value.pk for value in values):
                links[through].append(through(**{f"{source}_id": activity.pk, f"{target}_id": key}))
    for through, rows in links.items():
        through.objects.bulk_create(rows, batch_size=batch_size)


def _relink(changed, batch_size=None):
    """Make the links of existing activities what `changed` gives, as (activity, {relation:
    values}): what `set()` does for each, with one read, one DELETE and one INSERT per
    relation for all of them. The history triggers see each removed and added link."""
    by_relation = defaultdict(dict)
    for activity, relations in changed:
        for name, values in relations.items():
            by_relation[name][activity.pk] = {value.pk for value in values}
    for name, wanted in by_relation.items():
        field = Activity._meta.get_field(name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        stale, present = [], set()
        ids = list(wanted)
        step = batch_size or len(ids)
        for start in range(0, len(ids), step):
            rows = through.objects.filter(
                **{f"{source}_id__in": ids[start : start + step]}
            ).values_list("pk", f"{source}_id", f"{target}_id")
            for pk, activity_id, key in rows:
                if key in wanted[activity_id]:
                    present.add((activity_id, key))
                else:
                    stale.append(pk)
        if stale:
            through.objects.filter(pk__in=stale).delete()
        through.objects.bulk_create(
            [
                through(**{f"{source}_id": activity_id, f"{target}_id": key})
                for activity_id, keys in wanted.items()
                for key in keys
                if (activity_id, key) not in present
            ],
            batch_size=batch_size,
        )


def _write(activity, savepoint=True):
    """INSERT or UPDATE an activity's row; a table constraint's refusal is the field error a
    person reads."""
    try:
        # Its own savepoint, so that a refused write leaves the caller's transaction usable
        # (unless the caller gives it one).
        with transaction.atomic(savepoint=savepoint):
            activity.save()
    except IntegrityError as exc:
        # The checks before cannot see a colleague's save that has not committed yet;
        # the table's constraints can, and their refusal is the same field error.
        name = _violated_constraint(exc)
        if name not in Activity.CONSTRAINT_FIELDS:
            raise
        raise Activity.constraint_error(name) from exc


def _save(activity, fields, by, batch=None, unique_checked=False):
    relations = {name: list(fields.pop(name)) for name in RELATION_FIELDS if name in fields}
    unknown = set(fields) - set(SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown activity fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.updated_by = by
    activity.updated_at = timezone.now()

    # The stored links are read only for the relations the caller leaves as they are.
    current = {
        name: relations[name]
        if name in relations
        else (list(getattr(activity, name).all()) if activity.pk else [])
        for name in ("priorities", "countries", "regions", "partners")
    }
    created = activity.pk is None
    found = batch.found_rows(activity) if batch is not None else ()
    validate_activity(activity, unique_checked=unique_checked, found=found, **current)

    if batch is not None:
        # Written with the batch's other activities (ActivityBatch.flush).
        batch.remember_found(activity)
        batch.add(activity, relations)
        return activity
    _write(activity)
    if created:
        _link_new([(activity, relations)])
    else:
        for name, values in relations.items():
            getattr(activity, name).set(values)
    # After the relations: the vector holds the names of the countries and regions, and
    # the coverage tallies (priority mask, places) are made from them.
    saved = Activity.objects.filter(pk=activity.pk)
    saved.refresh_search_vector()
    saved.refresh_coverage()
    _announce_change(activity.pk)
    return activity


def _savepoints(batch):
    # In a batch a save only validates (the batch writes), so it takes no savepoint: a
    # transaction of thousands of rows slows down with every subtransaction it holds
    # (PostgreSQL keeps each one's locks until the end, and walks them at each release),
    # three a row made a 10,000-row import several times slower. Not even an atomic block
    # without a savepoint: a rule broken inside one would mark the whole batch for rollback.
    return transaction.atomic() if batch is None else nullcontext()


def activity_create(*, agency, by, batch=None, reference_is_new=False, **fields):
    """Create an activity for `agency`; raises ValidationError with field-level messages.

    With `batch` (an ActivityBatch, see `activity_batch`), the activity is validated and
    waits in the batch, which writes it (`flush`) and does its upkeep; nothing is written
    here, and a rule it breaks leaves the batch's transaction as it was.
    `reference_is_new`: the caller has just looked the reference up (an import reads them
    all at once), so the unique-reference rule is left to the table's index, whose refusal
    of a twin saved meanwhile is the same field error.
    """
    with _savepoints(batch):
        activity = Activity(agency=agency, created_by=by, created_at=timezone.now())
        return _save(activity, fields, by, batch, unique_checked=reference_is_new)


def activity_update(activity, *, by, expected_version=None, batch=None, **fields):
    """Change an activity. With `expected_version`, refuse if someone saved in between.

    With `batch` (an ActivityBatch, see `activity_batch`), the activity is locked and
    validated and waits in the batch, which writes it (`flush`) and does its upkeep.
    """
    with _savepoints(batch):
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if expected_version is not None and locked.version != expected_version:
            raise StaleActivityError
        locked.version += 1
        # An update never moves an activity to another agency; with its reference left as
        # stored, the row already satisfies the unique index: no query for that rule then.
        _save(locked, fields, by, batch, unique_checked="reference" not in fields)
        return locked


class RestoreRefused(Exception):
    """A withdrawn record that can no longer be restored; the message says why."""


@transaction.atomic
def activity_withdraw(activity, *, by):
    """Withdraw ("delete") an activity: hidden from every list, count, scan and export,
    restorable by the secretariat for RESTORE_DAYS (common.softdelete).

    The row stays: the overlap pairs it is in, their decisions and the agencies' comments
    point at it. Its coverage places go (the matrices read them without joining the
    activity); restoring makes them again.
    """
    locked = Activity.objects.select_for_update().filter(pk=activity.pk).first()
    if locked is None:
        return activity  # already withdrawn: a second click changes nothing
    now = timezone.now()
    Activity.all_objects.filter(pk=locked.pk).update(deleted_at=now, deleted_by=by)
    ActivityPlace.objects.filter(activity_id=locked.pk).delete()
    tallies.changed(REGISTER)
    _announce_withdrawal(locked.pk, "withdrawn")
    activity.deleted_at, activity.deleted_by = now, by
    return activity


@transaction.atomic
def activity_restore(activity, *, by):
    """Bring back an activity withdrawn less than RESTORE_DAYS ago, as it was.

    Refused (RestoreRefused) past that. Its coverage places and search vector are made again and its
    overlap check runs as after a save.
    """
    locked = Activity.all_objects.select_for_update().filter(pk=activity.pk).first()
    if locked is None or locked.deleted_at is None:
        return locked or activity  # restored by someone else meanwhile
    if not softdelete.is_restorable(locked.deleted_at):
        raise RestoreRefused(
            _(
                "This activity was deleted more than %(days)d days ago and can no longer "
                "be restored."
            )
            % {"days": softdelete.RESTORE_DAYS}
        )
    locked.deleted_at, locked.deleted_by = None, None
    locked.updated_by, locked.updated_at = by, timezone.now()
    locked.version += 1
    # Its reference stayed taken while it was withdrawn (the unique constraint counts
    # withdrawn activities), so bringing it back cannot make a twin.
    locked.save(update_fields=["deleted_at", "deleted_by", "updated_by", "updated_at", "version"])
    restored = Activity.objects.filter(pk=locked.pk)
    restored.refresh_search_vector()
    restored.refresh_coverage()
    _announce_withdrawal(locked.pk, "restored")
    _announce_change(locked.pk)
    return locked


def _announce_withdrawal(activity_id, kind):
    for task_name in settings.ACTIVITY_WITHDRAWAL_TASKS:
        outbox.enqueue(task_name, activity_id, kind)
