"""The one email builder: a subject/text/HTML triplet from templates/emails/, one recipient."""

from django.core import mail
from django.template.loader import render_to_string

from common import emails


def test_send_renders_the_triplet_and_returns_the_message_sent(db, fiona, iom):
    from agencies.models import Invitation

    invitation = Invitation(email="new@iom.example", agency=iom, role="staff")
    context = {"invitation": invitation, "link": "http://x/accept/t/", "inviter": fiona}
    message = emails.send(
        "invitation", "new@iom.example", context, headers={"Auto-Submitted": "auto-generated"}
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == message.subject
    assert message.to == ["new@iom.example"]
    assert message.subject == "You are invited to the GMG Portal as staff of IOM"
    assert "http://x/accept/t/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert message.message()["Auto-Submitted"] == "auto-generated"


def test_build_does_not_send_and_uses_the_connection_given(settings):
    connection = mail.get_connection("django.core.mail.backends.locmem.EmailBackend")
    message = emails.build("a@example.org", "Subject", "text", "<p>html</p>", connection=connection)
    assert mail.outbox == []
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.connection is connection
    assert message.alternatives[0] == ("<p>html</p>", "text/html")


def test_a_subject_is_plain_text_not_html():
    # A subject is never HTML: "&" must reach the inbox as "&", not "&amp;".
    subject = render_to_string(
        "emails/digest_subject.txt",
        {"summary": "1 pair <to> review & more", "week_dates": "23–29 November 2026"},
    )
    assert "1 pair <to> review & more" in subject
