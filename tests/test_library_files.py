"""The library's files: what is accepted, where it is kept, who gets it back, and that a
file goes when its item goes."""

import importlib.util
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse

from library import files, services
from library.models import LibraryItem
from priorities.models import Priority

from .library_data import EXE, make_item, ole, ooxml, pdf, stored_files, upload
from .markup import Page

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


def form_data(agency, **overrides):
    return {
        "kind": LibraryItem.Kind.PUBLICATION,
        "title": "Remittance costs in the Gulf corridors",
        "summary": "How much migrant workers pay to send money home.",
        "authors": "",
        "agencies": [agency.pk],
        "year": "2024",
        "language": "en",
        "url": "",
        "priorities": [Priority.objects.get(code="b").pk],
        **overrides,
    }


def share(client, agency, file=None, **overrides):
    data = form_data(agency, **overrides)
    if file is not None:
        data["file"] = file
    return client.post(reverse("library:create"), data)


def field_error(response, field):
    page = Page(response.content.decode())
    error = page.by_id(f"id_{field}_error")
    return error.text if error is not None else ""


# -- accepted --------------------------------------------------------------------------------

ACCEPTED = [
    ("report.pdf", pdf(), "pdf", "application/pdf"),
    ("Brief.DOCX", ooxml("word/"), "docx", files.KINDS["docx"].content_type),
    ("figures.xlsx", ooxml("xl/"), "xlsx", files.KINDS["xlsx"].content_type),
    ("slides.pptx", ooxml("ppt/"), "pptx", files.KINDS["pptx"].content_type),
    ("old-note.doc", ole(), "doc", "application/msword"),
    ("old-sheet.xls", ole(), "xls", "application/vnd.ms-excel"),
    ("old-deck.ppt", ole(), "ppt", "application/vnd.ms-powerpoint"),
    ("data.csv", "country,total\nSénégal,12\n".encode(), "csv", "text/csv"),
    ("excel.csv", "\ufeffcountry;total\r\nMéxico;3\r\n".encode(), "csv", "text/csv"),
]


@pytest.mark.parametrize(("name", "content", "extension", "content_type"), ACCEPTED)
def test_an_accepted_file_is_stored_and_given_back_to_people_signed_in(
    client, alice, iom, library_files, name, content, extension, content_type
):
    client.force_login(alice)
    response = share(client, iom, upload(name, content))

    item = LibraryItem.objects.get()
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert (item.file_type, item.file_size, item.url) == (extension, len(content), "")
    # Kept under a random name, not the one given.
    assert stored_files(library_files) == [item.stored_name]
    assert item.stored_name != name and files.STORED_NAME.fullmatch(item.stored_name)
    assert (library_files / item.stored_name).read_bytes() == content

    download = client.get(item.get_download_url())
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == content_type
    assert (
        download["Content-Disposition"] == f'attachment; filename="{Path(name).stem}.{extension}"'
    )
    assert download["X-Content-Type-Options"] == "nosniff"


# -- refused ---------------------------------------------------------------------------------

REFUSED = [
    ("program.exe", EXE, "Only these kinds of file"),
    ("report.pdf", EXE, "not the PDF document its name"),
    ("page.html", b"<html><script>alert(1)</script></html>", "Only these kinds of file"),
    ("brief.docx", ooxml("xl/"), "not the Word document its name"),
    ("brief.docx", b"PK\x03\x04 not really a zip", "not the Word document its name"),
    ("brief.docx", ooxml("word/", macros=True), "not the Word document its name"),
    ("sheet.xls", pdf(), "not the Excel workbook its name"),
    ("data.csv", "país,total\n".encode("latin-1"), "not the CSV table its name"),
    ("data.csv", b"a,b\n1,\x00\x01\n", "not the CSV table its name"),
    ("report", pdf(), "Only these kinds of file"),
    ("empty.pdf", b"", "file is empty"),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED)
