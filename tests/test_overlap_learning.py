"""Refitting the score on the secretariat's decisions."""

import io

import pytest
from django.core.management import CommandError, call_command

from overlaps import calibration, engine
from overlaps.models import OverlapFlag, ScoreCalibration

from .factories import ActivityFactory

SAME = [
    ("Cash grants for returning migrants", "Reintegration grants and counselling for returnees."),
    ("Reintegration support to returnees", "Returnees get grants and counselling to reintegrate."),
]
OTHER = [
    ("Cash grants for returning migrants", "Reintegration grants and counselling for returnees."),
    ("Statistics on remittance costs", "A price survey of money transfer corridors and fees."),
]


def decided_pairs(iom, ilo, texts, status, n):
    for i in range(n):
        a = ActivityFactory(agency=iom, title=texts[0][0], description=f"{texts[0][1]} {i}")
        b = ActivityFactory(agency=ilo, title=texts[1][0], description=f"{texts[1][1]} {i}")
        OverlapFlag.objects.create(activity_a=a, activity_b=b, score=0.5, reasons={}, status=status)


def test_refit_needs_enough_decisions(db):
    with pytest.raises(CommandError, match="at least"):
        call_command("refit_overlap_weights", stdout=io.StringIO())


def test_refit_learns_from_decisions_and_applies_only_when_asked(iom, ilo):
    decided_pairs(iom, ilo, SAME, OverlapFlag.Status.CONFIRMED, 18)
    decided_pairs(iom, ilo, OTHER, OverlapFlag.Status.NOT_RELATED, 18)
    out = io.StringIO()
    call_command("refit_overlap_weights", stdout=out)
    assert "Fitted on 36 decisions" in out.getvalue()
    assert not ScoreCalibration.objects.exists()
    assert calibration.current() == (dict(engine.WEIGHTS), engine.DEFAULT_THRESHOLD)

    call_command("refit_overlap_weights", "--apply", stdout=io.StringIO())
    weights, threshold = calibration.current()
    assert set(weights) == {*engine.FEATURES, engine.BIAS}
    assert weights != engine.WEIGHTS
    assert threshold == engine.DEFAULT_THRESHOLD


def save_pair(iom, ilo, alice, bob, capture):
    from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

    with capture(execute=True):
        log(iom, alice, "IOM-1", IOM_TEXT)
    with capture(execute=True):
        log(ilo, bob, "ILO-1", ILO_TEXT)


def test_saving_honours_a_stored_threshold(
    iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    from overlaps import services

    # Weights under which this pair is far from certain, with no threshold: saving flags it.
    weights = dict(engine.WEIGHTS) | {engine.BIAS: engine.WEIGHTS[engine.BIAS] - 8}
    ScoreCalibration.objects.create(weights=weights, threshold=0.0, decisions=30)
    save_pair(iom, ilo, alice, bob, django_capture_on_commit_callbacks)
    flag = OverlapFlag.objects.get()
    assert 0 < flag.score < 0.999
    # A later calibration puts the line just above that score: neither a check on save nor
    # the next full scan may flag the pair.
    flag.delete()
    ScoreCalibration.objects.create(
        weights=weights, threshold=round(flag.score + 0.0005, 4), decisions=30
    )
    services.rescore_activity(flag.activity_b_id)
    assert not OverlapFlag.objects.exists()
    call_command("detect_overlaps", stdout=io.StringIO(), stderr=io.StringIO())
    assert not OverlapFlag.objects.exists()


def test_saving_scores_with_stored_weights(
    iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    # All the weight on the period: both run the whole of 2026 (period feature 1), so the
    # score is the logistic of bias + 3: 1 / (1 + e^-3) = 0.9526.
    weights = dict.fromkeys(engine.FEATURES, 0.0) | {"period": 3.0, "bias": 0.0}
    ScoreCalibration.objects.create(weights=weights, threshold=0.5, decisions=30)
    save_pair(iom, ilo, alice, bob, django_capture_on_commit_callbacks)
    assert OverlapFlag.objects.get().score == 0.9526
    call_command("detect_overlaps", stdout=io.StringIO(), stderr=io.StringIO())
    assert OverlapFlag.objects.get().score == 0.9526
