"""People hear of what happens to a pair that concerns them: a decision, a comment, a joint
initiative. Both agencies' focal points and both activities' contacts are emailed once each,
from the worker, unless they chose "in my digest only"; the person who acted is not."""

import os
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse

from agencies.models import Agency, PairNotifications, Role
from common.models import OutboxMessage
from overlaps import review, tasks
from overlaps.models import OverlapFlag, PairEvent, PairNotification

from .factories import ActivityFactory, UserFactory
from .test_digest_delivery import smtp_server  # noqa: F401 - the SMTP listener fixture
from .workers import celery_worker, wait_for, worker_idle

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
Status = OverlapFlag.Status


@pytest.fixture
def unhcr(db):
    return Agency.objects.get(acronym="UNHCR")


@pytest.fixture
def una(unhcr):
    """Focal point at UNHCR."""
    return UserFactory(
        email="una@unhcr.example", full_name="Una", agency=unhcr, role=Role.FOCAL_POINT
    )


@pytest.fixture
def ulf(unhcr):
    """Another focal point at UNHCR, who reads about pairs in the digest only."""
    return UserFactory(
        email="ulf@unhcr.example",
        full_name="Ulf",
        agency=unhcr,
        role=Role.FOCAL_POINT,
        pair_notifications=PairNotifications.DIGEST,
    )


@pytest.fixture
def flag(iom, unhcr, fiona, una, ulf):
    """IOM's activity names an outside contact; UNHCR's names Una (spelled in capitals)."""
    a = ActivityFactory(
        agency=iom, reference="IOM-7", title="Returnee survey", contact_email="carla@partner.org"
    )
    b = ActivityFactory(
        agency=unhcr,
        reference="UNHCR-7",
        title="Refugee household study",
        contact_email="UNA@unhcr.example",
    )
    a, b = sorted((a, b), key=lambda activity: activity.pk)
    return OverlapFlag.objects.create(
        activity_a=a, activity_b=b, score=0.8, reasons={"countries": ["KEN"]}
    )


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def deciding(flag, by, capture, **fields):
    with capture(execute=True):
        return review.decide(flag, by=by, status=fields.pop("status", "confirmed"), **fields)


# Who is told


def test_a_decision_emails_both_focal_points_and_both_contacts_once_each(
    flag, sam, django_capture_on_commit_callbacks
):
    deciding(flag, sam, django_capture_on_commit_callbacks, note="Same survey, twice funded.")
    # Una is a focal point and a contact: one email. Ulf chose the digest. Sam acted.
    assert recipients() == ["carla@partner.org", "fiona@iom.example", "una@unhcr.example"]
    message = mail.outbox[0]
    # IOM's activity was logged first: it is the pair's first.
    assert message.subject == "Decided: IOM IOM-7 and UNHCR UNHCR-7 are “Confirmed duplication”"
    assert "Sam (GMG secretariat) decided this pair" in message.body
    assert "Same survey, twice funded." in message.body
    assert flag.get_absolute_url() in message.body
    assert reverse("overlaps:notification-settings") in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Same survey, twice funded." in html
    assert set(PairNotification.objects.values_list("email", "status")) == {
        ("carla@partner.org", "sent"),
        ("fiona@iom.example", "sent"),
        ("una@unhcr.example", "sent"),
    }


