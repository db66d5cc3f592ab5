"""Learning from the secretariat: the score refitted every OVERLAP_REFIT_EVERY decisions, kept
only if it agrees at least as well with decisions it was not fitted on, and the queue asking
first about the pairs it is least sure of."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from common.models import OutboxMessage
from overlaps import calibration, engine, learning, review, selectors, services
from overlaps.models import OverlapFlag, ScoreCalibration

from .factories import ActivityFactory
from .test_overlap_learning import OTHER, SAME

Status = OverlapFlag.Status
LONG_AGO = timezone.now() - datetime.timedelta(days=30)


def pair(iom, ilo, texts, i, **fields):
    a = ActivityFactory(agency=iom, title=texts[0][0], description=f"{texts[0][1]} {i}")
    b = ActivityFactory(agency=ilo, title=texts[1][0], description=f"{texts[1][1]} {i}")
    fields.setdefault("score", 0.5)
    return OverlapFlag.objects.create(activity_a=a, activity_b=b, reasons={}, **fields)


def decided(iom, ilo, n, *, at=LONG_AGO, start=0):
    """`n` decided pairs, half confirmed duplications and half not related."""
    flags = []
    for i in range(start, start + n):
        texts, status = (SAME, Status.CONFIRMED) if i % 2 == 0 else (OTHER, Status.NOT_RELATED)
        flags.append(pair(iom, ilo, texts, i, status=status, decided_at=at))
    return flags


def refits_queued():
    return OutboxMessage.objects.filter(task=review.REFIT_TASK).count()


def last_refit():
    return ScoreCalibration.objects.order_by("-fitted_at", "-pk").first()


@pytest.fixture
def earlier_refit(db):
    """A refit a while ago (refused, so that it changes no score): decisions after it are new."""
    return ScoreCalibration.objects.create(
        weights={}, threshold=engine.DEFAULT_THRESHOLD, decisions=0, applied=False
    )


# Queued by the 25th decision


def test_the_25th_decision_since_the_last_refit_queues_one_refit(iom, ilo, sam, earlier_refit):
    decided(iom, ilo, 30)  # before the last refit: not new
    waiting = decided(iom, ilo, 25, at=None, start=30)
    for status, flag in zip([Status.OPEN] * 25, waiting, strict=True):
        flag.status = status
        flag.save()
    for n, flag in enumerate(waiting, start=1):
        review.decide(flag, by=sam, status=Status.NOT_RELATED)
        assert refits_queued() == (0 if n < 25 else 1), n


def test_no_refit_before_the_portal_has_enough_decisions(iom, ilo, sam):
    flags = [pair(iom, ilo, SAME, i) for i in range(learning.MIN_DECISIONS - 1)]
    for flag in flags:
        review.decide(flag, by=sam, status=Status.CONFIRMED)
    assert refits_queued() == 0


def test_a_joint_work_decision_does_not_count(iom, ilo, sam, earlier_refit, settings):
    settings.OVERLAP_REFIT_EVERY = 1
    decided(iom, ilo, 30)
    review.decide(pair(iom, ilo, SAME, 99), by=sam, status=Status.JOINT)
    assert refits_queued() == 0


def test_the_decision_queues_the_refit_after_commit_and_it_runs(
    iom, ilo, sam, earlier_refit, settings, django_capture_on_commit_callbacks
):
    settings.OVERLAP_REFIT_EVERY = 3
    decided(iom, ilo, 60)
    flags = [pair(iom, ilo, SAME, 100 + i) for i in range(3)]
    for flag in flags[:2]:
        with django_capture_on_commit_callbacks(execute=True):
            review.decide(flag, by=sam, status=Status.CONFIRMED)
    assert last_refit() == earlier_refit
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review.decide(flags[2], by=sam, status=Status.CONFIRMED)
    assert callbacks  # published by the outbox once the decision committed
    assert refits_queued() == 0
    refit = last_refit()
    assert refit != earlier_refit
    assert refit.agreement_before is not None and refit.agreement_after is not None


def test_a_broker_outage_keeps_the_decision_and_the_refit(
    iom, ilo, sam, earlier_refit, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from overlaps import tasks

    settings.OVERLAP_REFIT_EVERY = 1
    decided(iom, ilo, 30)
    flag = pair(iom, ilo, SAME, 99)

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.refit_calibration, "apply_async", broker_down)
    monkeypatch.setattr(tasks.notify_pair_event, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        review.decide(flag, by=sam, status=Status.CONFIRMED)
    flag.refresh_from_db()
    assert flag.status == Status.CONFIRMED
    assert refits_queued() == 1  # kept in the outbox for the next drain


# The refit


def test_a_refit_records_agreement_on_held_out_decisions(iom, ilo):
    flags = decided(iom, ilo, 80)
    refit = services.refit_from_decisions()
    heldout = [f for f in flags if services.is_heldout(f.pk)]
    assert 0 < len(heldout) < len(flags) / 2
    assert refit.heldout == len(heldout)
    assert refit.decisions == len(flags) - len(heldout)
    assert 0 <= refit.agreement_before <= 1 and 0 <= refit.agreement_after <= 1
    assert refit.agreement_after >= refit.agreement_before
    assert refit.applied and not refit.note
    assert calibration.current() == (refit.weights, refit.threshold)


def test_the_held_out_decisions_stay_the_same_from_one_refit_to_the_next(iom, ilo):
    flags = decided(iom, ilo, 40)
    first = {f.pk for f in flags if services.is_heldout(f.pk)}
    assert first == {f.pk for f in flags if services.is_heldout(f.pk)}


def test_a_worse_refit_is_refused_and_noted(iom, ilo, monkeypatch):
    decided(iom, ilo, 80)
    in_force = calibration.current()
    # Everything on the period (all these pairs run through 2026) and a low line: every
    # pair flagged, so it agrees only with the confirmed half of the decisions.
    careless = dict.fromkeys(engine.FEATURES, 0.0) | {"period": 1.0, engine.BIAS: 0.0}
    monkeypatch.setattr(
        learning,
        "fit_weights",
        lambda pairs, *args, **kw: {"weights": careless, "threshold": 0.1, "n": len(pairs)},
    )
    refit = services.refit_from_decisions()
    assert refit.agreement_after < refit.agreement_before
    assert not refit.applied
    assert "Refused" in refit.note
    assert calibration.current() == in_force


def test_a_refit_that_cannot_fit_is_refused_with_the_reason(iom, ilo):
    decided(iom, ilo, 10)
    refit = services.refit_from_decisions()
    assert not refit.applied
    assert "at least" in refit.note
    assert calibration.current() == (dict(engine.WEIGHTS), engine.DEFAULT_THRESHOLD)


def test_a_refit_run_twice_refits_once(iom, ilo):
    decided(iom, ilo, 80)
    assert services.refit_from_decisions() is not None
    assert services.refit_from_decisions() is None
    assert ScoreCalibration.objects.count() == 1


def test_the_task_waits_for_enough_new_decisions(iom, ilo, settings):
    from overlaps import tasks

    decided(iom, ilo, 80)
    services.refit_from_decisions()
    decided(iom, ilo, settings.OVERLAP_REFIT_EVERY - 1, at=timezone.now(), start=80)
    tasks.refit_calibration.delay()  # a second delivery, or queued by the next decision
    assert ScoreCalibration.objects.count() == 1


def test_decided_pairs_keep_their_decision_through_a_refit_and_a_rescan(iom, ilo, sam):
    flags = decided(iom, ilo, 80)
    # Decided through the queue (with a fingerprint), and as older decisions were (without).
    for flag in flags[:10]:
        review.decide(flag, by=sam, status=flag.status, note="Looked at it.")
    before = {
        f.pk: (f.status, f.decided_by_id, f.decided_at, f.decision_note)
        for f in OverlapFlag.objects.decided()
    }
    refit = services.refit_from_decisions()
    assert refit.applied
    services.full_scan()
    services.full_scan()
    after = {
        f.pk: (f.status, f.decided_by_id, f.decided_at, f.decision_note)
        for f in OverlapFlag.objects.filter(pk__in=before)
    }
    assert after == before


# Asked first while the portal learns


@pytest.fixture
def in_force(db):
    ScoreCalibration.objects.create(weights=dict(engine.WEIGHTS), threshold=0.4, decisions=30)
    return 0.4


def queue(client, **params):
    return client.get(reverse("overlaps:flag-list"), params)


def test_the_pairs_nearest_the_threshold_come_first(client, sam, iom, ilo, in_force):
    scores = [0.95, 0.41, 0.2, 0.38, 0.6, 0.45, 0.33, 0.9]
    flags = {score: pair(iom, ilo, SAME, i, score=score) for i, score in enumerate(scores)}
    client.force_login(sam)
    response = queue(client)
    uncertain = response.context["uncertain"]
    assert [f.score for f in uncertain] == [0.41, 0.38, 0.45, 0.33, 0.6]
    html = response.content.decode()
    assert "Help the portal learn" in html
    assert "It flags a pair from 40% similarity" in html
    # The queue itself keeps its order, best score first.
    assert [f.score for f in response.context["page"].object_list] == sorted(scores, reverse=True)
    assert flags[0.41].get_absolute_url() in html


def test_decided_pairs_are_not_asked_again(sam, iom, ilo, in_force):
    pair(iom, ilo, SAME, 1, score=0.4, status=Status.NOT_RELATED, decided_at=LONG_AGO)
    far = pair(iom, ilo, SAME, 2, score=0.9)
    assert selectors.pairs_to_learn_from(sam) == ([far], in_force)


def test_the_section_goes_once_the_portal_has_learnt_enough(
    client, sam, iom, ilo, in_force, settings
):
    settings.OVERLAP_LEARNING_DECISIONS = 3
    pair(iom, ilo, SAME, 0, score=0.41)
    decided(iom, ilo, 2, start=1)
    client.force_login(sam)
    assert queue(client).context["uncertain"]
    # The third decision, through the service the pair page calls: the pairs asked about
    # are kept until a decision (or a scan) changes the pairs.
    review.decide(pair(iom, ilo, OTHER, 3, score=0.9), by=sam, status=Status.NOT_RELATED)
    response = queue(client)
    assert response.context["uncertain"] == []
    assert "Help the portal learn" not in response.content.decode()


def test_only_the_secretariat_is_asked_and_only_on_the_first_page_to_review(
    client, sam, alice, iom, ilo, in_force, settings
):
    settings.PAGE_SIZE = 1
    for i in range(3):
        pair(iom, ilo, SAME, i, score=0.4 + i / 10)
    client.force_login(alice)
    assert "Help the portal learn" not in queue(client).content.decode()
    client.force_login(sam)
    assert "Help the portal learn" in queue(client).content.decode()
    assert "Help the portal learn" not in queue(client, page=2).content.decode()
    assert "Help the portal learn" not in queue(client, status="decided").content.decode()


def test_the_section_is_a_heading_and_a_list(client, sam, iom, ilo, in_force):
    from .markup import Page

    pair(iom, ilo, SAME, 0, score=0.41)
    client.force_login(sam)
    page = Page(queue(client).content.decode())
    (heading,) = [h for h in page.all("h2") if h.attrs.get("id") == "learning-heading"]
    (section,) = [
        s for s in page.all("section") if s.attrs.get("aria-labelledby") == "learning-heading"
    ]
    items = [li for li in page.all("li") if li.inside("ol") and section in li.ancestors]
    assert heading.text == "Help the portal learn"
    assert len(items) == 1
    assert len(page.all("h1")) == 1


def test_the_uncertain_pairs_cost_one_query(sam, iom, ilo, in_force, django_assert_num_queries):
    for i in range(8):
        pair(iom, ilo, SAME, i, score=0.3 + i / 20)
    with django_assert_num_queries(2):  # the calibration in force; the pairs and the count
        pairs, _threshold = selectors.pairs_to_learn_from(sam)
        [(f.activity_a.agency.acronym, f.activity_b.title) for f in pairs]


# The refits' history


def test_the_secretariat_sees_the_refits_history(client, sam, alice, iom, ilo, monkeypatch):
    decided(iom, ilo, 80)
    kept = services.refit_from_decisions()
    client.force_login(sam)
    html = queue(client).content.decode()
    assert "How the score learns from your decisions" in html
    before, after = round(kept.agreement_before * 100), round(kept.agreement_after * 100)
    assert f"{before}% → {after}%" in html
    assert "Kept" in html
    client.force_login(alice)
    assert "How the score learns" not in queue(client).content.decode()


@pytest.mark.parametrize("refused_since", [0, 3, selectors.CALIBRATION_HISTORY + 2])
def test_the_history_and_the_refit_in_force_are_read_together(db, refused_since):
    older = ScoreCalibration.objects.create(
        weights=dict(engine.WEIGHTS), threshold=0.35, decisions=20
    )
    kept = ScoreCalibration.objects.create(
        weights=dict(engine.WEIGHTS), threshold=0.4, decisions=30
    )
    for i in range(refused_since):
        ScoreCalibration.objects.create(weights={}, threshold=0.9, decisions=i, applied=False)
    limit = selectors.CALIBRATION_HISTORY
    newest = list(ScoreCalibration.objects.order_by("-fitted_at", "-pk")[:limit])
    in_force, history = calibration.current_and_history(limit)
    assert in_force == calibration.current() == (kept.weights, 0.4)
    assert history == newest
    assert (older in history) == (refused_since < limit - 1)


def test_a_newer_refit_for_other_features_puts_the_defaults_in_force(db, in_force):
    stale = ScoreCalibration.objects.create(weights={"retired": 1.0}, threshold=0.7, decisions=1)
    defaults = (dict(engine.WEIGHTS), engine.DEFAULT_THRESHOLD)
    assert calibration.current() == defaults
    in_force_now, history = calibration.current_and_history(selectors.CALIBRATION_HISTORY)
    assert in_force_now == defaults
    assert history[0] == stale and len(history) == 2


def test_without_refits_the_defaults_are_in_force_and_the_history_is_empty(db):
    defaults = (dict(engine.WEIGHTS), engine.DEFAULT_THRESHOLD)
    assert calibration.current_and_history(selectors.CALIBRATION_HISTORY) == (defaults, [])


def test_the_queue_asks_by_the_refit_in_force_older_than_the_history_shown(
    client, sam, iom, ilo, in_force
):
    refused = [
        ScoreCalibration.objects.create(weights={}, threshold=0.9, decisions=i, applied=False)
        for i in range(selectors.CALIBRATION_HISTORY + 2)
    ]
    pair(iom, ilo, SAME, 0, score=0.41)
    pair(iom, ilo, SAME, 1, score=0.88)
    client.force_login(sam)
    response = queue(client)
    assert response.context["threshold"] == in_force
    assert [f.score for f in response.context["uncertain"]] == [0.41, 0.88]
    assert "It flags a pair from 40% similarity" in response.content.decode()
    shown = response.context["calibrations"]
    assert shown == refused[::-1][: selectors.CALIBRATION_HISTORY]
    assert all(not refit.applied for refit in shown)
