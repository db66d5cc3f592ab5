"""Page behaviour: accessible fields, friendly errors, filters, fixed query counts.

The guards over every URL (one h1, a skip link, labelled fields, escaping) are in
test_sitewide.py.
"""

import pytest
from django.urls import reverse

from .factories import ActivityFactory, JointInitiativeFactory, refreshed
from .markup import Page
from .test_activity_access import form_data


def test_an_invalid_field_is_tied_to_its_help_text_and_error(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("activities:create"),
        form_data(start_date="2026-05-01", end_date="2026-04-30", priorities=[]),
    )
    assert response.status_code == 200
    page = Page(response.content.decode())

    end = page.by_id("id_end_date")
    assert end.attrs["aria-invalid"] == "true"
    assert end.attrs["aria-describedby"].split() == ["id_end_date_helptext", "id_end_date_error"]
    assert page.by_id("id_end_date_helptext").text == "Leave empty while it is ongoing."
    assert page.by_id("id_end_date_error").text == "The end date cannot be before the start date."
    assert page.has_label(end)

    # A checkbox group is a fieldset named by its legend and described as a whole.
    error = page.by_id("id_priorities_error")
    assert "Choose at least one priority" in error.text
    fieldset = error.ancestors[-1]
    assert fieldset.tag == "fieldset"
    assert fieldset.attrs["aria-describedby"] == "id_priorities_error"
    assert [e for e in page.all("legend") if fieldset in e.ancestors]
    boxes = [e for e in page.form_fields() if e.attrs.get("name") == "priorities"]
    assert boxes and all(page.has_label(box) for box in boxes)

    # A valid field says nothing it does not need to.
    title = page.by_id("id_title")
    assert "aria-invalid" not in title.attrs and "aria-describedby" not in title.attrs


def test_unknown_url_gets_a_friendly_404(client, alice, settings):
    settings.DEBUG = False
    client.force_login(alice)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("path", ["/priorities/%00/", "/agencies/%00/", "/activities/%00/"])
def test_nul_bytes_in_urls_are_a_404(client, alice, settings, path):
    settings.DEBUG = False
    client.force_login(alice)
    assert client.get(path).status_code == 404


def test_garbage_filter_values_do_not_break_the_list(client, alice):
    client.force_login(alice)
    response = client.get(
        reverse("activities:list")
        + "?country=ZZZ&priority=q&running_from=not-a-date&page=abc&agency=nobody"
    )
    assert response.status_code == 200


def test_filtered_list_finds_by_region(client, alice, iom):
    from geo.models import Region

    ActivityFactory(agency=iom, title="Sahel mobility study", countries=["MLI"])
    ActivityFactory(agency=iom, title="Andean labour study", countries=["PER"])
    client.force_login(alice)
    western_africa = Region.objects.get(name="Western Africa")
    html = client.get(reverse("activities:list") + f"?region={western_africa.pk}").content.decode()
    assert "Sahel mobility study" in html
    assert "Andean labour study" not in html


def test_region_wide_activity_counts_in_its_countries(client, alice, iom):
    from geo.models import Region

    activity = ActivityFactory(agency=iom, title="West African survey", countries=[])
    activity.regions.set([Region.objects.get(name="Western Africa")])
    refreshed(activity)
    client.force_login(alice)
    html = client.get(reverse("activities:list") + "?country=SEN").content.decode()
    assert "West African survey" in html


def test_period_filter_keeps_open_ended_activities(client, alice, iom):
    import datetime

    ActivityFactory(
        agency=iom, title="Still running", start_date=datetime.date(2020, 1, 1), end_date=None
    )
    ActivityFactory(
        agency=iom,
        title="Long finished",
        start_date=datetime.date(2019, 1, 1),
        end_date=datetime.date(2019, 6, 1),
    )
    client.force_login(alice)
    html = client.get(
        reverse("activities:list") + "?running_from=2026-01-01&running_to=2026-12-31"
    ).content.decode()
    assert "Still running" in html
    assert "Long finished" not in html


@pytest.mark.parametrize(
    "name,args",
    [
        ("activities:list", []),
        ("dashboard", []),
        ("agency-detail", ["iom"]),
        ("priority-detail", ["b"]),
        ("initiatives:initiative-list", []),
        ("agency-list", []),
        ("priority-list", []),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(
    client, sam, iom, ilo, name, args, django_assert_max_num_queries
):
    client.force_login(sam)
    url = reverse(name, args=args)

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    initiative = JointInitiativeFactory(lead_agency=iom)
    ActivityFactory(agency=iom, initiative=initiative)
    few = count_queries()
    for _ in range(15):
        ActivityFactory(agency=iom, initiative=initiative)
        ActivityFactory(agency=ilo)
        JointInitiativeFactory(lead_agency=ilo)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200
