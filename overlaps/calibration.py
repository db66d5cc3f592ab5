"""The score's weights and threshold in force: the latest refit kept, else the engine's defaults."""

from . import engine
from .models import ScoreCalibration


def current():
    """(weights, threshold) to score with."""
    row = ScoreCalibration.objects.in_force().order_by("-fitted_at", "-pk").first()
    # A calibration fitted for another set of features (an older engine) no longer applies.
    if row is not None and set(row.weights) == {*engine.FEATURES, engine.BIAS}:
        return row.weights, row.threshold
    return dict(engine.WEIGHTS), engine.DEFAULT_THRESHOLD
