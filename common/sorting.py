"""Lists sorted by a column a person picks: ?sort=key ascending, ?sort=-key descending.

Each list names its columns in a dict {key: expression}; these helpers turn the chosen key
into an ordering and into the links and aria-sort of the column headers
(templates/includes/table_header.html).
"""


def sort_order(columns, sort, ties):
    """The order_by() arguments for a sort key ("title", "-start", ...) of `columns`.

    An empty value (an open end, say) counts as the latest. `ties` keep the list's usual
    order among equal values, so that pages never shuffle rows between them.
    """
    descending = sort.startswith("-")
    expression = columns[sort.removeprefix("-")]
    first = expression.desc(nulls_first=True) if descending else expression.asc(nulls_last=True)
    return [first, *ties]


def sort_headers(columns, sort):
    """For each sortable column, the sort its header link asks for and its aria-sort.

    A header sorts ascending first, and toggles when its column is the sorted one.
    """
    column = (sort or "").removeprefix("-")
    descending = bool(sort) and sort.startswith("-")
    headers = {}
    for key in columns:
        if key == column:
            headers[key] = {
                "next": key if descending else f"-{key}",
                "aria_sort": "descending" if descending else "ascending",
            }
        else:
            headers[key] = {"next": key, "aria_sort": ""}
    return headers
