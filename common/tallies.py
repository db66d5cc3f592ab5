"""Counts kept in the shared cache until the data they count changes.

A count over 100,000 rows costs tens of milliseconds on every page that shows it, yet the
rows change a few hundred times a day. Each kind of data ("activities") has a version in
the cache; a count is kept under the version it was made at, and the code that changes
the data calls `changed`, which moves the version on once the change is committed. The
counts of the old version are never read again (they expire).

Moving on after the commit is what keeps a count right: a request that reads the version
of after the commit reads the data as committed, so nothing counted from the old rows can
be kept under it. (It also moves on at once, for the changing transaction's own reads; what
another request counts meanwhile is kept under a version that the commit leaves behind.)
"""

import hashlib
import uuid

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.utils.functional import cached_property

# Longer than a working day; a version that moved on leaves its counts to expire.
TIMEOUT = 6 * 60 * 60
_VERSION = "tally-version:"
# The reference lists (common.reference: agencies, countries, regions, priorities, ...):
# a fragment that names them is kept under this version too, which moves on whenever one
# of those lists is dropped.
REFERENCE = "reference"


def version(kind):
    """The current version of `kind`'s data (made up the first time it is asked for)."""
    found = cache.get(_VERSION + kind)
    if found is None:
        cache.add(_VERSION + kind, uuid.uuid4().hex, None)
        found = cache.get(_VERSION + kind)
    return found


def versions(*kinds):
    """The current versions of `kinds`, read from the cache in one round trip.

    For a fragment_key, read them before the data the fragment is made from: a change
    that commits in between then leaves newer data under a version nobody reads again,
    never older data under the version that follows the change."""
    found = cache.get_many([_VERSION + kind for kind in kinds])
    return [found.get(_VERSION + kind) or version(kind) for kind in kinds]


def changed(kind):
    """`kind`'s data changed in the current transaction: its counts go stale now, for this
    transaction's own reads, and again at commit (see above)."""

    def move_on():
        cache.set(_VERSION + kind, uuid.uuid4().hex, None)

    move_on()
    transaction.on_commit(move_on)


def kept(kind, key, compute):
    """`compute()`, kept for `kind`'s current version under `key` (a string). `kind` may
    be a tuple of kinds: what is counted from several kinds of data (the overlap pairs
    and the register's activities) is kept until any of them changes."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    stamp = ":".join(f"{k}:{v}" for k, v in zip(kinds, versions(*kinds), strict=True))
    name = f"tally:{stamp}:{hashlib.sha256(key.encode()).hexdigest()}"
    found = cache.get(name)
    if found is None:
        found = compute()
        cache.set(name, found, TIMEOUT)
    return found


def query_key(queryset, ordered=False):
    """A key naming the rows `queryset` selects (`ordered`: in its order): its SQL with its
    parameters. Whatever narrows the rows to what one person may see is in the SQL, so
    two people who see different rows never share a key."""
    if not ordered:
        queryset = queryset.order_by()
    sql, params = queryset.query.sql_with_params()
    return f"{sql}\x00{params!r}"


def fragment_key(versions, *parts):
    """A name for HTML rendered from the data at `versions` (see `versions`) and from
    `parts` (strings: the rows' query, the request's parameters, the language...), to keep
    it with Django's {% cache %} tag. A write to the data, a change of a reference list or
    any other part makes another name: a kept fragment is never shown stale, only left to
    expire."""
    return hashlib.sha256("\x00".join([*versions, *parts]).encode()).hexdigest()


class KeptCountPaginator(Paginator):
    """A Paginator whose count is kept (`kept`) for `kind`'s version (or a tuple of kinds'):
    the pages of one list and its filters count their rows once per change of the data, not
    once per page."""

    def __init__(self, object_list, per_page, *, kind, key=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.kind = kind
        # A page that has named its rows already (query_key, for a kept fragment) passes
        # that name: compiling a filtered list's SQL again costs more than the kept count
        # saves. An ordered name only keeps the same count once per ordering.
        self.key = key

    @cached_property
    def count(self):
        if self.object_list.query.is_empty():
            return 0  # qs.none(): no SQL to name it by, and nothing to count
        key = self.key or query_key(self.object_list)
        return kept(self.kind, key, self.object_list.count)
