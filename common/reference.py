"""Reference data kept in the shared cache: the agencies, countries, regions, priorities and
vocabularies that every filter form lists and every page names.

They change a few times a year (through the admin, a data migration or a service) and are
read on nearly every page: listed whole, they cost a query each and hundreds of rows per
request. Each list is read once from the database, kept in the cache (shared by every
process) and dropped when one of its tables changes.

The drop is wired to the models' signals rather than to services because these tables are
written by the admin as much as by code of the portal; a signal is the one place both pass
through. Data migrations write through historical models, which send no signals to these
receivers: every list is dropped after `migrate` instead. Other writes that bypass signals
(`.update()`, `bulk_create`, raw SQL) must call `forget` themselves; none of the portal's
does today, and the TIMEOUT bounds what a forgotten one could leave behind.
"""

import pickle  # nosec B403: our own rows, pickled and read back in this process
import time

import django_filters
from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from . import tallies
from .widgets import KeptSelect

# A day: a safety net for writes that bypass the signals, not the usual way a list renews.
TIMEOUT = 24 * 60 * 60
_PREFIX = "reference:"
_LOADERS = {}


def register(name, load, *models, through=()):
    """Keep the list `load()` returns under `name`, dropped when any of `models` (or the
    many-to-many `through` tables) is saved or deleted. Returns the reader."""
    _LOADERS[name] = load

    def drop(**kwargs):
        forget(name)

    uid = f"common.reference:{name}"
    for model in models:
        post_save.connect(drop, sender=model, weak=False, dispatch_uid=f"{uid}:save:{model}")
        post_delete.connect(drop, sender=model, weak=False, dispatch_uid=f"{uid}:del:{model}")
    for table in through:
        m2m_changed.connect(drop, sender=table, weak=False, dispatch_uid=f"{uid}:m2m:{table}")

    def reader():
        return rows(name)

    reader.pick = lambda keys: pick(name, keys)
    return reader


def _forget_all(**kwargs):
    for name in _LOADERS:
        forget(name)


post_migrate.connect(_forget_all, weak=False, dispatch_uid="common.reference:migrate")


# name -> _Copy: this process's copy of each list, so that a page naming agencies, countries
# and regions several times does not fetch the 250 countries from the shared cache each
# time. A copy is good while the reference lists' version is the one it was read at, and at
# most TIMEOUT. Kept pickled: each read gets rows of its own, as from the cache, so that
# what one request sets on a row (a count, a link) is never seen by another request or
# thread.
_memo = {}


class _Copy:
    def __init__(self, version, found):
        self.version, self.loaded = version, time.monotonic()
        self.whole = pickle.dumps(found, pickle.HIGHEST_PROTOCOL)
        self.each = None  # {str(pk): one row pickled}, made at the first `pick`

    def current(self, version):
        return self.version == version and time.monotonic() - self.loaded < TIMEOUT


def _copy(name):
    """This process's copy of the list `name`, read from the shared cache (or loaded) when
    it has none at the reference lists' current version.

    Kept under that version (common.tallies.REFERENCE), read before the rows: a change
    moves it on (now and at commit), so rows read before the change are never kept under
    the version that follows it, in this process or in the cache."""
    version = tallies.version(tallies.REFERENCE)
    mine = _memo.get(name)
    if mine is None or not mine.current(version):
        key = f"{_PREFIX}{name}:{version}"
        found = cache.get(key)
        if found is None:
            found = list(_LOADERS[name]())
            cache.set(key, found, TIMEOUT)
        mine = _memo[name] = _Copy(version, found)
    return mine


def rows(name):
    """The list `name`, rows of the caller's own."""
    return pickle.loads(_copy(name).whole)  # nosec B301: pickled by this process, not a client


def pick(name, keys):
    """{key: row} of the rows of the list `name` whose str(pk) is in `keys`, rows of the
    caller's own: a page that names three countries unpickles three, not 250."""
    mine = _copy(name)
    if mine.each is None:
        whole = pickle.loads(mine.whole)  # nosec B301: as above
        mine.each = {str(row.pk): pickle.dumps(row, pickle.HIGHEST_PROTOCOL) for row in whole}
    return {key: pickle.loads(mine.each[key]) for key in set(keys) if key in mine.each}  # nosec B301


def forget(name):
    """The list `name` changed: every list is read again, now and after the commit (a
    request that read the table in between would otherwise keep the rows as they were
    before), and the fragments kept with these names in them (common.tallies.fragment_key)
    go stale too. The lists are few and change a few times a year: one version for all."""
    _memo.pop(name, None)
    tallies.changed(tallies.REFERENCE)


class CachedModelChoiceField(forms.ChoiceField):
    """A ModelChoiceField over a cached list (`rows`, a callable): no query to list the
    options nor to read the chosen one back. The cleaned value is the model instance.
    Its <select> is kept rendered in the cache (KeptSelect)."""

    widget = KeptSelect

    def __init__(
        self, *, rows, to_field_name="pk", label_from_instance=str, empty_label="---------", **kw
    ):
        self.rows = rows
        self.to_field_name = to_field_name
        self.label_from_instance = label_from_instance
        self.empty_label = empty_label
        super().__init__(choices=self._choices, **kw)

    def _key(self, obj):
        return str(getattr(obj, self.to_field_name))

    def _choices(self):
        options = [(self._key(obj), self.label_from_instance(obj)) for obj in self.rows()]
        return [("", self.empty_label), *options] if self.empty_label is not None else options

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for obj in self.rows():
            if self._key(obj) == str(value):
                return obj
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )

    def validate(self, value):
        forms.Field.validate(self, value)  # to_python already checked it is one of the rows

    def prepare_value(self, value):
        return self._key(value) if hasattr(value, "_meta") else value


class CachedModelChoiceFilter(django_filters.Filter):
    """django-filter's ModelChoiceFilter over a cached list: `rows=` and `to_field_name=` as
    for CachedModelChoiceField."""

    field_class = CachedModelChoiceField
