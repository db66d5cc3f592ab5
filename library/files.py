"""The files people share in the library: which kinds are accepted, how a file is checked,
and where it is kept.

A file is accepted when its extension is one of KINDS *and* its content is what that
extension promises (a PDF starts as a PDF, an Office document is the zip or OLE container
of one, a CSV is text), and it is no larger than LIBRARY_MAX_UPLOAD_MB. An extension
alone proves nothing: a program renamed report.pdf must be refused.

Files are kept under settings.LIBRARY_FILES_ROOT (outside the static files whitenoise
serves) under random names, so that a stored name says nothing about the file and cannot
be guessed or collide; the name the person gave is kept on the item, cleaned, and given
back in the download's Content-Disposition.
"""

import codecs
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext_lazy as _

# Legacy Office files (.doc, .xls, .ppt) are OLE compound documents: this is their signature.
OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
# How much of a file the checks read at a time.
CHUNK = 64 * 1024


def _is_pdf(upload):
    return _head(upload, 5) == b"%PDF-"


def _is_ole(upload):
    return _head(upload, len(OLE_SIGNATURE)) == OLE_SIGNATURE


def _ooxml(folder):
    """The check for an Office Open XML document whose main part lives in `folder`
    (word/, xl/, ppt/): a zip with the package's content types and that part.

    Only the names of the zip's members are read; nothing is extracted.
    """

    def check(upload):
        if _head(upload, 4) != b"PK\x03\x04":
            return False
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            upload.seek(0)
        # A document carrying macros is a .docm/.xlsm/.pptm, whatever its name says.
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            return False
        return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)

    return check


# Control characters a text file has no business carrying (tab, line feed and carriage
# return are fine).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _is_csv(upload):
    """UTF-8 text (with or without a byte-order mark) without control characters, read
    to the end: the whole file, since the bytes that are not text may come last."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    upload.seek(0)
    try:
        for chunk in upload.chunks(CHUNK):
            if CONTROL.search(decoder.decode(chunk)):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _head(upload, size):
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    check: object  # callable(upload) -> bool


WORD, EXCEL, POWERPOINT = _("Word document"), _("Excel workbook"), _("PowerPoint presentation")

# The accepted extensions: what each is called, the type it is served as, and the check of
# its content.
KINDS = {
    "pdf": FileKind(_("PDF document"), "application/pdf", _is_pdf),
    "docx": FileKind(
        WORD,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ooxml("word/"),
    ),
    "xlsx": FileKind(
        EXCEL, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ooxml("xl/")
    ),
    "pptx": FileKind(
        POWERPOINT,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ooxml("ppt/"),
    ),
    "doc": FileKind(WORD, "application/msword", _is_ole),
    "xls": FileKind(EXCEL, "application/vnd.ms-excel", _is_ole),
    "ppt": FileKind(POWERPOINT, "application/vnd.ms-powerpoint", _is_ole),
    "csv": FileKind(_("CSV table"), "text/csv", _is_csv),
}
ACCEPT = ",".join(f".{extension}" for extension in KINDS)


def extension_of(name):
    return PurePath(name or "").suffix.lower().removeprefix(".")


def max_bytes():
    return settings.LIBRARY_MAX_UPLOAD_MB * 1024 * 1024


def check(upload):
    """The extension of an acceptable upload; a ValidationError saying what is wrong.

    The size first (nothing else is read of a file too large), then the extension, then
    the content.
    """
    if upload.size > max_bytes():
        raise ValidationError(
            _("The file is larger than %(limit)s MB; share a link to it instead."),
            code="too_big",
            params={"limit": settings.LIBRARY_MAX_UPLOAD_MB},
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    extension = extension_of(upload.name)
    kind = KINDS.get(extension)
    if kind is None:
        raise ValidationError(
            _("Only these kinds of file can be shared: %(kinds)s."),
            code="wrong_type",
            params={"kinds": ", ".join(f".{e}" for e in KINDS)},
        )
    if not kind.check(upload):
        raise ValidationError(
            _("This file is not the %(kind)s its name (.%(extension)s) says it is."),
            code="content_mismatch",
            params={"kind": kind.label, "extension": extension},
        )
    return extension


# Characters kept in a file's name as given: letters and digits of any script, spaces and
# a little punctuation. Anything else (quotes, slashes, control characters) becomes "_".
UNSAFE = re.compile(r"[^\w .()\-]", re.UNICODE)
NAME_STEM_MAX = 120


def clean_name(name, extension):
    """The name a file is given back under: the person's own, without a path, characters
    that could break a header or a file system, or an extension other than its own."""
    stem = PurePath(unicodedata.normalize("NFC", name or "").replace("\\", "/")).stem
    stem = UNSAFE.sub("_", " ".join(stem.split())).strip(" .")[:NAME_STEM_MAX].strip(" .")
    return f"{stem or 'file'}.{extension}"


# A stored name is 32 hexadecimal characters and nothing else: a name read back from the
# database can never point outside the directory.
STORED_NAME = re.compile(r"[0-9a-f]{32}")


def storage():
    # Made at each use, so that a change of LIBRARY_FILES_ROOT (tests) takes effect. No
    # base_url: a stored file has no address of its own, only the download view's.
    return FileSystemStorage(location=settings.LIBRARY_FILES_ROOT, base_url=None)


def new_name():
    """A stored name for a new file: 128 random bits, which no other file has."""
    return secrets.token_hex(16)


def store(upload, name):
    """Write `upload` under `name` (from new_name)."""
    upload.seek(0)
    saved = storage().save(name, upload)
    # The storage would pick another name only if this one were taken.
    if saved != name:
        storage().delete(saved)
        raise FileExistsError(name)


def open_stored(name):
    if not STORED_NAME.fullmatch(name or ""):
        raise FileNotFoundError(name)
    return storage().open(name, "rb")


def delete_stored(name):
    if STORED_NAME.fullmatch(name or ""):
        storage().delete(name)
