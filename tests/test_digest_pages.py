"""The digest pages with named people: preferences, archive, detail, preview, unsubscribe."""

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from digests import tokens
from digests.models import DigestDelivery, DigestPreference, Frequency
from overlaps.models import OverlapFlag

from .factories import ActivityFactory

# Friday of 2026-W48 (23 to 29 November 2026).
NOW = datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC)
# The Monday after 2026-W48, before its digest goes out at 06:00.
BEFORE_SEND = datetime.datetime(2026, 11, 30, 5, 0, tzinfo=datetime.UTC)


def one_h1(response):
    return len(re.findall(r"<h1[\s>]", response.content.decode())) == 1


def delivery_for(user, week=47, **fields):
    fields.setdefault("status", DigestDelivery.Status.SENT)
    fields.setdefault("subject", f"GMG weekly digest 2026-W{week}")
    fields.setdefault(
        "html_body", '<html><body><h1>Digest</h1><p class="x">"quoted"</p></body></html>'
    )
    fields.setdefault("text_body", "Digest in plain text")
    return DigestDelivery.objects.create(recipient=user, iso_year=2026, iso_week=week, **fields)


# -- preferences ------------------------------------------------------------------------


def test_preferences_default_by_role(client, harry, alice):
    client.force_login(harry)
    response = client.get(reverse("digests:preferences"))
    assert response.status_code == 200 and one_h1(response)
    assert response.context["form"].initial["frequency"] == Frequency.WEEKLY
    html = response.content.decode()
    assert 'for="id_language"' in html and 'type="radio"' in html

    client.force_login(alice)
    response = client.get(reverse("digests:preferences"))
    assert response.context["form"].initial["frequency"] == Frequency.NEVER
    assert not DigestPreference.objects.exists()


def test_preferences_save_and_resubscribe(client, alice):
    client.force_login(alice)
    url = reverse("digests:preferences")
    response = client.post(url, {"frequency": "biweekly", "language": "en"})
    assert response.status_code == 302
    preference = DigestPreference.objects.get(user=alice)
    assert preference.frequency == Frequency.BIWEEKLY

    client.post(url, {"frequency": "never", "language": "en"})
    assert "Subscribe again" in client.get(url).content.decode()
    client.post(url, {"action": "resubscribe"})
    preference.refresh_from_db()
    assert preference.frequency == Frequency.WEEKLY


