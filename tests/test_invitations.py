"""No public sign-up: people join by invitation, then sign in with email + password."""

import datetime
import email
import re
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import Invitation, Role, User


def invite(client, user, **data):
    client.force_login(user)
    return client.post(reverse("agencies:invitation-list"), data)


def link_from(message):
    return re.search(r"https?://\S+/invitations/accept/\S+/", message.body).group(0)


def test_public_signup_is_closed(client, db, settings):
    settings.GMG_SUPPORT_EMAIL = "gmg@un.example"
    password = "a-long-pass-phrase-1"
    data = {"email": "x@example.org", "password1": password, "password2": password}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    html = response.content.decode()
    # It says who to ask, rather than "Sign Up Closed".
    assert "Sign Up Closed" not in html
    assert "Ask your agency's focal point to invite you" in html
    assert 'href="mailto:gmg@un.example"' in html
    assert not User.objects.filter(email="x@example.org").exists()


def test_accepting_after_the_account_was_created_otherwise_explains(
    client, fiona, iom, django_capture_on_commit_callbacks
):
    from agencies.services import member_create

    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="late@iom.example", role="staff")
    path = "/" + link_from(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    member_create(email="late@iom.example", role="staff", agency=iom)
    client.logout()
    password = "a-long-pass-phrase"
    response = client.post(path, {"full_name": "L", "password1": password, "password2": password})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_focal_point_invites_staff_who_joins_and_signs_in(
    client, fiona, iom, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, fiona, email="New.Person@IOM.example", role="staff")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@iom.example"]
    assert message.alternatives[0][1] == "text/html"
    link = link_from(message)

    client.logout()
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    response = client.post(
        "/" + path,
        {
            "full_name": "New Person",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@iom.example")
    assert (user.agency, user.role) == (iom, Role.STAFF)
    assert EmailAddress.objects.get(user=user).verified

    # The link works once.
    client.logout()
    assert client.get("/" + path).status_code == 404
    # And the new person signs in through allauth with email + password.
    response = client.post(
        reverse("account_login"),
        {"login": "new.person@iom.example", "password": "a-long-pass-phrase"},
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_weak_or_mismatched_password_is_refused(client, fiona, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="p@iom.example", role="staff")
    path = "/" + link_from(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    client.logout()
    response = client.post(path, {"full_name": "P", "password1": "short", "password2": "short"})
    assert "password1" in response.context["form"].errors
    response = client.post(
        path, {"full_name": "P", "password1": "a-long-pass-phrase", "password2": "other-phrase-x"}
    )
    assert response.context["form"].errors["password2"] == ["The two passwords differ."]
    assert not User.objects.filter(email="p@iom.example").exists()


def test_focal_point_cannot_invite_for_another_agency(client, fiona, ilo):
    # A crafted form naming another agency still invites for the focal point's own.
    invite(client, fiona, email="x@ilo.example", role="staff", agency=ilo.pk)
    assert not Invitation.objects.filter(agency=ilo).exists()
    assert Invitation.objects.get().agency_id == fiona.agency_id


def test_focal_point_cannot_invite_secretariat(client, fiona):
    response = invite(client, fiona, email="x@gmg.example", role="secretariat")
    assert "role" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_secretariat_invites_for_any_agency(client, sam, ilo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, sam, email="head@ilo.example", role="head", agency=ilo.pk)
    assert response.status_code == 302
    assert Invitation.objects.get().agency == ilo
    assert len(mail.outbox) == 1


def test_invitation_needs_agency_unless_secretariat(client, sam):
    response = invite(client, sam, email="x@example.org", role="staff")
    assert "agency" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_existing_member_cannot_be_invited_again(client, sam, alice):
    response = invite(client, sam, email="ALICE@iom.example", role="staff", agency=alice.agency_id)
    assert response.context["form"].errors["email"] == ["This person already has an account."]


@pytest.mark.parametrize("person", ["alice", "bob", "harry"])
def test_staff_and_heads_cannot_manage_invitations(client, db, request, person):
    client.force_login(request.getfixturevalue(person))
    assert client.get(reverse("agencies:invitation-list")).status_code == 403
    assert client.post(reverse("agencies:invitation-list"), {"email": "a@b.org"}).status_code == 403


def test_anonymous_cannot_manage_invitations(client, db):
    response = client.get(reverse("agencies:invitation-list"))
    assert response.status_code == 302


def test_revoked_invitation_cannot_be_used(client, fiona, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="r@iom.example", role="staff")
    invitation = Invitation.objects.get()
    client.post(reverse("agencies:invitation-revoke", args=[invitation.pk]))
    path = "/" + link_from(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    client.logout()
    assert client.get(path).status_code == 404


def test_outsider_focal_point_cannot_revoke(client, fiona, ilo, django_capture_on_commit_callbacks):
    from .factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="r@iom.example", role="staff")
    invitation = Invitation.objects.get()
    other = UserFactory(agency=ilo, role=Role.FOCAL_POINT)
    client.force_login(other)
    response = client.post(reverse("agencies:invitation-revoke", args=[invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_token_is_not_stored(client, fiona, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="t@iom.example", role="staff")
    token = link_from(mail.outbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_unverified_member_cannot_sign_in(client, iom):
    from agencies.services import member_create

    user = member_create(email="u@iom.example", role="staff", agency=iom)
    assert not user.has_usable_password()
    response = client.post(
        reverse("account_login"), {"login": "u@iom.example", "password": "anything-at-all"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


# -- a mail outage never turns a saved invitation into an error page -------------------------
#
# These tests commit for real (transaction=True): the invitation is emailed after commit, in
# the request, as in production, so the page can say whether the mail server took it.


class RefusingSMTP:
    """aiosmtpd handler: refuses every recipient (550) or takes mail, as told."""

    def __init__(self):
        self.refuse = True
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def use_smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def smtp_server(settings):
    handler = RefusingSMTP()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    use_smtp(settings, port)
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_down(settings):
    """Nothing listens on the mail port: every connection is refused."""
    use_smtp(settings, free_port())


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@committed
def test_invitation_is_saved_and_the_inviter_told_when_the_mail_server_is_down(
    client, fiona, smtp_down
):
    response = invite(client, fiona, email="down@iom.example", role="staff")
    assert response.status_code == 302
    assert Invitation.objects.get().email == "down@iom.example"
    page = client.get(response["Location"])
    assert shown_messages(page) == [
        "The invitation to down@iom.example is saved, but the email could not be sent. "
        "Check the address, then send it again or revoke it."
    ]
    html = page.content.decode()
    assert "down@iom.example" in html
    assert "Send again" in html and "Revoke" in html


@committed
def test_invitation_is_saved_when_the_mail_server_refuses_the_address(client, fiona, smtp_server):
    response = invite(client, fiona, email="typo@iom.exmaple", role="staff")
    assert response.status_code == 302
    assert Invitation.objects.get().is_pending
    assert "could not be sent" in shown_messages(client.get(response["Location"]))[0]
    assert smtp_server.messages == []


@committed
def test_sending_again_once_mail_works_emails_a_link_that_works(client, fiona, smtp_server):
    invite(client, fiona, email="later@iom.example", role="staff")
    invitation = Invitation.objects.get()

    smtp_server.refuse = False
    response = client.post(reverse("agencies:invitation-resend", args=[invitation.pk]))
    assert response.status_code == 302
    assert shown_messages(client.get(response["Location"]))[-1] == (
        "An invitation was emailed to later@iom.example."
    )
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["later@iom.example"]
    link = re.search(
        r"https?://\S+/invitations/accept/\S+/", message.get_body("plain").get_content()
    )
    client.logout()
    assert client.get("/" + link.group(0).split("://", 1)[1].split("/", 1)[1]).status_code == 200


def test_send_again_gives_a_new_link_and_the_old_one_stops_working(
    client, fiona, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="again@iom.example", role="staff")
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("agencies:invitation-resend", args=[invitation.pk]))
    first, second = (link_from(message) for message in mail.outbox)
    assert first != second
    client.logout()
    assert client.get("/" + first.split("://", 1)[1].split("/", 1)[1]).status_code == 404
    assert client.get("/" + second.split("://", 1)[1].split("/", 1)[1]).status_code == 200


def test_a_revoked_invitation_is_not_sent_again(client, fiona, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="gone@iom.example", role="staff")
    invitation = Invitation.objects.get()
    client.post(reverse("agencies:invitation-revoke", args=[invitation.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agencies:invitation-resend", args=[invitation.pk]), follow=True
        )
    assert shown_messages(response)[-1] == "This invitation is no longer pending."
    assert len(mail.outbox) == 1


def test_only_those_who_manage_an_invitation_can_send_it_again(
    client, fiona, alice, ilo, django_capture_on_commit_callbacks
):
    from .factories import UserFactory

    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="mine@iom.example", role="staff")
    url = reverse("agencies:invitation-resend", args=[Invitation.objects.get().pk])
    client.force_login(UserFactory(agency=ilo, role=Role.FOCAL_POINT))
    assert client.post(url).status_code == 404
    client.force_login(alice)
    assert client.post(url).status_code == 403
    client.logout()
    assert client.post(url).status_code == 302  # to sign in
    assert len(mail.outbox) == 1


# -- what the list and the email say ----------------------------------------------------------


def test_the_list_shows_when_each_link_expires_and_statuses_as_labels(
    client, fiona, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="soon@iom.example", role="staff")
        invite(client, fiona, email="late@iom.example", role="staff")
    late = Invitation.objects.get(email="late@iom.example")
    late.expires_at = timezone.now() - datetime.timedelta(days=2)
    late.save()
    soon = Invitation.objects.get(email="soon@iom.example")

    html = client.get(reverse("agencies:invitation-list")).content.decode()
    row = {
        invitation.email: html[html.index(f"<td>{invitation.email}</td>") :].split("</tr>")[0]
        for invitation in (soon, late)
    }
    assert f'<time datetime="{soon.expires_at.isoformat()}">' in row[soon.email]
    assert soon.expires_at.strftime("%-d %b %Y") in row[soon.email]
    assert "<td>Pending</td>" in row[soon.email]
    assert f"expired on {late.expires_at.strftime('%-d %b %Y')}" in row[late.email]
    assert "<td>Expired</td>" in row[late.email]
    # An expired invitation can be sent again, not revoked; a pending one both.
    assert "Send again" in row[late.email] and "Revoke" not in row[late.email]
    assert "Send again" in row[soon.email] and "Revoke" in row[soon.email]


def test_sending_an_expired_invitation_again_renews_it(
    client, fiona, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="slow@iom.example", role="staff")
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    old = "/" + link_from(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agencies:invitation-resend", args=[invitation.pk]), follow=True
        )
    assert shown_messages(response)[-1] == "An invitation was emailed to slow@iom.example."
    invitation.refresh_from_db()
    assert invitation.is_pending
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=13)
    new = "/" + link_from(mail.outbox[1]).split("://", 1)[1].split("/", 1)[1]
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_an_expired_invitation_is_not_renewed_once_a_newer_one_is_pending(
    client, fiona, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="twice@iom.example", role="staff")
    first = Invitation.objects.get()
    Invitation.objects.filter(pk=first.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="twice@iom.example", role="head")
        response = client.post(reverse("agencies:invitation-resend", args=[first.pk]), follow=True)
    assert shown_messages(response)[-1] == "An invitation to this address is already pending."
    assert Invitation.objects.pending().count() == 1
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    "role, headline",
    [
        ("staff", "You are invited to the GMG Portal as staff of IOM"),
        ("focal_point", "You are invited to the GMG Portal as focal point of IOM"),
        ("head", "You are invited to the GMG Portal as head of IOM"),
    ],
)
def test_the_invitation_email_names_the_agency(
    client, fiona, role, headline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="named@iom.example", role=role)
    [message] = mail.outbox
    assert message.subject == headline
    assert "on behalf of International Organization for Migration (IOM)" in message.body
    html = message.alternatives[0][0]
    assert f'<h1 style="font-size:20px;margin:0 0 16px;color:#004b87;">{headline}</h1>' in html
    assert "International Organization for Migration (IOM)" in html


def test_an_invitation_to_the_secretariat_says_so(client, sam, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, sam, email="new@gmg.example", role="secretariat")
    [message] = mail.outbox
    assert message.subject == (
        "You are invited to the GMG Portal as a member of the GMG secretariat"
    )
    assert "Sam invites you to the GMG Portal as a member of the GMG secretariat." in message.body


def test_accepting_while_signed_in_as_someone_else_asks_first(
    client, fiona, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, fiona, email="newcomer@iom.example", role="staff")
    path = "/" + link_from(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    client.force_login(alice)

    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "You are signed in as alice@iom.example" in text
    assert "This invitation is for newcomer@iom.example" in text
    assert 'name="password1"' not in text
    # A form posted anyway does nothing: no account, and still signed in as Alice.
    data = {"full_name": "N", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    client.post(path, data)
    assert not User.objects.filter(email="newcomer@iom.example").exists()
    assert client.session["_auth_user_id"] == str(alice.pk)

    # Signing out from that page comes back to the invitation, ready to accept.
    response = client.post(reverse("account_logout"), {"next": path})
    assert response["Location"] == path
    assert "_auth_user_id" not in client.session
    assert 'name="password1"' in client.get(path).content.decode()
    client.post(path, data)
    assert User.objects.filter(email="newcomer@iom.example").exists()
