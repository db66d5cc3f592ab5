"""Joint trainings and inter-agency transfers: who may do what, what the forms and services
refuse (field by field, with nothing half-saved), the participants formset, the lists, the
CSV files and the priority page.

Alice is IOM staff, Fiona IOM's focal point, Harry IOM's head, Bob ILO staff, Sam the
secretariat.
"""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from capacity import services
from capacity.models import Training, TrainingParticipants, Transfer
from geo.models import Country
from priorities.models import Priority

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unfpa(db):
    return Agency.objects.get(acronym="UNFPA")


@pytest.fixture
def kenya(db):
    return Country.objects.get(iso3="KEN")


def make_training(lead, by, *, title="Migration data course", organisers=(), participants=(), **kw):
    fields = {"start_date": datetime.date(2031, 3, 1), "online": True, **kw}
    return services.training_create(
        lead_agency=lead,
        by=by,
        organisers=organisers,
        participants=participants,
        title=title,
        **fields,
    )


@pytest.fixture
def training(iom, alice, unfpa):
    return make_training(iom, alice, organisers=[unfpa], participants=[(iom, 4), (unfpa, 3)])


@pytest.fixture
def transfer(iom, ilo, alice):
    return services.transfer_create(
        by=alice,
        kind="secondment",
        person_name="Jo Doe",
        from_agency=iom,
        to_agency=ilo,
        start_date=datetime.date(2030, 1, 1),
        end_date=datetime.date(2030, 12, 31),
        purpose="Labour migration statistics",
    )


def formset_data(rows, initial=0):
    data = {
        "participants-TOTAL_FORMS": str(len(rows)),
        "participants-INITIAL_FORMS": str(initial),
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "100",
    }
    for i, (agency, number) in enumerate(rows):
        data[f"participants-{i}-agency"] = str(agency.pk) if agency else ""
        data[f"participants-{i}-participants"] = str(number) if number is not None else ""
    return data


def training_data(rows=(), **overrides):
    data = {
        "title": "Training on return and reintegration",
        "description": "Three days.",
        "start_date": "2031-05-10",
        "end_date": "2031-05-12",
        "online": "on",
        "city": "",
        "materials": "https://example.org/slides",
        "priorities": [str(Priority.objects.get(code="b").pk)],
        **formset_data(rows),
    }
    data.update(overrides)
    return data


def transfer_data(from_agency, to_agency, **overrides):
    data = {
        "kind": "secondment",
        "person_name": "",
        "from_agency": str(from_agency.pk),
        "to_agency": str(to_agency.pk),
        "start_date": "2031-01-01",
        "end_date": "2031-06-30",
        "purpose": "Data work",
    }
    data.update(overrides)
    return data