def test_preferences_refuse_an_unknown_choice(client, alice):
    client.force_login(alice)
    response = client.post(reverse("digests:preferences"), {"frequency": "daily", "language": "xx"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"frequency", "language"}
    assert not DigestPreference.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, db):
    for name in ("preferences", "archive", "preview"):
        response = client.get(reverse(f"digests:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# -- archive and detail -----------------------------------------------------------------


def test_archive_shows_own_sent_digests_only(client, harry, alice, bob):
    mine = delivery_for(harry)
    delivery_for(harry, week=46, status=DigestDelivery.Status.EMPTY)
    delivery_for(bob)
    client.force_login(harry)
    response = client.get(reverse("digests:archive"))
    assert response.status_code == 200 and one_h1(response)
    assert list(response.context["page"].object_list) == [mine]
    assert "Failed deliveries" not in response.content.decode()


def test_secretariat_archive_filters_and_lists_failures(client, sam, harry, bob):
    delivery_for(harry)
    failed = delivery_for(bob, status=DigestDelivery.Status.FAILED, error="SMTP 550 mailbox full")
    client.force_login(sam)
    response = client.get(reverse("digests:archive"))
    html = response.content.decode()
    assert response.status_code == 200 and one_h1(response)
    assert response.context["page"].paginator.count == 2
    assert "SMTP 550 mailbox full" in html
    assert list(response.context["failed"]) == [failed]
    assert 'for="id_person"' in html and 'for="id_status"' in html

    response = client.get(reverse("digests:archive"), {"person": bob.pk})
    assert list(response.context["page"].object_list) == [failed]
    response = client.get(reverse("digests:archive"), {"status": "sent"})
    assert [d.recipient for d in response.context["page"].object_list] == [harry]


def test_the_kept_person_filter_follows_new_recipients_and_names(client, sam, harry, bob):
    delivery_for(harry)
    client.force_login(sam)

    def people():
        html = client.get(reverse("digests:archive")).content.decode()
        select = html[
            html.index('name="person"') : html.index("</select>", html.index('name="person"'))
        ]
        return re.findall(r"<option[^>]*>([^<]*)</option>", select)

    assert people() == ["Anyone", harry.display_name]
    delivery_for(bob)
    assert people() == ["Anyone", bob.display_name, harry.display_name]
    bob.full_name = "Robert"
    bob.save()
    assert "Robert" in people()


def test_detail_for_recipient_and_secretariat_only(client, harry, sam, bob, alice):
    delivery = delivery_for(harry)
    url = delivery.get_absolute_url()
    for person in (harry, sam):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200 and one_h1(response)
        html = response.content.decode()
        assert delivery.subject in html
        # The stored email sits in a sandboxed iframe, attribute-escaped; a click on one of
        # its links may take the whole window there, nothing else.
        assert 'sandbox="allow-top-navigation-by-user-activation"' in html
        assert 'srcdoc="&lt;html&gt;&lt;body&gt;&lt;h1&gt;Digest' in html
        assert "&quot;quoted&quot;" in html
        assert "Digest in plain text" in html
    for person in (bob, alice):
        client.force_login(person)
        assert client.get(url).status_code == 404


# -- preview ----------------------------------------------------------------------------
# A digest reports on a whole week and goes out on the Monday after, at 06:00 UTC.


def flag_pair(iom, ilo):
    """An open pair between an IOM and an ILO activity logged on Wednesday 25 November
    (2026-W48): something for IOM's head to review."""
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC)):
        a = ActivityFactory(agency=iom, title="IOM survey of the week")
        b = ActivityFactory(agency=ilo, title="ILO survey of the week")
    return OverlapFlag.objects.create(activity_a=a, activity_b=b, score=0.8)


@time_machine.travel(BEFORE_SEND, tick=False)
def test_preview_renders_without_sending(client, harry, ilo, iom, mailoutbox):
    flag_pair(iom, ilo)
    client.force_login(harry)
    response = client.get(reverse("digests:preview"))
    assert response.status_code == 200 and one_h1(response)
    html = response.content.decode()
    assert "2026-W48" in html and "IOM survey of the week" in html
    assert "it goes out on Monday 30 November 2026, 06:00 UTC" in html
    assert "GMG weekly: 1 pair to review — 23–29 November 2026" in html
    assert 'sandbox="allow-top-navigation-by-user-activation"' in html
    assert "would be empty" not in html
    assert "&lt;base target=&quot;_top&quot;&gt;" in html
    assert mailoutbox == [] and not DigestDelivery.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_preview_says_when_it_would_be_empty(client, bob):
    client.force_login(bob)
    response = client.get(reverse("digests:preview"))
    assert response.status_code == 200
    assert "would be empty" in response.content.decode()


@time_machine.travel(BEFORE_SEND, tick=False)
def test_secretariat_previews_someone_elses_digest(client, sam, harry, alice, iom, ilo):
    flag_pair(iom, ilo)
    client.force_login(sam)
    response = client.get(reverse("digests:preview"), {"recipient": harry.pk})
    assert response.context["recipient"] == harry
    assert "IOM survey of the week" in response.content.decode()
    assert 'for="id_recipient"' in response.content.decode()
    # Others cannot: the parameter is ignored.
    client.force_login(alice)
    response = client.get(reverse("digests:preview"), {"recipient": harry.pk})
    assert response.context["recipient"] == alice


