"""Any input to the forms, as a person who may write: never a server error, nothing half-saved.

Each form is posted with values drawn by Hypothesis: text with control characters, NUL
(which PostgreSQL refuses in text), very long strings and any Unicode; dates, numbers and
choices that are sometimes valid and sometimes anything at all. A redirect means it was saved
and the saved object is valid; anything else leaves every row of the app as it was.

Few examples per form by default, for a suite on a busy machine; GMG_FUZZ_EXAMPLES=50 (or
more) searches harder, as all the fuzz modules do.
"""

import datetime
import os

import pytest
from django import forms
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overlaps.forms import CommentForm, DecisionForm
from overlaps.models import OverlapFlag

from .factories import ActivityFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("GMG_FUZZ_EXAMPLES", 4)),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character but a lone surrogate (which no browser can send as UTF-8): control
# characters and NUL included.
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
NASTY_TEXT = st.one_of(
    ANY_TEXT,
    st.sampled_from(["\x00", "a\x00b", "\r\n", "\u202e", "\ufeff", " ", "0", "-1", "%s", "'"]),
    # Longer than any column.
    st.builds(
        lambda piece, n: piece * n, st.sampled_from(["x", "é", "\x00", "𝔘"]), st.integers(256, 6000)
    ),
)
DATES = st.dates(datetime.date(1, 1, 1), datetime.date(9999, 12, 31)).map(str)
NUMBERS = st.one_of(st.integers(), st.integers(-10, 10)).map(str)


def valid_choices(field):
    values = [str(value) for value, _label in field.choices if str(value) != ""]
    # A few are enough to hit both valid and invalid combinations; a long list (countries)
    # would only slow the search.
    return values[:12] or ["1"]


# What a person could well type: any printable text, no control characters.
GOOD_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60)
GOOD_DATES = st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)).map(str)


def valid_strategy(field):
    """A value the field itself accepts (the form as a whole may still refuse it)."""
    if isinstance(field, forms.FileField):
        return st.none()
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(st.sampled_from(valid_choices(field)), min_size=1, max_size=3)
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return st.sampled_from(valid_choices(field))
    if isinstance(field, forms.DateField):
        return GOOD_DATES
    if isinstance(field, forms.IntegerField):
        # A hidden version field expects the one it was given; a year something plausible.
        if field.initial is not None and not callable(field.initial):
            return st.just(str(field.initial))
        return st.integers(1990, 2030).map(str)
    if isinstance(field, forms.EmailField):
        return st.emails()
    if isinstance(field, forms.URLField):
        return st.sampled_from(["https://example.org/report", "http://x.org"])
    return GOOD_TEXT


def nasty_strategy(field):
    """Anything at all, in the shape the field is posted in."""
    if isinstance(field, forms.FileField):
        return st.none()
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return st.lists(NASTY_TEXT, max_size=3)
    return st.one_of(NASTY_TEXT, DATES, NUMBERS)


@st.composite
def post_data(draw, form_fields):
    """Every field valid but a few (none to all) broken: saves are reached as well as refusals."""
    names = list(form_fields)
    broken = draw(st.sets(st.sampled_from(names), max_size=len(names))) if names else set()
    data = {}
    for name, field in form_fields.items():
        value = draw(nasty_strategy(field) if name in broken else valid_strategy(field))
        if value is not None:
            data[name] = value
    return data


def row_counts(*app_labels):
    return {
        model._meta.label: model._base_manager.count()
        for label in app_labels
        for model in apps.get_app_config(label).get_models()
    }


def changed(before, after):
    return {name for name in after if after[name] != before.get(name)}


class Fuzzer:
    """Posts one form again and again, each example inside a savepoint rolled back."""

    def __init__(self, client, url, app_labels):
        self.client = client
        self.url = url
        self.app_labels = app_labels

    def post(self, data):
        with transaction.atomic():
            before = row_counts(*self.app_labels)
            response = self.client.post(self.url, data)
            after = row_counts(*self.app_labels)
            if response.status_code == 302:
                for label in changed(before, after):
                    # What was saved is whole: the newest row passes its model's checks.
                    apps.get_model(label)._base_manager.order_by("-pk").first().full_clean()
            transaction.set_rollback(True)
        assert response.status_code != 500
        if response.status_code == 302:
            assert changed(before, after), "a redirect but nothing saved"
        else:
            assert response.status_code in (200, 400), response.status_code
            assert before == after, changed(before, after)
        return response