# -- permissions ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_from_every_page(client, training, transfer):
    for name, args in [
        ("capacity:training-list", []),
        ("capacity:training-export", []),
        ("capacity:training-create", []),
        ("capacity:training-detail", [training.pk]),
        ("capacity:training-edit", [training.pk]),
        ("capacity:training-delete", [training.pk]),
        ("capacity:transfer-list", []),
        ("capacity:transfer-export", []),
        ("capacity:transfer-create", []),
        ("capacity:transfer-detail", [transfer.pk]),
        ("capacity:transfer-edit", [transfer.pk]),
        ("capacity:transfer-delete", [transfer.pk]),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302, name
        assert reverse("account_login") in response["Location"]


def test_organisers_and_secretariat_edit_a_training_others_read(
    client, training, alice, fiona, harry, bob, sam, unfpa
):
    edit = reverse("capacity:training-edit", args=[training.pk])
    delete = reverse("capacity:training-delete", args=[training.pk])
    detail = reverse("capacity:training-detail", args=[training.pk])
    unfpa_staff = UserFactory(email="u@unfpa.example", agency=unfpa)
    for person in (alice, fiona, sam, unfpa_staff):
        client.force_login(person)
        assert client.get(edit).status_code == 200
        assert client.get(delete).status_code == 200
    for person in (harry, bob):
        client.force_login(person)
        assert client.get(detail).status_code == 200
        assert client.get(edit).status_code == 403
        assert client.post(delete, {"confirm": "on"}).status_code == 403
    assert Training.objects.filter(pk=training.pk).exists()
    client.force_login(harry)
    assert client.get(reverse("capacity:training-create")).status_code == 403


def test_a_co_organiser_deletes(client, training, unfpa):
    client.force_login(UserFactory(email="u@unfpa.example", agency=unfpa))
    response = client.post(
        reverse("capacity:training-delete", args=[training.pk]), {"confirm": "on"}
    )
    assert response.status_code == 302
    assert not Training.objects.filter(pk=training.pk).exists()
    assert not TrainingParticipants.objects.filter(training_id=training.pk).exists()


def test_both_agencies_and_secretariat_edit_a_transfer_others_read(
    client, transfer, alice, bob, harry, sam, unfpa
):
    edit = reverse("capacity:transfer-edit", args=[transfer.pk])
    for person in (alice, bob, sam):
        client.force_login(person)
        assert client.get(edit).status_code == 200
    outsider = UserFactory(email="u@unfpa.example", agency=unfpa)
    for person in (harry, outsider):
        client.force_login(person)
        assert client.get(transfer.get_absolute_url()).status_code == 200
        assert client.get(edit).status_code == 403
        delete = reverse("capacity:transfer-delete", args=[transfer.pk])
        assert client.post(delete, {"confirm": "on"}).status_code == 403
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_staff_record_transfers_only_of_their_own_agency(client, bob, iom, unfpa, sam):
    client.force_login(bob)
    url = reverse("capacity:transfer-create")
    response = client.post(url, transfer_data(iom, unfpa))
    assert response.status_code == 200
    assert "from_agency" in response.context["form"].errors
    assert not Transfer.objects.exists()
    client.force_login(sam)
    assert client.post(url, transfer_data(iom, unfpa)).status_code == 302
    assert Transfer.objects.get().to_agency == unfpa


# -- constraints and field errors -------------------------------------------------------------


def test_a_transfer_to_the_same_agency_is_a_field_error(client, alice, iom):
    client.force_login(alice)
    response = client.post(reverse("capacity:transfer-create"), transfer_data(iom, iom))
    assert response.status_code == 200
    assert response.context["form"].errors["to_agency"]
    assert not Transfer.objects.exists()


def test_a_transfer_ending_before_it_starts_is_a_field_error(client, alice, iom, ilo):
    client.force_login(alice)
    response = client.post(
        reverse("capacity:transfer-create"), transfer_data(iom, ilo, end_date="2030-01-01")
    )
    assert response.context["form"].errors["end_date"]
    assert not Transfer.objects.exists()


def test_the_database_refuses_what_the_forms_refuse(iom, ilo):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind="loan",
            from_agency=iom,
            to_agency=iom,
            start_date=datetime.date(2030, 1, 1),
            purpose="x",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind="loan",
            from_agency=iom,
            to_agency=ilo,
            start_date=datetime.date(2030, 1, 1),
            end_date=datetime.date(2029, 1, 1),
            purpose="x",
        )


