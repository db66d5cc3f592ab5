"""The score's weights and threshold in force: the latest refit kept, else the engine's defaults."""

from django.db.models import F, Q, Subquery

from . import engine
from .models import ScoreCalibration


def _weights_and_threshold(row):
    """(weights, threshold) of `row`, the latest refit kept (None: there is none)."""
    # A calibration fitted for another set of features (an older engine) no longer applies.
    if row is not None and set(row.weights) == {*engine.FEATURES, engine.BIAS}:
        return row.weights, row.threshold
    return dict(engine.WEIGHTS), engine.DEFAULT_THRESHOLD


def _newest_first():
    return ScoreCalibration.objects.order_by("-fitted_at", "-pk")


def current():
    """(weights, threshold) to score with."""
    return _weights_and_threshold(_newest_first().in_force().first())


def current_and_history(limit):
    """((weights, threshold) as `current()` gives them, the latest `limit` refits newest
    first, kept or refused), in one query: the secretariat's queue shows both.

    The refit in force may be older than the `limit` shown; it is read beside them and sorts
    after them, so that it is found without a second query and the history is the first
    `limit` rows. Read on each request, never kept: the queue's threshold must be the one the
    scan and the checks score with."""
    newest = _newest_first()
    rows = list(
        newest.annotate(in_force_pk=Subquery(newest.in_force().values("pk")[:1])).filter(
            Q(pk__in=newest.values("pk")[:limit]) | Q(pk=F("in_force_pk"))
        )
    )
    in_force = next((row for row in rows if row.pk == row.in_force_pk), None)
    return _weights_and_threshold(in_force), rows[:limit]
