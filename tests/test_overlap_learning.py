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
    assert set(weights) == set(engine.FEATURES)
    assert abs(sum(weights.values()) - 1) < 0.01
    assert 0 < threshold < 1
