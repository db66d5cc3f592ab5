"""The activity entry form as staff meet it: the place pickers, and the check for similar
work by other agencies, which runs on a half-filled form and saves nothing."""

import datetime

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from activities.models import Activity

from .factories import ActivityFactory
from .markup import Page
from .test_activity_access import form_data
from .test_overlap_flow import ILO_TEXT, log


def field(page, name):
    (element,) = [e for e in page.elements if e.attrs.get("name") == name]
    return element


def chosen(page, name):
    """The values selected in the <select> called `name`."""
    select = field(page, name)
    return {
        e.attrs["value"]
        for e in page.elements
        if e.tag == "option" and "selected" in e.attrs and select in e.ancestors
    }


@pytest.fixture
def iom_activity(iom):
    return ActivityFactory(agency=iom)


# -- the place pickers -------------------------------------------------------------------


def test_places_are_a_plain_multiple_select_that_the_picker_script_enhances(client, alice):
    client.force_login(alice)
    html = client.get(reverse("activities:create")).content.decode()
    page = Page(html)
    for name in ("countries", "regions"):
        select = field(page, name)
        # Without the script this is an ordinary list box with every place in it.
        assert select.tag == "select" and "multiple" in select.attrs
        assert "data-picker" in select.attrs
        assert select.attrs["data-picker-remove"] == "Remove %(item)s"
        assert page.has_label(select)
    options = [e for e in page.elements if e.tag == "option" and e.inside("select")]
    assert any(o.attrs.get("value") == "KEN" for o in options)
    assert len([o for o in options if o.attrs.get("value", "").isalpha()]) > 200
    # The script comes from the installed packages, not from another site.
    for path in ("django_tomselect/js/django-tomselect.min.js", "js/picker.js"):
        assert f'src="/static/{path}"' in html
        assert finders.find(path), path
    assert "https://" not in "".join(
        e.attrs.get("src", "") + e.attrs.get("href", "") for e in page.all("script")
    )


def test_several_countries_posted_without_the_script_are_all_saved(client, alice):
    # What the plain <select multiple> sends: one `countries` value per chosen place.
    client.force_login(alice)
    response = client.post(reverse("activities:create"), form_data(countries=["KEN", "UGA", "TZA"]))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert set(activity.countries.values_list("iso3", flat=True)) == {"KEN", "UGA", "TZA"}


def test_the_edit_form_shows_the_chosen_places_selected(client, alice, iom_activity):
    iom_activity.countries.set(["KEN", "UGA"])
    client.force_login(alice)
    url = reverse("activities:edit", args=[iom_activity.pk])
    page = Page(client.get(url).content.decode())
    assert chosen(page, "countries") == {"KEN", "UGA"}


# -- "Check for similar activities first" -------------------------------------------------


@pytest.fixture
def ilo_work(ilo, bob):
    """ILO's reintegration work in Kenya, running now."""
    today = timezone.localdate()
    return log(
        ilo,
        bob,
        "ILO-1",
        ILO_TEXT,
        start_date=today - datetime.timedelta(days=60),
        end_date=None,
    )


HALF_FILLED = {
    # What a person has typed before reaching the reference, dates and priorities.
    "title": ILO_TEXT[0],
    "description": ILO_TEXT[1],
    "countries": ["KEN"],
}


def test_check_on_a_half_filled_form_lists_similar_work_and_saves_nothing(client, alice, ilo_work):
    client.force_login(alice)
    response = client.post(reverse("activities:create"), {**HALF_FILLED, "action": "check"})
    assert response.status_code == 200
    html = response.content.decode()
    page = Page(html)
    panel = page.by_id("similar-panel")
    assert ILO_TEXT[0] in panel.text
    assert "Check them before you log yours" in panel.text
    # Nothing asked for yet is reported missing: this was a check, not a save.
    assert "This field is required" not in html
    assert page.by_id("error-summary") is None
    assert not [e for e in page.elements if "errorlist" in e.attrs.get("class", "")]
    assert 'aria-invalid="true"' not in html
    # What was typed comes back in the form.
    assert field(page, "title").attrs["value"] == ILO_TEXT[0]
    assert chosen(page, "countries") == {"KEN"}
    assert not Activity.objects.filter(agency=alice.agency).exists()