@pytest.mark.parametrize(
    "now, label, dates, goes_out",
    [
        # Friday of 2026-W48: last week's digest (W47) went out on Monday 23 November.
        (NOW, "2026-W48", "23–29 November 2026", "Monday 30 November 2026, 06:00"),
        # Wednesday of 2026-W49: W48's went out on Monday 30 November.
        (
            datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC),
            "2026-W49",
            "30 November – 6 December 2026",
            "Monday 7 December 2026, 06:00",
        ),
    ],
)
def test_preview_after_last_weeks_digest_went_out_shows_this_weeks(
    client, harry, iom, now, label, dates, goes_out
):
    with time_machine.travel(now, tick=False):
        ActivityFactory(agency=iom, title="IOM survey logged today")
        client.force_login(harry)
        response = client.get(reverse("digests:preview"))
    assert response.context["week_label"] == label
    assert response.context["digest"].week == int(label[-2:])
    html = response.content.decode()
    # This week's as it stands, with what was logged so far; it goes out next week.
    assert f"for {dates} ({label}), as it stands now: it goes out on {goes_out} UTC" in html
    assert "1 activity new or changed that week" in response.context["text_body"]


@time_machine.travel(BEFORE_SEND, tick=False)
def test_preview_before_the_send_time_shows_last_weeks_unless_already_sent(client, harry):
    client.force_login(harry)
    assert client.get(reverse("digests:preview")).context["week_label"] == "2026-W48"
    # Sent early by hand (manage.py send_digests): the next one is this week's.
    delivery_for(harry, week=48)
    assert client.get(reverse("digests:preview")).context["week_label"] == "2026-W49"


@pytest.mark.parametrize(
    "now, expected",
    [
        (datetime.datetime(2026, 11, 27, 12, 0, tzinfo=datetime.UTC), "2026-W48"),  # W47 sent
        (datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC), "2026-W50"),  # W48 sent
        (datetime.datetime(2026, 12, 7, 5, 0, tzinfo=datetime.UTC), "2026-W50"),  # W49: odd
        # 2026 has 53 ISO weeks: after W52's digest, both W53 and 2027-W01 are odd.
        (datetime.datetime(2026, 12, 29, 12, 0, tzinfo=datetime.UTC), "2027-W02"),
    ],
)
def test_preview_for_a_biweekly_subscriber_shows_the_next_even_week(client, fiona, now, expected):
    DigestPreference.objects.create(user=fiona, frequency=Frequency.BIWEEKLY)
    with time_machine.travel(now, tick=False):
        client.force_login(fiona)
        assert client.get(reverse("digests:preview")).context["week_label"] == expected


# -- unsubscribe ------------------------------------------------------------------------


def test_unsubscribe_get_confirms_without_changing_anything(harry):
    client = Client(enforce_csrf_checks=True)
    response = client.get(reverse("digests:unsubscribe", args=[tokens.make(harry)]))
    assert response.status_code == 200 and one_h1(response)
    assert "harry@iom.example" in response.content.decode()
    assert not DigestPreference.objects.exists()


def test_unsubscribe_post_from_the_confirm_page(harry):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("digests:unsubscribe", args=[tokens.make(harry)]))
    assert response.status_code == 200
    assert DigestPreference.objects.get(user=harry).frequency == Frequency.NEVER


def test_one_click_unsubscribe_rfc_8058(harry):
    DigestPreference.objects.create(user=harry, frequency=Frequency.WEEKLY, language="en")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("digests:unsubscribe", args=[tokens.make(harry)]),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert DigestPreference.objects.get(user=harry).frequency == Frequency.NEVER


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_is_a_clear_400(harry, method):
    token = tokens.make(harry)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    client = Client(enforce_csrf_checks=True)
    for bad in (tampered, "nonsense"):
        response = getattr(client, method)(reverse("digests:unsubscribe", args=[bad]))
        assert response.status_code == 400
        assert "This unsubscribe link does not work" in response.content.decode()
        assert one_h1(response)
    assert not DigestPreference.objects.exists()


def test_token_of_a_deleted_person_is_a_400(harry):
    token = tokens.make(harry)
    harry.emailaddress_set.all().delete()
    harry.delete()
    assert Client().post(reverse("digests:unsubscribe", args=[token])).status_code == 400


def test_nav_has_a_digests_link_for_signed_in_people(client, alice):
    client.force_login(alice)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("digests:archive")}"' in html
