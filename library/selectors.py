"""Reads of the library that other pages show."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from common.previews import first_rows

from .models import LibraryItem

# The priorities the library serves first (research and data; issues, gaps and good
# practice): their pages always show it, with a word when it holds nothing for them yet.
SERVED_PRIORITIES = ("b", "f")
# How many items a priority page lists before "see all".
PRIORITY_PREVIEW = 8


@dataclass
class PrioritySection:
    items: list
    count: int
    list_url: str


def for_priority(priority, user):
    """The library items under `priority` this person may read, latest first, for the
    priority's page; None where the section has nothing to show (a priority the library
    does not serve, with no item). One query (the count beside the rows); the items'
    agencies are left to the page, which reads every section's in one query
    (common.links.attach_many)."""
    under = LibraryItem.objects.visible_to(user).under_priority(priority)
    items, count = first_rows(under.defer("search_vector"), PRIORITY_PREVIEW)
    if not count and priority.code not in SERVED_PRIORITIES:
        return None
    return PrioritySection(
        items=items,
        count=count,
        list_url=f"{reverse('library:list')}?{urlencode({'priority': priority.code})}",
    )
