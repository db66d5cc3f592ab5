"""CSV cells that a spreadsheet would run as a formula are written with a leading apostrophe.

Excel and LibreOffice evaluate a cell that starts with =, +, -, @ (or a tab or carriage
return before them): a title typed into the portal must never become a formula on a
colleague's machine. The importer removes the apostrophe again, so files round-trip.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def protect(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unprotect(value):
    if (
        isinstance(value, str)
        and value.startswith("'")
        and value[1:2]
        and (value[1:].startswith(FORMULA_STARTS))
    ):
        return value[1:]
    return value