def test_a_refused_file_is_a_field_error_and_nothing_is_saved(
    client, alice, iom, library_files, name, content, message
):
    client.force_login(alice)
    response = share(client, iom, upload(name, content))

    assert response.status_code == 200
    assert message in field_error(response, "file")
    assert not LibraryItem.objects.exists()
    assert stored_files(library_files) == []


def test_a_file_over_the_size_limit_is_refused(client, alice, iom, library_files, settings):
    settings.LIBRARY_MAX_UPLOAD_MB = 1
    client.force_login(alice)
    too_big = pdf() + b"\0" * (1024 * 1024)
    response = share(client, iom, upload("big.pdf", too_big))

    assert response.status_code == 200
    assert "larger than 1 MB" in field_error(response, "file")
    assert not LibraryItem.objects.exists()
    assert stored_files(library_files) == []
    # Just under the limit is fine.
    response = share(client, iom, upload("fits.pdf", pdf() + b"\0" * (1024 * 1024 - 2000)))
    assert response.status_code == 302


def test_the_service_refuses_what_the_form_refuses(alice, iom, library_files):
    # The form checks first, to show the error; the service is the authority.
    with pytest.raises(ValidationError) as refused:
        make_item(alice, [iom], upload_file=upload("report.pdf", EXE))
    assert "file" in refused.value.message_dict
    assert not LibraryItem.objects.exists() and stored_files(library_files) == []


def test_a_link_or_a_file_is_required_and_not_both(client, alice, iom, library_files):
    client.force_login(alice)
    neither = share(client, iom)
    assert "Give a link to it or upload its file" in field_error(neither, "url")

    both = share(client, iom, upload("report.pdf", pdf()), url="https://example.org/r")
    assert "not both" in field_error(both, "url")
    assert not LibraryItem.objects.exists() and stored_files(library_files) == []


def test_no_file_is_written_when_another_field_is_refused(client, alice, iom, library_files):
    client.force_login(alice)
    response = share(client, iom, upload("report.pdf", pdf()), priorities=[], year="1812")

    assert response.status_code == 200
    assert "Choose at least one priority" in field_error(response, "priorities")
    assert field_error(response, "year")
    assert stored_files(library_files) == []


def test_the_name_given_back_is_cleaned():
    assert files.clean_name('a/b\\c"d<e>\r\n.PDF', "pdf") == "c_d_e_.pdf"
    assert files.clean_name("Rapport d'été (2024).pdf", "pdf") == "Rapport d_été (2024).pdf"
    assert files.clean_name("...pdf", "pdf") == "file.pdf"
    assert files.clean_name("x" * 300 + ".csv", "csv") == "x" * files.NAME_STEM_MAX + ".csv"


def test_a_stored_name_from_the_database_cannot_leave_the_directory(library_files):
    with pytest.raises(FileNotFoundError):
        files.open_stored("../../gmg_portal/settings.py")


# -- who gets a file back ----------------------------------------------------------------------


@pytest.fixture
def shared_pdf(alice, iom):
    return make_item(alice, [iom], upload_file=upload("report.pdf", pdf(["Confidential draft"])))


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client, shared_pdf):
    url = shared_pdf.get_download_url()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("who", ["bob", "harry", "sam"])