def test_a_bad_training_saves_nothing_not_even_its_participants(client, alice, iom, ilo):
    client.force_login(alice)
    response = client.post(
        reverse("capacity:training-create"),
        training_data([(iom, 3), (ilo, 2)], end_date="2031-05-01"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end_date"]
    assert not Training.objects.exists()
    assert not TrainingParticipants.objects.exists()


def test_a_training_in_person_needs_a_country(client, alice, kenya):
    client.force_login(alice)
    url = reverse("capacity:training-create")
    data = training_data(online="", city="Nairobi")
    response = client.post(url, data)
    assert response.context["form"].errors["country"]
    assert not Training.objects.exists()
    assert client.post(url, {**data, "country": kenya.pk}).status_code == 302
    assert Training.objects.get().place == "Nairobi, Kenya"


def test_materials_must_be_links(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("capacity:training-create"), training_data(materials="not a link")
    )
    assert response.context["form"].errors["materials"]
    assert not Training.objects.exists()


# -- the participants formset -----------------------------------------------------------------


def test_participants_are_saved_with_the_training_and_totalled_in_sql(client, alice, iom, ilo):
    client.force_login(alice)
    response = client.post(
        reverse("capacity:training-create"), training_data([(iom, 3), (ilo, 2), (None, None)])
    )
    assert response.status_code == 302
    training = Training.objects.with_total().get()
    assert training.participant_total == 5
    assert {(r.agency.acronym, r.participants) for r in training.participants.all()} == {
        ("IOM", 3),
        ("ILO", 2),
    }
    assert training.lead_agency == iom
    assert set(training.priorities.values_list("code", flat=True)) == {"b", "l"}
    detail = client.get(training.get_absolute_url())
    assert detail.context["training"].participant_total == 5


def test_an_agency_listed_twice_is_an_error_on_its_row(client, alice, iom, ilo):
    client.force_login(alice)
    response = client.post(
        reverse("capacity:training-create"), training_data([(iom, 3), (ilo, 2), (iom, 1)])
    )
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.forms[2].errors["agency"]
    assert not formset.forms[0].errors
    assert not Training.objects.exists()
    assert not TrainingParticipants.objects.exists()


def test_editing_replaces_the_participants(client, training, alice, ilo, unfpa):
    client.force_login(alice)
    data = training_data(
        [(ilo, 7), (unfpa, 3)], title=training.title, version=str(training.version)
    )
    data["participants-INITIAL_FORMS"] = "2"
    data["participants-1-DELETE"] = "on"
    response = client.post(reverse("capacity:training-edit", args=[training.pk]), data)
    assert response.status_code == 302
    rows = list(training.participants.values_list("agency__acronym", "participants"))
    assert rows == [("ILO", 7)]


def test_the_service_refuses_duplicates_too(iom, alice):
    with pytest.raises(Exception) as raised:
        make_training(iom, alice, participants=[(iom, 1), (iom, 2)])
    assert "participants" in raised.value.message_dict
    assert not Training.objects.exists()


# -- lists, CSV, priority page ----------------------------------------------------------------


def test_the_list_filters_by_agency_country_year_online_and_priority(
    client, alice, iom, ilo, unfpa, kenya
):
    make_training(iom, alice, title="Online on data", organisers=[unfpa])
    make_training(
        ilo,
        None,
        title="Nairobi workshop",
        online=False,
        country=kenya,
        start_date=datetime.date(2020, 6, 1),
    )
    client.force_login(alice)
    url = reverse("capacity:training-list")

    def titles(**query):
        page = client.get(url, query).context["page"]
        return sorted(t.title for t in page.object_list)

    assert titles(agency="unfpa") == ["Online on data"]
    assert titles(country="KEN") == ["Nairobi workshop"]
    assert titles(year="2020") == ["Nairobi workshop"]
    assert titles(online="true") == ["Online on data"]
    assert titles(priority="l") == ["Nairobi workshop", "Online on data"]
    assert titles(q="nairobi") == ["Nairobi workshop"]
    assert titles(sort="title") == ["Nairobi workshop", "Online on data"]
    assert titles(status="planned") == ["Online on data"]
    assert titles(status="held") == ["Nairobi workshop"]


def test_the_training_csv_has_a_row_each_with_totals(client, training, alice):
    make_training(training.lead_agency, alice, title="=HYPERLINK(1)")
    client.force_login(alice)
    response = client.get(reverse("capacity:training-export"), {"q": "data"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["title"] for row in rows] == ["Migration data course"]
    assert rows[0]["participants"] == "7"
    assert rows[0]["organisers"] == "IOM;UNFPA"
    everything = client.get(reverse("capacity:training-export")).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in everything


def test_the_transfer_csv_and_filters(client, transfer, alice, unfpa):
    client.force_login(alice)
    url = reverse("capacity:transfer-list")
    assert list(client.get(url, {"agency": "ilo"}).context["page"].object_list) == [transfer]
    assert list(client.get(url, {"agency": "unfpa"}).context["page"].object_list) == []
    assert list(client.get(url, {"year": "2030"}).context["page"].object_list) == [transfer]
    assert list(client.get(url, {"year": "2031"}).context["page"].object_list) == []
    response = client.get(reverse("capacity:transfer-export"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["person"], r["from_agency"], r["to_agency"]) for r in rows] == [
        ("Jo Doe", "IOM", "ILO")
    ]
    assert rows[0]["priorities"] == "l"


def test_an_undisclosed_person_is_shown_as_such(client, alice, iom, ilo):
    client.force_login(alice)
    client.post(reverse("capacity:transfer-create"), transfer_data(iom, ilo))
    transfer = Transfer.objects.get()
    assert "Name not disclosed" in client.get(transfer.get_absolute_url()).content.decode()


def test_the_priority_page_lists_trainings_and_transfers(client, training, transfer, alice):
    client.force_login(alice)
    page = client.get(reverse("priority-detail", args=["l"])).content.decode()
    assert training.title in page
    assert "Jo Doe" in page
    other = client.get(reverse("priority-detail", args=["b"])).content.decode()
    assert training.title not in other


def test_list_queries_do_not_grow_with_rows(client, alice, iom, ilo, unfpa):
    def count(url):
        # A first request fills what is kept until the data changes (the priority page's
        # counts of activities): the second one is counted, as in test_query_budgets.
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.force_login(alice)
    urls = [
        reverse("capacity:training-list"),
        reverse("capacity:transfer-list"),
        reverse("capacity:training-export"),
        reverse("capacity:transfer-export"),
        reverse("priority-detail", args=["l"]),
    ]

    def add(n):
        for i in range(n):
            make_training(iom, alice, title=f"T{i}", organisers=[unfpa], participants=[(ilo, 2)])
            services.transfer_create(
                by=alice,
                kind="loan",
                from_agency=iom,
                to_agency=ilo,
                start_date=datetime.date(2030, 1, 1),
                purpose="p",
            )

    add(2)
    few = [count(url) for url in urls]
    add(8)
    assert [count(url) for url in urls] == few


def test_the_priority_page_counts_every_transfer_beyond_its_preview(client, alice, iom, ilo):
    from capacity.selectors import PRIORITY_PREVIEW

    for i in range(PRIORITY_PREVIEW + 2):
        services.transfer_create(
            by=alice,
            kind="loan",
            person_name=f"Person {i}",
            from_agency=iom,
            to_agency=ilo,
            start_date=datetime.date(2030, 1, 1),
            purpose="p",
        )
    client.force_login(alice)
    response = client.get(reverse("priority-detail", args=["l"]))
    section = response.context["capacity"]
    assert len(section.transfers) == PRIORITY_PREVIEW
    assert section.transfer_total == PRIORITY_PREVIEW + 2
    assert section.training_total == 0 and section.trainings == []
    assert f"See all {PRIORITY_PREVIEW + 2} transfers" in response.content.decode()


def test_a_priority_that_does_not_exist_is_not_found(client, alice):
    client.force_login(alice)
    assert client.get(reverse("priority-detail", args=["zz"])).status_code == 404


def test_the_priority_page_reads_the_previews_relations_as_prefetching_would(
    alice, iom, ilo, unfpa, django_assert_num_queries
):
    from agencies.cached import agencies
    from common.links import attach_many
    from priorities.cached import priorities

    b = Priority.objects.get(code="b")
    make_training(iom, alice, title="One", organisers=[unfpa, ilo], priorities=[b])
    make_training(iom, alice, title="Two", organisers=[])
    services.transfer_create(
        by=alice,
        kind="loan",
        person_name="Jo Doe",
        from_agency=iom,
        to_agency=ilo,
        start_date=datetime.date(2030, 1, 1),
        purpose="p",
        priorities=[b],
    )
    expected = [
        [
            (list(t.organisers.all()), list(t.priorities.all()))
            for t in Training.objects.order_by("title")
        ],
        [list(t.priorities.all()) for t in Transfer.objects.order_by("pk")],
    ]
    trainings = list(Training.objects.order_by("title"))
    transfers = list(Transfer.objects.order_by("pk"))
    agency_rows, priority_rows = agencies(), priorities()
    with django_assert_num_queries(1):
        attach_many(
            [
                (trainings, "organisers", agency_rows),
                (trainings, "priorities", priority_rows),
                (transfers, "priorities", priority_rows),
                ([], "priorities", priority_rows),
            ]
        )
        found = [
            [(list(t.organisers.all()), list(t.priorities.all())) for t in trainings],
            [list(t.priorities.all()) for t in transfers],
        ]
    assert found == expected
    assert len(found[0][0][0]) >= 2 and all(ps for _, ps in found[0]) and all(found[1])
