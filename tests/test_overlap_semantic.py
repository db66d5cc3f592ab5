"""Sentence embeddings in overlap detection (issue 13): the real packaged model, no stub.

The same work told in another language shares no word with its twin; only the embedding
brings the two together. The vectors are stored once per text and reused by every path.
"""

import datetime
import io

import numpy as np
import pytest
from django.core.management import call_command

from activities import services as activity_services
from geo.models import Country
from overlaps import engine, learning, services
from overlaps.engine import semantic
from overlaps.models import ActivityEmbedding, OverlapFlag
from priorities.models import Priority

RETURN_EN = (
    "Reintegration of migrants returning to Senegal",
    "Small business grants, psychosocial counselling and job referrals for migrants who come "
    "back from Libya and Niger, so that their return lasts.",
)
RETURN_FR = (
    "Réinsertion des migrants de retour au Sénégal",
    "Subventions aux microentreprises, accompagnement psychosocial et orientation vers "
    "l'emploi pour les migrants revenus de Libye et du Niger, pour un retour durable.",
)
STATISTICS_FR = (
    "Recensement agricole et statistiques rurales",
    "Appui à l'institut national de la statistique pour le recensement de l'agriculture et "
    "de l'élevage, avec un module sur la sécurité alimentaire.",
)


def log(agency, by, reference, text, language):
    return activity_services.activity_create(
        agency=agency,
        by=by,
        reference=reference,
        title=text[0],
        description=text[1],
        language=language,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        countries=[Country.objects.get(pk="SEN")],
        priorities=[Priority.objects.get(code="k")],
    )


def saved(capture, *args):
    with capture(execute=True):
        return log(*args)


