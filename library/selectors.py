"""Reads of the library that other pages show."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from common.previews import Batch, Preview

from .models import LibraryItem

# The priorities the library serves first (research and data; issues, gaps and good
# practice): their pages always show it, with a word when it holds nothing for them yet.
SERVED_PRIORITIES = ("b", "f")
# How many items a priority page lists before "see all".
PRIORITY_PREVIEW = 8


@dataclass
class PrioritySection:
    preview: Preview
    list_url: str
    served: bool  # a priority the library serves: its page shows the section even empty

    @property
    def items(self):
        return self.preview.rows

    @property
    def count(self):
        return self.preview.total

    @property
    def shown(self):
        """Whether the priority's page shows the section (known once the batch ran)."""
        return self.served or bool(self.count)


def for_priority(priority, user, batch=None):
    """The library items under `priority` this person may read, latest first, for the
    priority's page: read with the page's other previews when it passes its `batch` (filled
    when the page runs it; `shown` says then whether the section has anything to show),
    else at once in one query, and None where the section has nothing to show (a priority
    the library does not serve, with no item). The items' agencies are left to the page,
    which reads every section's in one query (common.links.attach_many)."""
    own = batch is None
    batch = Batch() if own else batch
    under = LibraryItem.objects.visible_to(user).under_priority(priority)
    section = PrioritySection(
        preview=batch.add(
            under.defer("search_vector"), LibraryItem._meta.ordering, PRIORITY_PREVIEW
        ),
        list_url=f"{reverse('library:list')}?{urlencode({'priority': priority.code})}",
        served=priority.code in SERVED_PRIORITIES,
    )
    if own:
        batch.run()
        return section if section.shown else None
    return section
