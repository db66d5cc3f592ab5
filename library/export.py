"""The library list as a CSV file: one row per item, as the page filters and sorts it.

Values are written as the other lists' files write them (codes for kinds, languages and
priorities, agencies by acronym, countries by ISO 3166-1 alpha-3, several values joined by
";"). Cells a spreadsheet would run as a formula are defused.
"""

import csv

from django.db.models import Prefetch

from agencies.models import Agency
from common import spreadsheets
from geo.models import Country
from priorities.models import Priority, Theme

COLUMNS = (
    "title",
    "kind",
    "agencies",
    "authors",
    "year",
    "language",
    "priorities",
    "countries",
    "themes",
    "link",
    "file_name",
    "reviewed_good_practice",
    "reviewed_by",
    "summary",
    "url",
)
SEPARATOR = ";"


def export_queryset(queryset):
    """The items with everything export_row reads, in a fixed number of queries."""
    return (
        queryset.defer("search_vector")
        .select_related("reviewed_by")
        .prefetch_related(
            Prefetch("agencies", queryset=Agency.objects.only("acronym").order_by("acronym")),
            Prefetch("priorities", queryset=Priority.objects.only("code").order_by("code")),
            Prefetch("countries", queryset=Country.objects.only("iso3").order_by("iso3")),
            Prefetch("themes", queryset=Theme.objects.only("slug").order_by("slug")),
        )
    )


def export_row(item, url):
    """One item (from export_queryset) as a list of cells in COLUMNS order."""
    return [
        item.title,
        item.kind,
        SEPARATOR.join(agency.acronym for agency in item.agencies.all()),
        item.authors,
        item.year,
        item.language,
        SEPARATOR.join(priority.code for priority in item.priorities.all()),
        SEPARATOR.join(country.iso3 for country in item.countries.all()),
        SEPARATOR.join(theme.slug for theme in item.themes.all()),
        item.url,
        item.file_name,
        item.reviewed_at.date().isoformat() if item.reviewed_at else "",
        item.reviewed_by.display_name if item.reviewed_by else "",
        item.summary,
        url,
    ]


def write_csv(items, out, absolute_url):
    """Write the header and one row per item to `out`; `absolute_url(path)` makes each
    item's address whole. Returns the number of rows."""
    # A byte-order mark, without which Excel reads UTF-8 (accents, dashes) as another
    # encoding.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for item in export_queryset(items):
        cells = export_row(item, absolute_url(item.get_absolute_url()))
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count
