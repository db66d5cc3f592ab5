"""Search finds activities by their words, not by one substring.

On PostgreSQL: full-text search on the stored vector (websearch syntax, stemming in the
record's language, ranking, place names). Everywhere: the word-by-word fallback that SQLite
uses, tested directly so that it is tested on PostgreSQL too.
"""

import datetime
import importlib

import pytest
from django.db import connection
from django.urls import reverse

from activities import services
from activities.models import Activity
from common.search import Term, terms
from geo.models import Country, Region
from priorities.models import Priority

from .factories import ActivityFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search is PostgreSQL's"
)


@pytest.fixture
def register(iom, ilo):
    """A few activities, written as agencies write them."""
    return {
        "balkans": ActivityFactory(
            agency=iom,
            title="Countering the smuggling of migrants along the Western Balkans route",
            description="Joint investigations and victim referral with border police.",
            countries=["BIH"],
        ),
        "serbia": ActivityFactory(
            agency=ilo,
            title="Criminal justice responses to trafficking in persons",
            description="Training for prosecutors and judges on trafficking cases.",
            countries=["SRB"],
        ),
        "kenya": ActivityFactory(
            agency=ilo,
            title="Trafficking prevention in labour recruitment",
            description="Awareness sessions with recruitment agencies.",
            countries=["KEN"],
        ),
        "remittances": ActivityFactory(
            agency=iom,
            title="Remittance corridors study",
            description="Costs of sending money home from the Gulf to South Asia.",
            countries=["KEN"],
        ),
    }


def titles(queryset):
    return {activity.title for activity in queryset}


def search(text):
    return titles(Activity.objects.search(text))


# -- full-text search (PostgreSQL) -----------------------------------------------------------


@postgresql_only
def test_words_are_found_in_any_order_and_form(register):
    # One substring found nothing: "balkan smuggling" is not in the title as typed.
    assert search("balkan smuggling") == {register["balkans"].title}
    assert search("Smuggled migrant BALKANS") == {register["balkans"].title}


@postgresql_only
def test_a_country_named_only_as_the_activitys_country_is_found(register):
    # "Serbia" is nowhere in the text: it is the country the activity works in.
    assert search("trafficking Serbia") == {register["serbia"].title}
    # By its French name too, and region names are searched the same way.
    assert search("trafficking Serbie") == {register["serbia"].title}
    register["kenya"].regions.set([Region.objects.get(name="Eastern Africa")])
    Activity.objects.filter(pk=register["kenya"].pk).refresh_search_vector()
    assert search("trafficking eastern africa") == {register["kenya"].title}


@postgresql_only
def test_websearch_syntax_phrases_and_exclusions(register):
    assert search("trafficking") == {register["serbia"].title, register["kenya"].title}
    assert search("trafficking -Kenya") == {register["serbia"].title}
    assert search('"labour recruitment"') == {register["kenya"].title}
    assert search('"recruitment labour"') == set()
    assert search("smuggling or remittance") == {
        register["balkans"].title,
        register["remittances"].title,
    }


@postgresql_only
def test_french_records_are_stemmed_in_french(iom):
    text = {
        "title": "Accompagnement des travailleuses frontalières réfugiées",
        "description": "Formation des inspecteurs du travail.",
    }
    french = ActivityFactory(agency=iom, language=Activity.Language.FRENCH, **text)
    # The same words recorded as English text are stemmed by the English rules.
    english = ActivityFactory(agency=iom, **text)
    # French stems "frontalier" and "frontalières" alike ("frontali"), and "réfugié" and
    # "réfugiées" ("réfugi"); the English stemmer does neither.
    assert set(Activity.objects.search("réfugié frontalier")) == {french}
    # French stop words ("des") are not required.
    assert set(Activity.objects.search("accompagnés des inspecteurs")) == {french}
    # Both are found by the words as written.
    assert set(Activity.objects.search("travailleuses frontalières")) == {french, english}


@postgresql_only
def test_spanish_records_are_stemmed_in_spanish(iom):
    spanish = ActivityFactory(
        agency=iom,
        language=Activity.Language.SPANISH,
        title="Trabajadoras migrantes en el sector agrícola",
    )
    assert set(Activity.objects.search("trabajadora migrante")) == {spanish}