def test_the_person_who_comments_is_not_emailed(flag, fiona, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review.comment(flag, by=fiona, text="We met UNHCR <b>twice</b>.")
    assert recipients() == ["carla@partner.org", "una@unhcr.example"]
    message = mail.outbox[0]
    assert "We met UNHCR <b>twice</b>." in message.body  # plain text, as typed
    html = message.alternatives[0][0]
    assert "We met UNHCR &lt;b&gt;twice&lt;/b&gt;." in html
    assert "<b>twice</b>" not in html


def test_a_contact_who_acted_is_not_emailed_whatever_the_spelling(
    flag, una, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review.comment(flag, by=una, text="Noted.")
    assert recipients() == ["carla@partner.org", "fiona@iom.example"]


def test_inactive_people_are_not_emailed(flag, sam, fiona, una, django_capture_on_commit_callbacks):
    fiona.is_active = False
    fiona.save()
    una.is_active = False  # also the contact of UNHCR's activity: no longer hers
    una.save()
    deciding(flag, sam, django_capture_on_commit_callbacks)
    assert recipients() == ["carla@partner.org"]


def test_nothing_to_say_for_a_double_click(flag, sam, django_capture_on_commit_callbacks):
    deciding(flag, sam, django_capture_on_commit_callbacks, expected_version=flag.version)
    del mail.outbox[:]
    # The same decision sent again on the same page is not a new decision.
    deciding(flag, sam, django_capture_on_commit_callbacks, expected_version=flag.version)
    assert mail.outbox == []
    assert PairEvent.objects.count() == 1


def test_a_joint_initiative_is_announced(flag, sam, django_capture_on_commit_callbacks):
    flag = deciding(flag, sam, django_capture_on_commit_callbacks, status=Status.JOINT)
    del mail.outbox[:]
    with django_capture_on_commit_callbacks(execute=True):
        initiative, created = review.initiative_from_flag(flag, by=sam)
    assert created
    assert recipients() == ["carla@partner.org", "fiona@iom.example", "una@unhcr.example"]
    assert initiative.get_absolute_url() in mail.outbox[0].body


# "In my digest only"


def test_digest_only_people_are_left_to_their_digest(
    flag, sam, fiona, una, ulf, django_capture_on_commit_callbacks
):
    deciding(flag, sam, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        review.comment(flag, by=fiona, text="Agreed.")
    assert "ulf@unhcr.example" not in recipients()
    # The hook the digest reads: what concerns Ulf and was not emailed to him.
    assert [e.kind for e in PairEvent.objects.for_digest(ulf)] == ["decision", "comment"]
    assert list(PairEvent.objects.for_digest(una)) == []  # emailed at once
    # Fiona was emailed the decision and wrote the comment.
    assert list(PairEvent.objects.for_digest(fiona)) == []
    assert list(PairEvent.objects.for_digest(sam)) == []  # the secretariat is not told


def test_the_choice_is_offered_on_the_digest_preferences_page(client, fiona):
    client.force_login(fiona)
    page = client.get(reverse("digests:preferences")).content.decode()
    assert reverse("overlaps:notification-settings") in page
    assert "In my digest only" in page
    response = client.post(
        reverse("overlaps:notification-settings"),
        {"pair_notifications": "digest", "next": reverse("digests:preferences")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("digests:preferences")
    fiona.refresh_from_db()
    assert fiona.pair_notifications == PairNotifications.DIGEST


def test_the_choice_page_never_sends_people_elsewhere(client, fiona):
    client.force_login(fiona)
    response = client.post(
        reverse("overlaps:notification-settings"),
        {"pair_notifications": "immediate", "next": "https://elsewhere.example/"},
    )
    assert response["Location"] == reverse("overlaps:notification-settings")
    assert client.get(response["Location"]).status_code == 200


def test_the_choice_page_needs_signing_in(client):
    response = client.get(reverse("overlaps:notification-settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Once each, whatever the broker does


def test_the_email_is_queued_in_the_outbox_until_the_commit(flag, sam):
    review.decide(flag, by=sam, status="confirmed")
    # Not committed yet (the test's transaction): nothing sent, the task is in the outbox.
    assert mail.outbox == []
    assert OutboxMessage.objects.filter(task="overlaps.tasks.notify_pair_event").count() == 1


def test_a_redelivered_task_sends_nothing_twice(flag, sam, django_capture_on_commit_callbacks):
    deciding(flag, sam, django_capture_on_commit_callbacks)
    event = PairEvent.objects.get()
    sent = len(mail.outbox)
    assert sent == 3
    # The broker delivers the same message again (acks_late, a worker lost).
    assert tasks.notify_pair_event.apply(args=[event.pk]).get() == {
        "sent": 0,
        "failed": 0,
        "retry": 0,
    }
    assert len(mail.outbox) == sent
    assert PairNotification.objects.count() == 3


def test_an_address_another_delivery_holds_is_left_to_it(flag, sam):
    review.decide(flag, by=sam, status="confirmed")  # the task has not run: not committed
    event = PairEvent.objects.get()
    PairNotification.objects.create(
        event=event, email="fiona@iom.example", status=PairNotification.Status.SENDING
    )
    review.notify_pair_event(event.pk)
    assert recipients() == ["carla@partner.org", "una@unhcr.example"]


@pytest.fixture
def refusing(monkeypatch):
    """The mail server answers 550 for some addresses and 451 for others."""
    answers = {}

    def send_messages(self, messages):
        for message in messages:
            for address in message.to:
                if address in answers:
                    code = answers[address]
                    raise smtplib.SMTPRecipientsRefused({address: (code, b"no")})
            mail.outbox.append(message)
        return len(messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return answers


def test_a_refused_address_is_not_retried_and_a_busy_one_is(flag, sam, refusing):
    refusing.update({"carla@partner.org": 550, "una@unhcr.example": 451})
    review.decide(flag, by=sam, status="confirmed")
    event = PairEvent.objects.get()
    assert review.notify_pair_event(event.pk) == {"sent": 1, "failed": 1, "retry": 1}
    statuses = dict(PairNotification.objects.values_list("email", "status"))
    assert statuses == {
        "carla@partner.org": "failed",
        "fiona@iom.example": "sent",
        "una@unhcr.example": "pending",
    }
    refusing.clear()
    assert review.notify_pair_event(event.pk) == {"sent": 1, "failed": 0, "retry": 0}
    assert recipients() == ["fiona@iom.example", "una@unhcr.example"]
    assert PairNotification.objects.get(email="una@unhcr.example").attempts == 2


def test_the_task_retries_while_an_address_is_busy(flag, sam, refusing):
    from celery.exceptions import Retry

    refusing.update({"una@unhcr.example": 451})
    review.decide(flag, by=sam, status="confirmed")
    event = PairEvent.objects.get()
    with pytest.raises(Retry):
        tasks.notify_pair_event.run(event.pk)


def test_an_event_whose_pair_went_away_sends_nothing(flag, sam):
    review.decide(flag, by=sam, status="confirmed")
    event_id = PairEvent.objects.get().pk
    # A pair goes away when a re-scan finds its activities no longer overlap (activities
    # themselves are only ever withdrawn, and pairs outlive them).
    type(flag).objects.filter(pk=flag.pk).delete()
    assert review.notify_pair_event(event_id) == {"sent": 0, "failed": 0, "retry": 0}
    assert mail.outbox == []


# Through a real worker and a real SMTP server


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_decision_reaches_the_focal_points_through_the_worker_by_smtp(
    flag,
    sam,
    smtp_server,  # noqa: F811 - the fixture imported above
    settings,
):
    with celery_worker(REDIS_URL, settings, EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}"):
        review.decide(flag, by=sam, status="confirmed", note="Work together.")
        expected = ["carla@partner.org", "fiona@iom.example", "una@unhcr.example"]
        assert wait_for(lambda: len(smtp_server.messages) >= 3), (
            "the worker sent no email",
            list(PairNotification.objects.values_list("email", "status", "error")),
        )
        assert smtp_server.recipients() == expected
        for _rcpts, message in smtp_server.messages:
            assert "Work together." in message.get_body(("plain",)).get_content()
        assert not OutboxMessage.objects.exists()  # published after the commit

        # The broker delivers the task again: the rows say it was done.
        event = PairEvent.objects.get()
        assert tasks.notify_pair_event.delay(event.pk).get(timeout=60)["sent"] == 0
        assert wait_for(lambda: worker_idle(REDIS_URL), timeout=30)
        assert smtp_server.recipients() == expected