def test_the_same_work_in_french_and_english_is_flagged_and_other_french_work_is_not(
    iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    english = saved(django_capture_on_commit_callbacks, iom, alice, "IOM-1", RETURN_EN, "en")
    french = saved(django_capture_on_commit_callbacks, ilo, bob, "ILO-1", RETURN_FR, "fr")
    other = saved(django_capture_on_commit_callbacks, ilo, bob, "ILO-2", STATISTICS_FR, "fr")

    flag = OverlapFlag.objects.get()
    assert {flag.activity_a, flag.activity_b} == {english, french}
    features = flag.reasons["features"]
    # Written in two languages: the embedding's similarity counts a second time.
    assert features["semantic_across"] == features["semantic"] > 0.5
    assert flag.score >= engine.DEFAULT_THRESHOLD
    # The nightly scan agrees with the checks on save, pair for pair and score for score.
    call_command("detect_overlaps", stdout=io.StringIO(), stderr=io.StringIO())
    rescanned = OverlapFlag.objects.get()
    assert (rescanned.pk, rescanned.score) == (flag.pk, flag.score)
    assert other.pk not in {rescanned.activity_a_id, rescanned.activity_b_id}


def test_french_left_labelled_english_is_still_compared_across_languages(
    iom, ilo, alice, bob, django_capture_on_commit_callbacks
):
    # The form's language defaults to English and people leave it there: the engine reads
    # the language from the text's function words when they are clear.
    saved(django_capture_on_commit_callbacks, iom, alice, "IOM-1", RETURN_EN, "en")
    saved(django_capture_on_commit_callbacks, ilo, bob, "ILO-1", RETURN_FR, "en")

    features = OverlapFlag.objects.get().reasons["features"]
    assert features["semantic_across"] == features["semantic"] > 0.5


def test_the_language_label_stands_when_the_text_does_not_say():
    from overlaps.engine.text import written_language

    assert written_language(*RETURN_FR, "en") == "fr"
    assert written_language(*RETURN_EN, "fr") == "en"
    # A title alone has too few function words to overrule its label.
    assert written_language(RETURN_FR[0], "", "fr") == "fr"
    assert written_language(RETURN_FR[0], "", "en") == "en"
    assert written_language("Apoyo", "", "") == ""


def test_the_embedding_is_stored_once_and_recomputed_when_the_text_changes(
    iom, alice, django_capture_on_commit_callbacks
):
    activity = saved(django_capture_on_commit_callbacks, iom, alice, "IOM-1", RETURN_EN, "en")
    row = ActivityEmbedding.objects.get(activity=activity)
    assert row.version == semantic.VERSION
    assert row.text_hash == semantic.text_hash(*RETURN_EN)
    assert len(bytes(row.vector)) == semantic.DIMS * 2
    vector = np.frombuffer(bytes(row.vector), dtype=np.float16).astype(np.float32)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 0.01
    # The profile carries the stored vector: a scan reads it instead of embedding again.
    assert engine.load_profiles([activity.pk])[activity.pk].embedding == bytes(row.vector)

    activity.description = "Now about something else: birth registration of returnees."
    activity.save(update_fields=["description"])
    # A vector of the old text is never used ...
    assert engine.load_profiles([activity.pk])[activity.pk].embedding is None
    services.rescore_activity(activity.pk)
    # ... and the next check stores the new one.
    row.refresh_from_db()
    assert row.text_hash == semantic.text_hash(RETURN_EN[0], activity.description)


def test_first_time_embedding_is_resumable(iom, alice, django_capture_on_commit_callbacks):
    for i in range(3):
        # Created without the on-commit check, as a bulk load would.
        log(iom, alice, f"IOM-{i}", (f"{RETURN_EN[0]} ({i})", RETURN_EN[1]), "en")
    assert not ActivityEmbedding.objects.exists()
    out = io.StringIO()
    call_command("embed_activities", stdout=out, stderr=io.StringIO())
    assert "Embedded 3 activities" in out.getvalue()
    assert ActivityEmbedding.objects.count() == 3
    assert services.embed_missing() == 0


def test_a_vector_is_the_same_whether_embedded_alone_or_in_a_batch():
    texts = [semantic.text_of(*RETURN_EN), semantic.text_of(*RETURN_FR), "x" * 5000]
    assert semantic.embed(texts) == [semantic._embed_one(t) for t in texts]


def test_one_text_is_embedded_on_one_thread(monkeypatch):
    # A save's check embeds one text beside other processes: the model's OpenMP threads
    # must not spin for a core someone else holds (the reason is in semantic._embed_one).
    from threadpoolctl import threadpool_info

    seen = []
    encode = semantic._encode

    def spying(texts):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp")
        return encode(texts)

    monkeypatch.setattr(semantic, "_encode", spying)
    semantic._embed_one.cache_clear()
    semantic._embed_one("Counting returnees in the Sahel, one text alone")
    assert seen and set(seen) == {1}


def test_store_embeddings_skips_an_activity_deleted_meanwhile(iom):
    from .factories import ActivityFactory

    activity = ActivityFactory(agency=iom)
    raw = semantic.embed(["text"])[0]
    assert services.store_embeddings({activity.pk: ("h", raw), activity.pk + 999: ("h", raw)}) == 1
    # Stored again (a second check, a retried task): replaced, not duplicated.
    assert services.store_embeddings({activity.pk: ("h2", raw)}) == 1
    assert ActivityEmbedding.objects.get().text_hash == "h2"


@pytest.mark.parametrize("label", [0.0, 1.0])
def test_a_refit_moves_towards_the_decisions_but_stays_near_the_prior(label):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(40, len(engine.FEATURES)))
    y = np.full(40, label)
    y[0] = 1 - label  # both kinds, as a refit requires
    prior = dict(engine.WEIGHTS)
    # A prior under which these pairs are a toss-up, so that either verdict can move it.
    prior[engine.BIAS] = -float(np.mean(X @ np.array([prior[f] for f in engine.FEATURES])))
    weights = learning.fit_logistic(X, y, prior)
    assert all(weights[f] >= 0 for f in engine.FEATURES)

    def mean_probability(w):
        z = X @ np.array([w[f] for f in engine.FEATURES]) + w[engine.BIAS]
        return float(np.mean(1 / (1 + np.exp(-z))))

    # Mostly "not related" lowers the probabilities, mostly "confirmed" raises them ...
    before, after = mean_probability(prior), mean_probability(weights)
    assert (after < before) if label == 0.0 else (after > before)
    # ... and the prior holds the refit nearer the shipped model than a fit without one.
    loose = learning.fit_logistic(X, y, prior, prior_sd=100.0)

    def distance(w):
        return sum((w[k] - prior[k]) ** 2 for k in prior) ** 0.5

    assert distance(weights) < distance(loose)
