"""Agencies comment on a version of a position's text while it is in consultation, until its
comment deadline; replies hang under the comment that starts their thread."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import Role
from positions import services
from positions.models import PositionComment

from .factories import AgencyFactory, UserFactory
from .markup import Page
from .positions import consulted, draft, in_endorsement


def comment_url(position):
    return reverse("positions:comment", args=[position.pk])


def reply_url(position, comment):
    return reverse("positions:reply", args=[position.pk, comment.pk])


def test_a_comment_is_on_the_version_under_consultation_for_the_authors_agency(iom, alice, bob):
    position = consulted(iom, text="First.")
    first = services.comment_add(position, by=bob, text="ILO would add a line on fees.")
    services.position_update(
        position, by=alice, base_version=1, text="First. Fees.", change_note="Fees, for ILO."
    )
    position.refresh_from_db()
    second = services.comment_add(position, by=bob, text="Thank you.")
    assert (first.version.number, second.version.number) == (1, 2)
    assert first.agency.acronym == "ILO" and first.author == bob


def test_the_secretariat_comments_for_no_agency(iom, sam):
    position = consulted(iom)
    assert services.comment_add(position, by=sam, text="Secretariat view.").agency is None


def test_a_reply_joins_the_thread_on_its_version(iom, alice, bob, fiona):
    position = consulted(iom, text="First.")
    root = services.comment_add(position, by=bob, text="Why this wording?")
    services.position_update(position, by=alice, base_version=1, text="New.", change_note="N")
    position.refresh_from_db()
    reply = services.comment_add(position, by=fiona, text="Agreed with UNHCR.", parent=root)
    # A reply to a reply stays in the same thread.
    again = services.comment_add(position, by=bob, text="Fine.", parent=reply)
    assert reply.parent == root and again.parent == root
    assert reply.version.number == again.version.number == 1


def test_comments_only_in_consultation_and_until_the_deadline(iom, bob):
    for position in (draft(iom), in_endorsement(iom)):
        with pytest.raises(ValidationError):
            services.comment_add(position, by=bob, text="Too early or too late.")
    position = consulted(iom, deadline_in=2)
    services.comment_add(position, by=bob, text="On the last day.")
    later = datetime.datetime.now() + datetime.timedelta(days=3)
    with time_machine.travel(later), pytest.raises(ValidationError):
        services.comment_add(position, by=bob, text="After the deadline.")
    assert position.comments.count() == 1


def test_a_reply_to_a_comment_on_another_position_is_refused(iom, bob):
    one, other = consulted(iom), consulted(iom, title="Another")
    root = services.comment_add(one, by=bob, text="Here.")
    with pytest.raises(ValidationError):
        services.comment_add(other, by=bob, text="There.", parent=root)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 302),
        ("fiona", 302),
        ("harry", 302),
        ("bob", 302),
        ("sam", 302),
        ("gone", 403),  # a member of an agency that left the GMG
        (None, 302),
    ],
)
def test_who_comments(request, client, iom, who, status):
    position = consulted(iom)
    if who == "gone":
        left = AgencyFactory(is_active=False)
        client.force_login(UserFactory(email="gone@left.example", agency=left))
    elif who:
        client.force_login(request.getfixturevalue(who))
    response = client.post(comment_url(position), {"text": "A view from us."})
    assert response.status_code == status
    assert position.comments.exists() == (status == 302 and who is not None)


def test_the_page_shows_threads_by_version_and_a_reply_form(client, iom, alice, bob, fiona):
    position = consulted(iom, text="First.")
    root = services.comment_add(position, by=bob, text="Comment on the first version")
    services.comment_add(position, by=fiona, text="Reply from IOM", parent=root)
    services.position_update(position, by=alice, base_version=1, text="New.", change_note="N")
    position.refresh_from_db()
    services.comment_add(position, by=bob, text="Comment on the second version")
    client.force_login(bob)
    page = Page(client.get(position.get_absolute_url()).content.decode())
    headings = [h.text.split(" read")[0].strip() for h in page.all("h3")]
    assert headings[:2] == ["On version 2", "On version 1"]
    reply = page.by_id(f"comment-{root.replies.get().pk}")
    assert "Reply from IOM" in reply.text
    assert any(a.attrs.get("href") == reply_url(position, root) for a in page.all("a"))

    response = client.post(reply_url(position, root), {"text": "Thanks, IOM."})
    assert response.status_code == 302
    new = PositionComment.objects.latest("pk")
    assert response["Location"].endswith(f"#comment-{new.pk}")
    assert new.parent == root and new.version.number == 1


def test_an_empty_comment_is_shown_back_with_its_error(client, iom, bob):
    position = consulted(iom)
    client.force_login(bob)
    response = client.post(comment_url(position), {"text": "  "})
    assert response.status_code == 200
    assert "Write a comment." in response.content.decode()
    assert not position.comments.exists()


def test_no_comment_form_once_the_consultation_is_over(client, iom, bob):
    position = in_endorsement(iom)
    client.force_login(bob)
    html = client.get(position.get_absolute_url()).content.decode()
    assert 'name="text"' not in html
    assert client.post(comment_url(position), {"text": "Late."}).status_code == 403


def test_a_head_of_another_agency_can_comment(client, iom):
    position = consulted(iom)
    head = UserFactory(
        email="head@unhcr.example",
        agency=type(iom).objects.get(acronym="UNHCR"),
        role=Role.HEAD,
    )
    client.force_login(head)
    assert client.post(comment_url(position), {"text": "UNHCR agrees."}).status_code == 302
    assert position.comments.get().agency.acronym == "UNHCR"
