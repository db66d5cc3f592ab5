"""The activity entry form as staff meet it: the place pickers, and the check for similar
work by other agencies, which runs on a half-filled form and saves nothing."""

from django.contrib.staticfiles import finders
from django.urls import reverse

from activities.models import Activity

from .markup import Page
from .test_activity_access import form_data


def field(page, name):
    (element,) = [e for e in page.elements if e.attrs.get("name") == name]
    return element


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


def test_the_edit_form_shows_the_chosen_places_selected(client, alice, iom):
    from .factories import ActivityFactory

    activity = ActivityFactory(agency=iom)
    activity.countries.set(["KEN", "UGA"])
    client.force_login(alice)
    page = Page(client.get(reverse("activities:edit", args=[activity.pk])).content.decode())
    chosen = {
        e.attrs["value"]
        for e in page.elements
        if e.tag == "option" and "selected" in e.attrs and e.inside("select")
    }
    assert {"KEN", "UGA"} <= chosen