@postgresql_only
def test_results_are_ranked_title_before_description(iom):
    in_description = ActivityFactory(
        agency=iom, title="Border management review", description="Includes remittances."
    )
    in_title = ActivityFactory(
        agency=iom, title="Remittances and diaspora investment", description="A study."
    )
    found = list(Activity.objects.search("remittances"))
    assert found == [in_title, in_description]
    assert found[0].search_rank > found[1].search_rank


@postgresql_only
def test_the_service_keeps_the_vector_current(alice, iom):
    kenya, serbia = Country.objects.get(pk="KEN"), Country.objects.get(pk="SRB")
    activity = services.activity_create(
        agency=iom,
        by=alice,
        reference="IOM-S-1",
        title="Labour inspection support",
        status=Activity.Status.PLANNED,
        start_date=datetime.date(2026, 1, 1),
        countries=[kenya],
        priorities=[Priority.objects.get(code="b")],
    )
    assert set(Activity.objects.search("labour Kenya")) == {activity}
    # Found by its reference too, as typed in the agency's own register.
    assert set(Activity.objects.search("IOM-S-1")) == {activity}

    services.activity_update(activity, by=alice, title="Fair recruitment", countries=[serbia])
    assert not Activity.objects.search("labour Kenya").exists()
    assert set(Activity.objects.search("recruitment Serbia")) == {activity}


@postgresql_only
def test_the_migrations_fill_matches_what_the_services_store(register):
    """The migration that built the vectors of existing activities computes the same ones."""
    migration = importlib.import_module("activities.migrations.0004_language_and_search")
    register["kenya"].regions.set([Region.objects.get(name="Eastern Africa")])
    ActivityFactory(agency=register["kenya"].agency, language="fr", title="Traite des personnes")
    Activity.objects.refresh_search_vector()
    stored = dict(Activity.objects.values_list("pk", "search_vector"))
    Activity.objects.update(search_vector=None)
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    assert dict(Activity.objects.values_list("pk", "search_vector")) == stored


@postgresql_only
def test_the_search_uses_the_gin_index(register):
    """With sequential scans ruled out, the planner can still answer the search by the index."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Activity.objects.search("trafficking Serbia").explain()
    assert "activity_search_idx" in plan


def test_the_list_searches_words(client, alice, register):
    client.force_login(alice)
    html = client.get(reverse("activities:list"), {"q": "prevention trafficking"}).content
    assert register["kenya"].title.encode() in html
    assert register["serbia"].title.encode() not in html


# -- the word-by-word fallback (SQLite), on any database --------------------------------------


def fallback(text):
    return titles(Activity.objects.search_words(text))


def test_fallback_needs_every_word_somewhere(register):
    assert fallback("balkans smuggling") == {register["balkans"].title}
    assert fallback("SMUGGLING police") == {register["balkans"].title}
    assert fallback("smuggling kenya") == set()


def test_fallback_searches_country_and_region_names_and_the_reference(register):
    assert fallback("trafficking Serbia") == {register["serbia"].title}
    assert fallback("trafficking Serbie") == {register["serbia"].title}
    register["kenya"].regions.set([Region.objects.get(name="Eastern Africa")])
    assert fallback("recruitment eastern") == {register["kenya"].title}
    reference = register["remittances"].reference
    assert fallback(reference.lower()) == {register["remittances"].title}


def test_fallback_reads_phrases_and_exclusions(register):
    assert fallback('"labour recruitment"') == {register["kenya"].title}
    assert fallback('"recruitment labour"') == set()
    assert fallback("trafficking -Kenya") == {register["serbia"].title}
    assert fallback('trafficking -"labour recruitment"') == {register["serbia"].title}


def test_search_terms_follow_the_websearch_syntax():
    assert terms('balkan  "smuggling of migrants" -Serbia') == [
        Term("balkan"),
        Term("smuggling of migrants"),
        Term("Serbia", excluded=True),
    ]
    # An unclosed quote still makes a phrase; an empty one and a lone dash are nothing.
    assert terms('"western balkans') == [Term("western balkans")]
    assert terms('"" - x x') == [Term("x")]
