"""Library items and files for the library's tests, made as people make them: through the
services, so that their search vector and stored file are what the portal keeps."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from demo.library_seed import one_page_pdf
from library import files, services
from library.models import LibraryItem
from priorities.models import Priority


def pdf(lines=("A report",)):
    return one_page_pdf(list(lines))


def ooxml(folder="word/", macros=False):
    """A minimal Office Open XML package: its content types and one part in `folder`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        package.writestr(f"{folder}document.xml", "<document/>")
        if macros:
            package.writestr(f"{folder}vbaProject.bin", b"\0" * 16)
    return out.getvalue()


def ole():
    return files.OLE_SIGNATURE + b"\0" * 504


# The first bytes of a Windows program: what "report.pdf" holds when it is one renamed.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 200


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_item(by, agencies, *, upload_file=None, **fields):
    """An item shared by `by` for `agencies`: a link unless `upload_file` is given."""
    values = {
        "kind": LibraryItem.Kind.PUBLICATION,
        "title": "Remittance costs in the Gulf corridors",
        "summary": "How much migrant workers pay to send money home.",
        "authors": "",
        "year": 2024,
        "language": "en",
        "priorities": [Priority.objects.get(code="b")],
        **fields,
    }
    if upload_file is None:
        values.setdefault("url", "https://example.org/report")
    return services.item_create(by=by, agencies=agencies, upload=upload_file, **values)


def stored_files(root):
    """The names of the files under the library's storage directory."""
    return sorted(p.name for p in root.iterdir()) if root.exists() else []
