"""Flags follow the activities: incremental re-scoring on save, decisions that survive scans."""

import datetime
import io

import pytest
from django.core.management import call_command

from activities import services as activity_services
from activities.models import Activity
from geo.models import Country
from overlaps import review, services
from overlaps.models import OverlapFlag
from priorities.models import Priority

IOM_TEXT = (
    "Reintegration assistance for migrants returning to Kenya",
    "Economic reintegration support, psychosocial counselling and small business grants for "
    "migrants coming back from the Gulf, with referral to local employment services.",
)
ILO_TEXT = (
    "Economic reintegration of return migrants from Gulf countries",
    "Returnees receive business start-up grants, counselling and job placement through public "
    "employment services so that their reintegration is sustainable.",
)


def log(agency, by, reference, text, **extra):
    fields = {
        "reference": reference,
        "title": text[0],
        "description": text[1],
        "start_date": datetime.date(2026, 1, 1),
        "end_date": datetime.date(2026, 12, 31),
        "countries": [Country.objects.get(pk="KEN")],
        "priorities": [Priority.objects.get(code="d")],
    }
    fields.update(extra)
    return activity_services.activity_create(agency=agency, by=by, **fields)


def test_saving_a_similar_activity_flags_the_pair(pair):
    flag = OverlapFlag.objects.get()
    assert {flag.activity_a, flag.activity_b} == set(pair)
    assert flag.status == OverlapFlag.Status.OPEN
    assert flag.reasons["countries"] == ["KEN"]
    assert flag.reasons["overlap_days"] == 365


def test_same_work_elsewhere_is_not_flagged(
    iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log(iom, alice, "IOM-1", IOM_TEXT)
        log(ilo, bob, "ILO-1", ILO_TEXT, countries=[Country.objects.get(pk="PER")])
    assert not OverlapFlag.objects.exists()


def test_a_decision_survives_rescans_until_a_material_change(
    pair, sam, alice, django_capture_on_commit_callbacks
):
    flag = OverlapFlag.objects.get()
    review.decide(flag, by=sam, status=OverlapFlag.Status.NOT_RELATED, note="Different scope")
    services.full_scan()
    flag.refresh_from_db()
    assert flag.status == OverlapFlag.Status.NOT_RELATED
    assert flag.decided_by == sam

    iom_activity = pair[0]
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_update(iom_activity, by=alice, contact_name="Someone new")
    flag.refresh_from_db()
    assert flag.status == OverlapFlag.Status.NOT_RELATED

    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_update(
            iom_activity, by=alice, description=IOM_TEXT[1] + " Now also in Uganda."
        )
    flag.refresh_from_db()
    assert flag.status == OverlapFlag.Status.OPEN
    assert flag.decided_by is None


def test_a_rescan_that_reopens_a_pair_makes_decisions_loaded_before_it_stale(
    pair, sam, alice, django_capture_on_commit_callbacks
):
    flag = OverlapFlag.objects.get()
    decided = review.decide(
        flag, by=sam, status=OverlapFlag.Status.NOT_RELATED, expected_version=flag.version
    )
    assert decided.version == flag.version + 1
    services.full_scan()
    assert OverlapFlag.objects.get().version == decided.version  # nothing changed for anyone

    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_update(
            pair[0], by=alice, description=IOM_TEXT[1] + " Now also in Uganda."
        )
    reopened = OverlapFlag.objects.get()
    assert reopened.status == OverlapFlag.Status.OPEN
    assert reopened.version > decided.version
    with pytest.raises(review.StaleFlagError):
        review.decide(
            flag, by=sam, status=OverlapFlag.Status.CONFIRMED, expected_version=decided.version
        )
    assert OverlapFlag.objects.get().status == OverlapFlag.Status.OPEN


def test_a_pair_that_becomes_joint_work_makes_open_decision_forms_stale(
    pair, sam, alice, ilo, django_capture_on_commit_callbacks
):
    flag = OverlapFlag.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_update(pair[0], by=alice, partners=[ilo])
    joint = OverlapFlag.objects.get()
    assert joint.status == OverlapFlag.Status.JOINT
    assert joint.version == flag.version + 1
    with pytest.raises(review.StaleFlagError):
        review.initiative_from_flag(flag, by=sam, expected_version=flag.version)


def test_partners_are_joint_work_not_duplication(
    iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        log(iom, alice, "IOM-1", IOM_TEXT, partners=[ilo])
        log(ilo, bob, "ILO-1", ILO_TEXT)
    assert OverlapFlag.objects.get().status == OverlapFlag.Status.JOINT


def test_confirmed_pair_becomes_a_joint_initiative(pair, sam, iom, ilo):
    flag = review.decide(OverlapFlag.objects.get(), by=sam, status=OverlapFlag.Status.CONFIRMED)
    initiative, created = review.initiative_from_flag(flag, by=sam)
    assert created
    assert initiative.lead_agency in (iom, ilo)
    assert set(initiative.participating_agencies.all()) == {iom, ilo}
    assert set(initiative.activities.all()) == set(pair)
    flag.refresh_from_db()
    assert flag.status == OverlapFlag.Status.CONFIRMED
    assert flag.initiative == initiative


def test_deleting_an_activity_keeps_its_flags_out_of_the_queue(pair, alice):
    activity_services.activity_withdraw(pair[0], by=alice)
    assert OverlapFlag.objects.count() == 1
    assert not OverlapFlag.objects.open().exists()


def test_detect_and_export_commands(pair, sam):
    OverlapFlag.objects.all().delete()
    out = io.StringIO()
    call_command("detect_overlaps", stdout=out, stderr=io.StringIO())
    assert "1 new" in out.getvalue()
    out = io.StringIO()
    call_command("export_overlaps", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == (
        "reference_a,agency_a,reference_b,agency_b,similarity,status,reasons,withdrawn"
    )
    assert len(lines) == 2
    assert "IOM-1" in lines[1] and "ILO-1" in lines[1] and "shared area: Kenya" in lines[1]


def test_similar_activities_for_a_draft(pair, iom):
    a, b = pair
    similar = services.similar_for_draft(
        agency=iom,
        title=IOM_TEXT[0],
        description=IOM_TEXT[1],
        countries=[Country.objects.get(pk="KEN")],
        regions=[],
        start_date=datetime.date(2026, 3, 1),
        end_date=None,
        priorities=[Priority.objects.get(code="d")],
    )
    assert [activity for activity, _score in similar] == [b]


def test_entry_form_shows_similar_work_before_saving(client, pair, fiona, ilo):
    from django.urls import reverse

    client.force_login(fiona)
    data = {
        "reference": "IOM-2",
        "title": ILO_TEXT[0],
        "description": ILO_TEXT[1],
        "language": "en",
        "kind": "programme",
        "status": "planned",
        "start_date": "2026-04-01",
        "countries": ["KEN"],
        "priorities": [str(Priority.objects.get(code="d").pk)],
        "action": "check",
    }
    response = client.post(reverse("activities:create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Similar activities by other agencies" in html
    assert pair[1].title in html
    assert not Activity.objects.filter(reference="IOM-2").exists()
    data.pop("action")
    assert client.post(reverse("activities:create"), data).status_code == 302


def test_activity_page_shows_its_flags_to_its_agency(client, pair, alice, harry):
    client.force_login(harry)
    html = client.get(pair[0].get_absolute_url()).content.decode()
    assert "Possible overlaps" in html
    assert pair[1].title in html