def fuzz_form(client, url, app_labels, form_fields, check_saved=None):
    fuzzer = Fuzzer(client, url, app_labels)

    @FUZZ
    @given(data=post_data(form_fields))
    def run(data):
        fuzzer.post(data)

    run()


@pytest.fixture
def secretariat_client(sam):
    # Exceptions propagate: a server error shows its traceback in the failure.
    client = Client()
    client.force_login(sam)
    return client


def form_fields_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.context["form"].fields


CREATE_FORMS = [
    ("activities:create", ["activities"]),
    ("initiatives:create", ["initiatives"]),
    ("positions:create", ["positions"]),
    ("processes:process-create", ["processes"]),
    ("states:engagement-create", ["states"]),
    ("states:request-create", ["states"]),
    ("capacity:training-create", ["capacity"]),
    ("capacity:transfer-create", ["capacity"]),
    ("governance:meeting-create", ["governance"]),
    ("library:create", ["library"]),
]


@pytest.mark.parametrize(("name", "app_labels"), CREATE_FORMS)
def test_a_create_form_takes_any_input_without_a_server_error(secretariat_client, name, app_labels):
    url = reverse(name)
    fuzz_form(secretariat_client, url, app_labels, form_fields_of(secretariat_client, url))


def test_the_activity_edit_form_takes_any_input_without_a_server_error(client, fiona, iom):
    activity = ActivityFactory(agency=iom)
    client.force_login(fiona)
    url = reverse("activities:edit", args=[activity.pk])
    fields = form_fields_of(client, url)

    @FUZZ
    @given(data=post_data(fields), keep_version=st.booleans())
    def run(data, keep_version):
        if keep_version:
            # The version the page showed: the edit reaches validation and the save.
            data["version"] = str(activity.version)
        with transaction.atomic():
            response = client.post(url, data)
            saved = type(activity).objects.get(pk=activity.pk)
            transaction.set_rollback(True)
        assert response.status_code in (200, 302, 400)
        if response.status_code == 302:
            saved.full_clean()
            assert saved.version == activity.version + 1
        else:
            assert saved.version == activity.version

    run()


@pytest.fixture
def flag(iom, ilo):
    a, b = sorted((ActivityFactory(agency=iom), ActivityFactory(agency=ilo)), key=lambda x: x.pk)
    return OverlapFlag.objects.create(activity_a=a, activity_b=b, score=0.8, reasons={})


def test_the_overlap_comment_form_takes_any_input(secretariat_client, flag):
    url = reverse("overlaps:flag-comment", args=[flag.pk])
    fuzz_form(secretariat_client, url, ["overlaps"], CommentForm().fields)


def test_the_overlap_decision_form_takes_any_input(secretariat_client, flag):
    url = reverse("overlaps:flag-decide", args=[flag.pk])
    fields = DecisionForm(flag=flag).fields
    fuzzer = Fuzzer(secretariat_client, url, ["overlaps"])

    @FUZZ
    @given(data=post_data(fields), keep_version=st.booleans())
    def run(data, keep_version):
        if keep_version:
            data["version"] = str(flag.version)
        fuzzer.post(data)

    run()


def test_the_similar_work_panel_takes_any_draft(client, fiona):
    # Asked for as the person types: nothing saved, whatever the draft holds.
    client.force_login(fiona)
    fields = form_fields_of(client, reverse("activities:create"))
    fuzzer = Fuzzer(client, reverse("overlaps:similar-to-draft"), ["activities", "overlaps"])

    @FUZZ
    @given(data=post_data(fields))
    def run(data):
        assert fuzzer.post(data).status_code == 200

    run()


def test_the_header_search_takes_any_words(client, alice):
    client.force_login(alice)

    @FUZZ
    @given(q=NASTY_TEXT, kind=st.sampled_from(["", "initiatives", "agencies", "\x00"]))
    def run(q, kind):
        assert client.get(reverse("search"), {"q": q, "kind": kind}).status_code == 200

    run()