def test_everyone_signed_in_downloads(client, shared_pdf, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(shared_pdf.get_download_url())
    assert response.status_code == 200
    assert b"Confidential draft" in b"".join(response.streaming_content)


def test_a_deleted_item_has_no_file_to_download(
    client, alice, shared_pdf, library_files, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    url = shared_pdf.get_download_url()
    with django_capture_on_commit_callbacks(execute=True):
        services.item_delete(shared_pdf, by=alice)

    assert client.get(url).status_code == 404
    assert stored_files(library_files) == []


def test_an_item_with_a_link_has_nothing_to_download(client, alice, iom):
    item = make_item(alice, [iom])
    client.force_login(alice)
    assert client.get(reverse("library:download", args=[item.pk])).status_code == 404


def test_a_missing_file_is_a_404_not_an_error(client, alice, shared_pdf, library_files):
    (library_files / shared_pdf.stored_name).unlink()
    client.force_login(alice)
    assert client.get(shared_pdf.get_download_url()).status_code == 404


def test_the_file_is_not_reachable_under_static_or_media(client, alice, shared_pdf):
    client.force_login(alice)
    name = shared_pdf.stored_name
    for path in (
        f"/static/{name}",
        f"/static/library-files/{name}",
        f"/media/{name}",
        f"/media/library-files/{name}",
        f"/library-files/{name}",
        f"/var/library-files/{name}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"Confidential draft" not in content


def test_the_storage_is_outside_what_whitenoise_serves():
    root = Path(django_settings.LIBRARY_FILES_ROOT).resolve()
    for served in (django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS):
        assert not root.is_relative_to(Path(served).resolve())


def load_settings(monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "settings_under_test", ROOT / "gmg_portal" / "settings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_settings_default_to_var_and_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("GMG_LIBRARY_FILES_ROOT", raising=False)
    monkeypatch.delenv("GMG_LIBRARY_MAX_UPLOAD_MB", raising=False)
    defaults = load_settings(monkeypatch)
    root, limit = defaults.LIBRARY_FILES_ROOT, defaults.LIBRARY_MAX_UPLOAD_MB
    assert (root, limit) == ((ROOT / "var" / "library-files").resolve(), 20)

    chosen = load_settings(
        monkeypatch, GMG_LIBRARY_FILES_ROOT=str(tmp_path), GMG_LIBRARY_MAX_UPLOAD_MB="5"
    )
    root, limit = chosen.LIBRARY_FILES_ROOT, chosen.LIBRARY_MAX_UPLOAD_MB
    assert (root, limit) == (tmp_path.resolve(), 5)


@pytest.mark.parametrize("inside", ["static", "staticfiles/library"])
def test_settings_refuse_a_storage_that_whitenoise_would_serve(monkeypatch, inside):
    with pytest.raises(ImproperlyConfigured, match="GMG_LIBRARY_FILES_ROOT"):
        load_settings(monkeypatch, GMG_LIBRARY_FILES_ROOT=str(ROOT / inside))


# -- a file goes with its item -----------------------------------------------------------------


def test_deleting_an_item_deletes_its_file_once_committed(
    alice, shared_pdf, library_files, django_capture_on_commit_callbacks
):
    stored = shared_pdf.stored_name
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.item_delete(shared_pdf, by=alice)
    # Until the deletion is committed, the file stays: a rollback must not lose it.
    assert stored_files(library_files) == [stored]
    for callback in callbacks:
        callback()
    assert stored_files(library_files) == []


def test_replacing_the_file_deletes_the_old_one_once_committed(
    client, alice, iom, shared_pdf, library_files, django_capture_on_commit_callbacks
):
    old = shared_pdf.stored_name
    client.force_login(alice)
    data = form_data(iom, version=shared_pdf.version, file=upload("new.csv", b"a,b\n1,2\n"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library:edit", args=[shared_pdf.pk]), data)

    assert response.status_code == 302
    item = LibraryItem.objects.get()
    assert (item.file_name, item.file_type) == ("new.csv", "csv")
    assert stored_files(library_files) == [item.stored_name] and item.stored_name != old


def test_a_file_can_give_way_to_a_link(
    client, alice, iom, shared_pdf, library_files, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    data = form_data(
        iom, version=shared_pdf.version, url="https://example.org/online", remove_file="on"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library:edit", args=[shared_pdf.pk]), data)

    assert response.status_code == 302
    item = LibraryItem.objects.get()
    assert (item.url, item.stored_name, item.file_name) == ("https://example.org/online", "", "")
    assert stored_files(library_files) == []


def test_a_download_keeps_its_own_stricter_policy_and_is_not_stored(client, alice, shared_pdf):
    # The site-wide CSP (django-csp) must not replace the download's sandbox.
    client.force_login(alice)
    response = client.get(shared_pdf.get_download_url())
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
