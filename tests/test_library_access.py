"""Who may do what in the knowledge library (library/access.py), tried as each person.

Everyone signed in reads and downloads; the staff and focal points of an item's agencies
and the secretariat edit and delete it; only the secretariat marks a good practice as
reviewed. A visitor not signed in is sent to sign in, wherever they knock.
"""

import pytest
from django.urls import reverse

from agencies.models import Role
from library import services
from library.models import LibraryItem
from priorities.models import Priority

from .factories import UserFactory
from .library_data import make_item, pdf, upload

pytestmark = pytest.mark.django_db


def edit_data(item, **overrides):
    data = {
        "kind": item.kind,
        "title": item.title,
        "summary": item.summary,
        "authors": item.authors,
        "agencies": [a.pk for a in item.agencies.all()],
        "year": item.year,
        "language": item.language,
        "url": item.url,
        "priorities": [p.pk for p in item.priorities.all()],
        "countries": [c.pk for c in item.countries.all()],
        "version": item.version,
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def item(alice, iom):
    """IOM's publication, with a file."""
    return make_item(alice, [iom], upload_file=upload("report.pdf", pdf()))


@pytest.fixture
def practice(alice, iom):
    return make_item(
        alice,
        [iom],
        kind=LibraryItem.Kind.GOOD_PRACTICE,
        title="Community sponsorship that worked",
        summary="What made the pilot succeed.",
    )


def urls(item):
    return {
        "list": ("get", reverse("library:list")),
        "export": ("get", reverse("library:export")),
        "create": ("get", reverse("library:create")),
        "detail": ("get", item.get_absolute_url()),
        "edit": ("get", reverse("library:edit", args=[item.pk])),
        "delete": ("get", reverse("library:delete", args=[item.pk])),
        "download": ("get", item.get_download_url()),
        "review": ("post", reverse("library:review", args=[item.pk])),
    }


def test_a_visitor_not_signed_in_is_sent_to_sign_in_everywhere(client, item):
    for name, (method, url) in urls(item).items():
        response = getattr(client, method)(url, {"decision": "mark"} if method == "post" else {})
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name


@pytest.mark.parametrize("who", ["alice", "fiona", "sam"])
def test_the_items_agency_and_the_secretariat_edit_and_delete(client, item, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("library:edit", args=[item.pk])).status_code == 200
    assert client.get(reverse("library:delete", args=[item.pk])).status_code == 200
    detail = client.get(item.get_absolute_url())
    assert detail.context["can_edit"]
    assert reverse("library:edit", args=[item.pk]) in detail.content.decode()


@pytest.mark.parametrize("who", ["bob", "harry"])
def test_an_outsider_and_a_head_read_but_do_not_change(
    client, item, request, who, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(who))
    edit, delete = (reverse(f"library:{n}", args=[item.pk]) for n in ("edit", "delete"))

    detail = client.get(item.get_absolute_url())
    assert detail.status_code == 200 and not detail.context["can_edit"]
    assert edit not in detail.content.decode()
    assert client.get(edit).status_code == 403
    assert client.post(edit, edit_data(item, title="Taken over")).status_code == 403
    assert client.get(delete).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete, {"confirm": "on"}).status_code == 403
    item.refresh_from_db()
    assert item.title == "Remittance costs in the Gulf corridors"
    assert client.get(item.get_download_url()).status_code == 200


def test_staff_of_another_agency_the_item_names_edit_it(client, alice, bob, iom, ilo):
    joint = make_item(alice, [iom, ilo])
    client.force_login(bob)
    response = client.post(
        reverse("library:edit", args=[joint.pk]), edit_data(joint, title="Jointly revised")
    )
    assert response.status_code == 302
    joint.refresh_from_db()
    assert joint.title == "Jointly revised" and joint.updated_by == bob


def test_staff_of_an_agency_that_left_no_longer_edit(client, alice, iom, item):
    iom.is_active = False
    iom.save()
    client.force_login(alice)
    assert client.get(reverse("library:edit", args=[item.pk])).status_code == 403
    assert client.get(reverse("library:create")).status_code == 403


def test_a_head_does_not_share(client, harry):
    client.force_login(harry)
    assert client.get(reverse("library:create")).status_code == 403
    assert "library:create" not in client.get(reverse("library:list")).content.decode()


