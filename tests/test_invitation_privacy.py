"""A focal point inviting an address learns nothing about other agencies' accounts or
invitations: the answer is the same whether or not the address is known elsewhere."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import Invitation, Role, User


def invite(client, user, **data):
    client.force_login(user)
    return client.post(reverse("agencies:invitation-list"), data, follow=True)


def answer(response, email):
    """What the inviter is shown, with the address itself left out."""
    shown = [str(message).replace(email, "ADDRESS") for message in response.context["messages"]]
    errors = response.context["form"].errors if "form" in response.context else {}
    return response.status_code, shown, dict(errors)


def accept_path(message):
    link = re.search(r"https?://\S+/invitations/accept/\S+/", message.body).group(0)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def send_now(django_capture_on_commit_callbacks):
    def run(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return invite(*args, **kwargs)

    return run


def test_an_account_at_another_agency_looks_like_a_new_address(client, fiona, bob, send_now):
    fresh = send_now(client, fiona, email="nobody@ilo.example", role="staff")
    known = send_now(client, fiona, email="BOB@ilo.example", role="staff")

    assert answer(known, "bob@ilo.example") == answer(fresh, "nobody@ilo.example")
    assert answer(known, "bob@ilo.example")[1] == ["An invitation was emailed to ADDRESS."]
    assert Invitation.objects.filter(email="bob@ilo.example").get().is_pending
    # The invitation cannot move Bob: following it only says the account exists.
    client.logout()
    path = accept_path(mail.outbox[-1])
    phrase = "fennel-quorum-atlas"
    response = client.post(path, {"full_name": "B", "password1": phrase, "password2": phrase})
    assert "already exists" in response.content.decode()
    bob.refresh_from_db()
    assert (bob.agency.acronym, bob.role, User.objects.filter(email__iexact=bob.email).count()) == (
        "ILO",
        Role.STAFF,
        1,
    )


def test_another_agencys_pending_invitation_looks_like_a_new_address(
    client, fiona, sam, ilo, send_now
):
    send_now(client, sam, email="pending@ilo.example", role="staff", agency=ilo.pk)
    fresh = send_now(client, fiona, email="nobody@ilo.example", role="staff")
    known = send_now(client, fiona, email="pending@ilo.example", role="staff")

    assert answer(known, "pending@ilo.example") == answer(fresh, "nobody@ilo.example")
    # And what Fiona may see lists her own invitation only, not ILO's.
    listed = client.get(reverse("agencies:invitation-list")).context["page"].object_list
    assert {(i.email, i.agency.acronym) for i in listed if i.email == "pending@ilo.example"} == {
        ("pending@ilo.example", "IOM")
    }


def test_renewing_an_expired_invitation_reveals_nothing_either(client, fiona, sam, ilo, send_now):
    send_now(client, fiona, email="late@ilo.example", role="staff")
    mine = Invitation.objects.get()
    Invitation.objects.filter(pk=mine.pk).update(expires_at=timezone.now() - datetime.timedelta(1))
    send_now(client, sam, email="late@ilo.example", role="staff", agency=ilo.pk)
    client.force_login(fiona)

    response = client.post(reverse("agencies:invitation-resend", args=[mine.pk]), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "An invitation was emailed to late@ilo.example."
    ]
    mine.refresh_from_db()
    assert mine.is_pending


def test_own_agency_conflicts_are_still_named_to_the_focal_point(client, fiona, alice, send_now):
    response = send_now(client, fiona, email="alice@iom.example", role="staff")
    assert response.context["form"].errors["email"] == ["This person already has an account."]

    send_now(client, fiona, email="new@iom.example", role="staff")
    response = send_now(client, fiona, email="new@iom.example", role="head")
    assert response.context["form"].errors["email"] == [
        "An invitation to this address is already pending."
    ]
    assert Invitation.objects.filter(email="new@iom.example").count() == 1


def test_the_secretariat_is_still_told_about_any_address(client, sam, fiona, bob, ilo, send_now):
    response = send_now(client, sam, email="bob@ilo.example", role="staff", agency=ilo.pk)
    assert response.context["form"].errors["email"] == ["This person already has an account."]

    send_now(client, fiona, email="iom.pending@ilo.example", role="staff")
    response = send_now(client, sam, email="iom.pending@ilo.example", role="staff", agency=ilo.pk)
    assert response.context["form"].errors["email"] == [
        "An invitation to this address is already pending."
    ]