def test_check_without_a_start_date_compares_with_work_running_now_or_planned(
    client, alice, ilo, bob
):
    today = timezone.localdate()
    ended = log(
        ilo,
        bob,
        "ILO-OLD",
        ILO_TEXT,
        start_date=today - datetime.timedelta(days=800),
        end_date=today - datetime.timedelta(days=400),
    )
    planned = log(
        ilo,
        bob,
        "ILO-NEXT",
        ILO_TEXT,
        start_date=today + datetime.timedelta(days=90),
        end_date=None,
    )
    client.force_login(alice)
    response = client.post(reverse("activities:create"), {**HALF_FILLED, "action": "check"})
    panel = response.context["similar"]
    assert [activity for activity, _score in panel] == [planned]
    assert ended.reference not in response.content.decode()
    assert "Without a start date" in response.content.decode()


def test_check_says_what_is_missing_before_it_can_look(client, alice, ilo_work):
    client.force_login(alice)
    url = reverse("activities:create")
    no_place = client.post(url, {**HALF_FILLED, "countries": [], "action": "check"})
    panel = Page(no_place.content.decode()).by_id("similar-panel").text
    assert "Choose the countries or regions" in panel
    assert ILO_TEXT[0] not in panel
    no_text = client.post(url, {"countries": ["KEN"], "action": "check"})
    assert "Fill in a title or description" in no_text.content.decode()


def test_check_while_editing_speaks_of_saving_changes_and_skips_the_activity_itself(
    client, alice, iom, ilo_work
):
    mine = log(iom, alice, "IOM-1", ILO_TEXT, start_date=ilo_work.start_date)
    client.force_login(alice)
    response = client.post(
        reverse("activities:edit", args=[mine.pk]),
        {**HALF_FILLED, "version": mine.version, "action": "check"},
    )
    similar = [activity for activity, _score in response.context["similar"]]
    assert similar == [ilo_work]
    assert "Check them before you save your changes" in response.content.decode()
    mine.refresh_from_db()
    assert mine.version == 1


def test_after_saving_the_panel_no_longer_says_check_before_you_log(
    client, alice, iom, ilo_work, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine = log(iom, alice, "IOM-1", ILO_TEXT, start_date=ilo_work.start_date)
    client.force_login(alice)
    html = client.get(mine.get_absolute_url()).content.decode()
    panel = Page(html).by_id("similar-heading")
    assert panel is not None
    assert ILO_TEXT[0] in html
    assert "looks like this one" in html
    assert "before you log yours" not in html


# -- the panel's own endpoint (asked for while typing) ------------------------------------


def panel_url(activity=None):
    if activity is None:
        return reverse("overlaps:similar-to-draft")
    return reverse("overlaps:similar-to-draft", args=[activity.pk])


def test_panel_endpoint_sends_visitors_to_sign_in(client, iom_activity):
    for url in (panel_url(), panel_url(iom_activity)):
        response = client.post(url, HALF_FILLED)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        # Asked for by the page's script: refused, rather than a sign-in page in the panel.
        assert client.post(url, HALF_FILLED, HTTP_HX_REQUEST="true").status_code == 403


def test_panel_endpoint_is_for_those_who_may_fill_in_the_form(client, harry, bob, iom_activity):
    client.force_login(harry)  # reads everything, logs nothing
    assert client.post(panel_url(), HALF_FILLED).status_code == 403
    client.force_login(bob)  # may log for ILO, not change IOM's activity
    assert client.post(panel_url(), HALF_FILLED).status_code == 200
    assert client.post(panel_url(iom_activity), HALF_FILLED).status_code == 403
    assert client.get(panel_url()).status_code == 405


def test_panel_endpoint_needs_the_forms_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(panel_url(), HALF_FILLED).status_code == 403


def test_panel_endpoint_answers_with_the_panel_for_what_is_typed(client, alice, ilo_work):
    client.force_login(alice)
    response = client.post(panel_url(), HALF_FILLED, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the panel alone
    page = Page(html)
    (link,) = [a for a in page.all("a") if a.attrs.get("href") == ilo_work.get_absolute_url()]
    assert ILO_TEXT[0] in link.text
    summary = [e for e in page.elements if "similar-summary" in e.attrs.get("class", "")]
    assert summary[0].text == "One activity by another agency looks like yours."
    assert not Activity.objects.filter(agency=alice.agency).exists()