def test_staff_keep_their_own_agency_on_the_item(client, alice, iom, ilo):
    joint = make_item(alice, [iom, ilo])
    client.force_login(alice)
    response = client.post(
        reverse("library:edit", args=[joint.pk]), edit_data(joint, agencies=[ilo.pk])
    )
    assert response.status_code == 200
    assert "IOM, your agency, must stay" in response.context["form"].errors["agencies"][0]
    assert set(joint.agencies.all()) == {iom, ilo}


def test_the_secretariat_shares_for_any_agency(client, sam, ilo):
    client.force_login(sam)
    data = {
        "kind": LibraryItem.Kind.TOOL,
        "title": "Toolkit",
        "summary": "A toolkit.",
        "agencies": [ilo.pk],
        "year": "2025",
        "language": "en",
        "url": "example.org/toolkit",
        "priorities": [Priority.objects.get(code="f").pk],
    }
    response = client.post(reverse("library:create"), data)
    assert response.status_code == 302
    shared = LibraryItem.objects.get()
    assert list(shared.agencies.all()) == [ilo] and shared.created_by == sam
    # A link typed without its scheme is read as https.
    assert shared.url == "https://example.org/toolkit"


def test_a_stale_form_does_not_overwrite_a_colleagues_change(client, alice, fiona, item):
    stale = edit_data(item, title="Alice's title")
    services.item_update(item, by=fiona, title="Fiona's title")

    client.force_login(alice)
    response = client.post(reverse("library:edit", args=[item.pk]), stale)
    assert response.status_code == 200
    assert "Someone else saved this item" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "Fiona's title"


# -- the secretariat's review of good practices -----------------------------------------------


def review(client, item, decision):
    return client.post(reverse("library:review", args=[item.pk]), {"decision": decision})


def test_the_secretariat_marks_a_good_practice_as_reviewed(client, sam, practice):
    client.force_login(sam)
    detail = client.get(practice.get_absolute_url())
    assert detail.context["can_review"]

    response = review(client, practice, "mark")
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.reviewed_by == sam and practice.reviewed_at is not None
    html = client.get(practice.get_absolute_url()).content.decode()
    assert "Reviewed by Sam on" in html

    review(client, practice, "withdraw")
    practice.refresh_from_db()
    assert practice.reviewed_at is None and practice.reviewed_by is None


@pytest.mark.parametrize("who", ["alice", "fiona", "harry", "bob"])
def test_no_one_else_marks_a_good_practice(client, practice, request, who):
    client.force_login(request.getfixturevalue(who))
    assert not client.get(practice.get_absolute_url()).context["can_review"]
    assert review(client, practice, "mark").status_code == 403
    practice.refresh_from_db()
    assert practice.reviewed_at is None


def test_staff_cannot_withdraw_the_mark_either(client, sam, alice, practice):
    services.item_mark_reviewed(practice, by=sam)
    client.force_login(alice)
    assert review(client, practice, "withdraw").status_code == 403
    practice.refresh_from_db()
    assert practice.reviewed_by == sam


def test_only_a_good_practice_can_be_marked(client, sam, item):
    client.force_login(sam)
    assert not client.get(item.get_absolute_url()).context["can_review"]
    response = review(client, item, "mark")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.reviewed_at is None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Only a good practice or lesson learned can be marked as reviewed."]


def test_changing_what_was_reviewed_withdraws_the_mark(client, sam, alice, practice):
    services.item_mark_reviewed(practice, by=sam)
    client.force_login(alice)
    edit = reverse("library:edit", args=[practice.pk])
    kenya = "KEN"

    # Naming a country changes nothing the secretariat read: the mark stays.
    assert client.post(edit, edit_data(practice, countries=[kenya])).status_code == 302
    practice.refresh_from_db()
    assert [c.pk for c in practice.countries.all()] == [kenya]
    assert practice.reviewed_by == sam

    response = client.post(edit, edit_data(practice, summary="Something else entirely."))
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.reviewed_at is None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("review mark was withdrawn" in m for m in messages)


def test_a_person_deactivated_is_signed_out_and_refused(client, iom, item):
    gone = UserFactory(agency=iom, role=Role.STAFF, is_active=False)
    client.force_login(gone)
    for url in (reverse("library:edit", args=[item.pk]), item.get_download_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
