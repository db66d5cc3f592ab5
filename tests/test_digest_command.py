"""`manage.py send_digests` says by its exit status whether every digest due went out."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command

from digests.models import DigestDelivery

from .factories import ActivityFactory


class RefusingBackend(EmailBackend):
    """Refuses every recipient for good (550), as a mail server does for a dead mailbox."""

    def send_messages(self, messages):
        recipients = {to: (550, b"5.1.1 mailbox unavailable") for m in messages for to in m.to}
        raise smtplib.SMTPRecipientsRefused(recipients)


class FlakyBackend(EmailBackend):
    """Answers 451 (try again later) to everything."""

    def send_messages(self, messages):
        raise smtplib.SMTPDataError(451, b"4.3.0 try again later")


@pytest.fixture
def due(iom, harry):
    ActivityFactory(agency=iom)  # so that Harry's digest has something to say
    return harry


def test_exits_zero_when_every_digest_went_out(due, mailoutbox, capsys):
    call_command("send_digests")
    assert "1 sent" in capsys.readouterr().out
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "backend, status",
    [("RefusingBackend", DigestDelivery.Status.FAILED), ("FlakyBackend", "pending")],
)
def test_fails_when_a_digest_was_not_delivered(due, settings, capsys, backend, status):
    settings.EMAIL_BACKEND = f"tests.test_digest_command.{backend}"
    with pytest.raises(CommandError, match="1 digest\\(s\\) not delivered"):
        call_command("send_digests")
    # The summary is still printed before the error.
    assert f"1 {status}" in capsys.readouterr().out
    assert DigestDelivery.objects.get(recipient=due).status == status
