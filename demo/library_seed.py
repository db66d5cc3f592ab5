"""Demonstration items of the knowledge library (demo/fixtures/library.json), shared
through the library's services by the demo people the fixture names.

An item's file is written at seed time from the fixture (a CSV from its `table`, a one-page
PDF from its `lines`), so that no binary file is kept in the repository. Items are matched
by title: one that exists is left as it is, so running the seed again changes nothing.
"""

import csv
import io

from django.core.files.base import ContentFile
from django.core.management.base import CommandError

from agencies.models import Agency
from demo import data as demo_data
from geo.models import Country
from library import services
from library.models import LibraryItem
from priorities.models import Priority, Theme

LOOKUPS = {
    "agencies": (Agency, "acronym"),
    "priorities": (Priority, "code"),
    "countries": (Country, "iso3"),
    "themes": (Theme, "slug"),
}


def seed(people, stdout=None):
    """Share the demo items that do not exist yet; returns how many were made."""
    specs = demo_data.LIBRARY
    by_name = {user.email.partition("@")[0]: user for user in people}
    rows = {name: _rows(model, field, specs, name) for name, (model, field) in LOOKUPS.items()}
    existing = set(
        LibraryItem.objects.filter(title__in=[s["title"] for s in specs]).values_list(
            "title", flat=True
        )
    )
    created = 0
    for spec in specs:
        if spec["title"] in existing:
            continue
        fields = {
            key: spec[key]
            for key in ("kind", "title", "summary", "authors", "year", "language")
            if key in spec
        }
        fields["url"] = spec.get("url", "")
        for name in LOOKUPS:
            fields[name] = [rows[name][key] for key in spec.get(name, [])]
        item = services.item_create(
            by=_person(by_name, spec["by"]), upload=_file(spec.get("file")), **fields
        )
        if spec.get("reviewed_by"):
            services.item_mark_reviewed(item, by=_person(by_name, spec["reviewed_by"]))
        created += 1
    if stdout is not None:
        stdout.write(f"Shared {created} library items; those that existed were left as they were.")
    return created


def _rows(model, field, specs, name):
    keys = {key for spec in specs for key in spec.get(name, [])}
    found = {getattr(row, field): row for row in model.objects.filter(**{f"{field}__in": keys})}
    missing = sorted(keys - found.keys())
    if missing:
        raise CommandError(
            f"The demo library names unknown {model._meta.verbose_name_plural}: "
            + ", ".join(missing)
        )
    return found


def _person(by_name, name):
    try:
        return by_name[name]
    except KeyError:
        raise CommandError(f"The demo library names an unknown person: {name}.") from None


def _file(spec):
    if spec is None:
        return None
    if "table" in spec:
        out = io.StringIO()
        csv.writer(out).writerows(spec["table"])
        return ContentFile(out.getvalue().encode("utf-8"), name=spec["name"])
    return ContentFile(one_page_pdf(spec["lines"]), name=spec["name"])


def one_page_pdf(lines):
    """A valid one-page PDF showing `lines` (Latin-1 text) in Helvetica, top to bottom."""

    def text(line):
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return f"({escaped}) '"

    content = "BT /F1 12 Tf 16 TL 72 790 Td " + " ".join(text(line) for line in lines) + " ET"
    stream = content.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)
