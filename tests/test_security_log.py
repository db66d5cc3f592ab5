"""The security log: what the real flows record, that no secret is ever in it, and who reads it.

Named people: Sam is the secretariat (reads the log); Fiona IOM's focal point, Alice IOM staff,
Harry IOM's head, Bob ILO staff (the outsider): none of them reads it.
"""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies import security_log
from agencies.models import Invitation, Role, SecurityEvent, User

from .factories import PASSWORD, UserFactory

Kind = SecurityEvent.Kind
LOG = reverse("agencies:security-log")
NEW_PASSWORD = "a-brand-new-pass-phrase-7"
WRONG = "not-the-password-at-all-93"


def sign_in(client, email, password, address="10.0.0.7"):
    client.defaults["REMOTE_ADDR"] = address
    return client.post(reverse("account_login"), {"login": email, "password": password})


def kinds():
    return list(SecurityEvent.objects.order_by("pk").values_list("kind", flat=True))


def every_value():
    """Every column of every event, as text: what a secret must never be found in."""
    rows = SecurityEvent.objects.values_list(
        "kind", "email", "ip_address", "user_agent", "path", "detail"
    )
    return "\n".join(repr(row) for row in rows)


# -- signing in and out ----------------------------------------------------------------------


def test_sign_in_and_out_are_recorded_with_the_address_and_browser(client, alice):
    client.defaults["HTTP_USER_AGENT"] = "Firefox/" + "x" * 500
    response = sign_in(client, alice.email, PASSWORD)
    assert response.status_code == 302
    client.post(reverse("account_logout"))
    signed_in, signed_out = SecurityEvent.objects.order_by("pk")
    assert (signed_in.kind, signed_in.actor, signed_in.subject) == (Kind.SIGN_IN, alice, alice)
    assert signed_in.ip_address == "10.0.0.7"
    assert signed_in.user_agent.startswith("Firefox/") and len(signed_in.user_agent) == 300
    assert signed_in.path == reverse("account_login")
    assert (signed_out.kind, signed_out.subject) == (Kind.SIGN_OUT, alice)


def test_a_wrong_password_records_the_address_typed_never_the_password(client, alice):
    sign_in(client, alice.email.upper(), WRONG)
    sign_in(client, "nobody@nowhere.example", WRONG)
    assert kinds() == [Kind.SIGN_IN_FAILED, Kind.SIGN_IN_FAILED]
    known, unknown = SecurityEvent.objects.order_by("pk")
    assert known.email.lower() == alice.email and known.actor is None
    assert unknown.email == "nobody@nowhere.example"
    assert WRONG not in every_value()


