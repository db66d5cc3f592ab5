"""`manage.py send_digests` says by its exit status whether every digest due went out.

Without --week it sends the digest of the week just ended: the clock stands on Wednesday
2 December 2026, so that is 2026-W48 (23 to 29 November).
"""

import datetime
import smtplib

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command

from digests.models import DigestDelivery

from .factories import ActivityFactory

WEDNESDAY = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(WEDNESDAY, tick=False):
        yield


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
    # Logged on Wednesday 25 November: Harry's digest of that week has something to say.
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC)):
        ActivityFactory(agency=iom, title="Logged last week")
    return harry


def test_exits_zero_when_every_digest_went_out(due, mailoutbox, capsys):
    call_command("send_digests")
    assert "1 sent" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_without_a_week_it_sends_the_digest_of_the_week_just_ended(due, iom, mailoutbox, capsys):
    ActivityFactory(agency=iom, title="Logged this week")  # Wednesday 2 December
    call_command("send_digests")
    assert "2026-W48 harry@iom.example: sent" in capsys.readouterr().out
    row = DigestDelivery.objects.get()
    assert (row.recipient, row.iso_year, row.iso_week) == (due, 2026, 48)
    [message] = mail.outbox
    assert message.subject.endswith("— 23–29 November 2026")
    # Harry's own activities, counted: the one of last week, not this week's.
    assert "1 activity new or changed that week" in message.body


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
