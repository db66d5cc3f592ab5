import csv

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import spreadsheets

HEADER = ["reference_a", "agency_a", "reference_b", "agency_b", "score", "status", "reasons"]


def reasons_sentence(reasons):
    """The reasons of a flag as one line a person can check."""
    parts = []
    countries = reasons.get("countries") or []
    if countries:
        parts.append(_("countries: %(list)s") % {"list": " ".join(countries)})
    days = reasons.get("overlap_days")
    parts.append(
        ngettext("overlap: %(days)s day", "overlap: %(days)s days", days) % {"days": days}
        if days is not None
        else _("overlap: open-ended")
    )
    if reasons.get("priorities"):
        parts.append(_("priorities: %(list)s") % {"list": " ".join(reasons["priorities"])})
    if reasons.get("target_groups"):
        parts.append(_("target groups: %(list)s") % {"list": ", ".join(reasons["target_groups"])})
    if "text_similarity" in reasons:
        parts.append(_("text similarity: %(value).2f") % {"value": reasons["text_similarity"]})
    if reasons.get("shared_terms"):
        parts.append(_("shared terms: %(list)s") % {"list": ", ".join(reasons["shared_terms"])})
    return "; ".join(parts)


def write_flags_csv(flags, out):
    writer = csv.writer(out)
    writer.writerow(HEADER)
    count = 0
    for flag in flags.iterator(chunk_size=2000):
        cells = [
            flag.activity_a.reference,
            flag.activity_a.agency.acronym,
            flag.activity_b.reference,
            flag.activity_b.agency.acronym,
            f"{flag.score:.4f}",
            flag.status,
            reasons_sentence(flag.reasons),
        ]
        writer.writerow([spreadsheets.protect(cell) for cell in cells])
        count += 1
    return count