def test_the_client_address_behind_a_trusted_proxy_is_the_forwarded_one(client, alice, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client.defaults["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    sign_in(client, alice.email, WRONG, address="10.0.0.1")
    assert SecurityEvent.objects.get().ip_address == "203.0.113.9"


def test_too_many_failures_lock_the_account_out_and_each_refusal_is_recorded(client, alice):
    for _ in range(5):
        sign_in(client, alice.email, WRONG)
    response = sign_in(client, alice.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert kinds() == [Kind.SIGN_IN_FAILED] * 5 + [Kind.LOCKED_OUT]
    locked = SecurityEvent.objects.get(kind=Kind.LOCKED_OUT)
    assert locked.email == alice.email
    assert PASSWORD not in every_value() and WRONG not in every_value()


def test_a_refused_page_is_recorded_but_a_hidden_record_is_not(client, alice, fiona, ilo):
    client.force_login(alice)
    SecurityEvent.objects.all().delete()  # the sign-in
    assert client.get(reverse("agencies:invitation-list")).status_code == 403
    # An agency Fiona may not manage answers 404, which is not recorded (too noisy).
    client.force_login(fiona)
    assert client.get(reverse("agencies:person-list", args=[ilo.slug])).status_code == 404
    denied = SecurityEvent.objects.get(kind=Kind.ACCESS_DENIED)
    assert denied.actor == alice
    assert denied.path == reverse("agencies:invitation-list")
    assert denied.detail_text == f"GET {denied.path}"


def test_a_password_change_is_recorded_and_the_passwords_are_not(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    changed = SecurityEvent.objects.get(kind=Kind.PASSWORD_CHANGED)
    assert (changed.actor, changed.subject) == (alice, alice)
    assert PASSWORD not in every_value() and NEW_PASSWORD not in every_value()


def test_a_password_reset_is_recorded_without_its_link(client, alice):
    client.post(reverse("account_reset_password"), {"email": alice.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    response = client.get(link[1], follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    reset = SecurityEvent.objects.get(kind=Kind.PASSWORD_RESET)
    assert reset.subject == alice
    key = link[1].rstrip("/").rsplit("/", 1)[1]
    text = every_value()
    assert NEW_PASSWORD not in text and key not in text and key.split("-")[-1] not in text


# -- changes to people and invitations -------------------------------------------------------


def test_a_role_change_and_a_deactivation_by_the_people_page_are_recorded(client, fiona, alice):
    client.force_login(fiona)
    client.post(reverse("agencies:person-role", args=[alice.pk]), {"role": Role.HEAD})
    client.post(reverse("agencies:person-deactivate", args=[alice.pk]))
    client.post(reverse("agencies:person-reactivate", args=[alice.pk]))
    events = SecurityEvent.objects.exclude(kind=Kind.SIGN_IN).order_by("pk")
    assert [e.kind for e in events] == [Kind.ROLE_CHANGED, Kind.DEACTIVATED, Kind.REACTIVATED]
    assert all((e.actor, e.subject) == (fiona, alice) for e in events)
    assert events[0].detail == {"old_role": Role.STAFF, "new_role": Role.HEAD}
    assert str(events[0].detail_text) == "From “Staff” to “Head of agency”"


def test_a_refused_role_change_leaves_no_event(client, fiona):
    # Fiona is the last focal point: she cannot step down, so nothing changed.
    client.force_login(fiona)
    client.post(reverse("agencies:person-role", args=[fiona.pk]), {"role": Role.STAFF})
    assert not SecurityEvent.objects.filter(kind=Kind.ROLE_CHANGED).exists()


def test_an_invitation_sent_accepted_and_another_revoked_are_recorded(
    client, fiona, django_capture_on_commit_callbacks
):
    client.force_login(fiona)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("agencies:invitation-list"), {"email": "new@iom.example", "role": "staff"}
        )
        client.post(
            reverse("agencies:invitation-list"), {"email": "gone@iom.example", "role": "staff"}
        )
    gone = Invitation.objects.get(email="gone@iom.example")
    client.post(reverse("agencies:invitation-revoke", args=[gone.pk]))
    token = re.search(r"/invitations/accept/([^/\s]+)/", mail.outbox[0].body)[1]
    client.logout()
    accept = reverse("agencies:invitation-accept", args=[token])
    data = {"full_name": "New", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(accept, data).status_code == 302
    newcomer = User.objects.get(email="new@iom.example")
    sent = SecurityEvent.objects.filter(kind=Kind.INVITATION_SENT).order_by("pk")
    assert [(e.actor, e.email) for e in sent] == [
        (fiona, "new@iom.example"),
        (fiona, "gone@iom.example"),
    ]
    revoked = SecurityEvent.objects.get(kind=Kind.INVITATION_REVOKED)
    assert (revoked.actor, revoked.email) == (fiona, "gone@iom.example")
    accepted = SecurityEvent.objects.get(kind=Kind.INVITATION_ACCEPTED)
    assert (accepted.actor, accepted.subject) == (newcomer, newcomer)
    assert str(accepted.detail_text) == "As “Staff” of IOM"
    # Accepting signs the newcomer in on the page whose path holds the token: masked.
    signed_in = SecurityEvent.objects.get(kind=Kind.SIGN_IN, subject=newcomer)
    assert signed_in.path == "/invitations/accept/…/"
    text = every_value()
    assert token not in text and NEW_PASSWORD not in text


# -- record() itself -----------------------------------------------------------------------


def test_a_failing_write_neither_raises_nor_breaks_the_callers_transaction(alice):
    with transaction.atomic():
        # Too long for the column: the database refuses it, inside record()'s savepoint.
        assert security_log.record("x" * 40, actor=alice) is None
        assert security_log.record(Kind.SIGN_IN, actor=alice) is not None
    assert kinds() == [Kind.SIGN_IN]


def test_a_caller_that_rolls_back_takes_its_event_along(alice):
    with transaction.atomic():
        security_log.record(Kind.ROLE_CHANGED, actor=alice, subject=alice)
        transaction.set_rollback(True)
    assert not SecurityEvent.objects.exists()


def test_a_detail_that_names_a_secret_is_dropped(alice):
    event = security_log.record(
        Kind.SIGN_IN, actor=alice, password="hunter2-hunter2", reset_token="t", method="totp"
    )
    assert event.detail == {"method": "totp"}


def test_a_sign_in_still_works_when_the_log_cannot_be_written(client, alice, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(SecurityEvent, "save", broken)
    sign_in(client, alice.email, PASSWORD)
    assert "_auth_user_id" in client.session


def test_old_events_are_pruned(alice, settings):
    settings.SECURITY_LOG_DAYS = 30
    old = security_log.record(Kind.SIGN_IN, actor=alice)
    SecurityEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=31)
    )
    recent = security_log.record(Kind.SIGN_OUT, actor=alice)
    assert security_log.prune() == 1
    assert list(SecurityEvent.objects.all()) == [recent]


# -- the page --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "fiona", "harry", "bob"])
def test_only_the_secretariat_reads_the_log(db, client, request, name):
    client.force_login(request.getfixturevalue(name))
    assert client.get(LOG).status_code == 403


def test_a_visitor_is_asked_to_sign_in(client, db):
    response = client.get(LOG)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_superuser_outside_the_secretariat_reads_it(client, iom):
    admin = UserFactory(agency=iom, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(LOG).status_code == 200


def test_the_secretariat_sees_events_newest_first_with_hostile_text_escaped(client, sam, alice):
    hostile = '"<script>alert(1)</script>"@example.org'
    sign_in(Client(), hostile, WRONG)
    security_log.record(
        Kind.ROLE_CHANGED, actor=sam, subject=alice, old_role="staff", new_role="head"
    )
    client.force_login(sam)
    response = client.get(LOG)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<h1>") == 1
    shown = [event.kind for event in response.context["page"].object_list]
    assert shown == [Kind.SIGN_IN, Kind.ROLE_CHANGED, Kind.SIGN_IN_FAILED]
    assert "From “Staff” to “Head of agency”" in html
    assert "Security log" in client.get(reverse("dashboard")).content.decode()


def test_the_link_is_in_the_secretariats_navigation_only(client, sam, fiona):
    client.force_login(fiona)
    assert LOG not in client.get(reverse("dashboard")).content.decode()
    client.force_login(sam)
    assert f'href="{LOG}"' in client.get(reverse("dashboard")).content.decode()


def test_filters_by_kind_person_and_dates(client, sam, alice, fiona):
    security_log.record(Kind.DEACTIVATED, actor=fiona, subject=alice)
    old = security_log.record(Kind.SIGN_IN_FAILED, email="alice@iom.example")
    SecurityEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10)
    )
    client.force_login(sam)  # a sign-in of Sam's, today

    def shown(**query):
        response = client.get(LOG, query)
        assert response.status_code == 200
        return sorted(event.kind for event in response.context["page"].object_list)

    assert shown(kind=Kind.DEACTIVATED) == [Kind.DEACTIVATED]
    assert shown(person="ALICE@iom") == sorted([Kind.DEACTIVATED, Kind.SIGN_IN_FAILED])
    assert shown(person="fiona") == [Kind.DEACTIVATED]
    today = timezone.localdate()
    assert shown(until=str(today - datetime.timedelta(days=5))) == [Kind.SIGN_IN_FAILED]
    assert shown(since=str(today)) == sorted([Kind.DEACTIVATED, Kind.SIGN_IN])
    assert shown(since="not a date") == []


def test_the_page_runs_the_same_queries_for_many_events(client, sam, iom):
    client.force_login(sam)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LOG).status_code == 200
        return len(captured)

    people = UserFactory.create_batch(3, agency=iom)
    for person in people:
        security_log.record(Kind.ROLE_CHANGED, actor=sam, subject=person, old_role="staff")
    few = queries()
    for person in UserFactory.create_batch(15, agency=iom):
        security_log.record(Kind.DEACTIVATED, actor=person, subject=people[0])
        security_log.record(Kind.SIGN_IN_FAILED, email=person.email)
    assert queries() == few
