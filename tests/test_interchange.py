import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

import activities.interchange as interchange
from activities.interchange import COLUMNS, REQUIRED_COLUMNS, export_rows, import_csv, write_csv
from activities.models import Activity
from activities.services import activity_create
from agencies.models import Agency
from geo.models import Country, Region
from priorities.models import Priority, TargetGroup, Theme

from .factories import ActivityFactory, JointInitiativeFactory

pytestmark = pytest.mark.django_db

HEADER = ",".join(REQUIRED_COLUMNS)
GOOD = "IOM-1,IOM,Labour survey,Remittances,ongoing,2026-01-01,2026-12-31,KEN;UGA,,b;d,ILO"


def csv_bytes(*lines, header=HEADER):
    return io.BytesIO(("\n".join([header, *lines]) + "\n").encode())


def import_lines(*lines, header=HEADER, **kwargs):
    return import_csv(csv_bytes(*lines, header=header), **kwargs)


def export_text(queryset=None):
    out = io.StringIO()
    if queryset is None:
        queryset = Activity.objects.order_by("agency__acronym", "reference")
    write_csv(export_rows(queryset), out)
    return out.getvalue()


def snapshot():
    """Everything an import can set, keyed by (agency, reference), free of primary keys."""

    def codes(manager, attr):
        return sorted(getattr(item, attr) for item in manager.all())

    return {
        (a.agency.acronym, a.reference): {
            "title": a.title,
            "description": a.description,
            "language": a.language,
            "kind": a.kind,
            "status": a.status,
            "start_date": a.start_date,
            "end_date": a.end_date,
            "initiative": a.initiative_id,
            "countries": codes(a.countries, "iso3"),
            "regions": codes(a.regions, "code"),
            "priorities": codes(a.priorities, "code"),
            "partners": codes(a.partners, "acronym"),
            "target_groups": codes(a.target_groups, "slug"),
            "themes": codes(a.themes, "slug"),
        }
        for a in Activity.objects.select_related("agency")
    }


@pytest.fixture
def register(iom, ilo):
    """A small register exercising every column, including awkward text."""
    initiative = JointInitiativeFactory(title="Fair recruitment", lead_agency=ilo)
    full = ActivityFactory(
        agency=iom,
        reference="IOM-001",
        title='Survey, "phase 2"; households',
        description="Line one\nline two, with a comma; and a semicolon",
        kind=Activity.Kind.DATA_COLLECTION,
        language=Activity.Language.FRENCH,
        end_date=None,
        initiative=initiative,
        priorities=list(Priority.objects.filter(code__in="bdk")),
        countries=list(Country.objects.filter(iso3__in=["KEN", "UGA"])),
    )
    full.regions.set(Region.objects.filter(code__in=["001", "002"]))
    full.partners.set(Agency.objects.filter(acronym__in=["ILO", "UNHCR"]))
    full.target_groups.set(TargetGroup.objects.filter(slug__in=["refugees", "women"]))
    full.themes.set(Theme.objects.filter(slug="health"))
    ActivityFactory(agency=ilo, reference="ILO/7", title="Labour migration survey")
    ActivityFactory(agency=ilo, reference="ILO/8", countries=[], status=Activity.Status.PLANNED)
    Activity.objects.get(reference="ILO/8").regions.set([Region.objects.get(code="001")])
    return full


# ------------------------------------------------------------------ round trip


def test_export_then_import_updates_every_row_and_changes_nothing(register):
    before = snapshot()
    text = export_text()
    assert text.splitlines()[0] == ",".join(COLUMNS)

    result = import_csv(io.BytesIO(text.encode()))

    assert result.errors == []
    assert (result.created, result.updated) == (0, 3)
    assert snapshot() == before
    assert export_text() == text


def test_import_of_an_export_into_a_fresh_database_recreates_the_data(register):
    before = snapshot()
    text = export_text()
    Activity.objects.all().delete()

    result = import_csv(io.StringIO(text))

    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    assert snapshot() == before


def test_export_writes_values_joined_with_semicolons_in_column_order(register):
    (row,) = list(export_rows(Activity.objects.filter(pk=register.pk)))
    assert list(row) == list(COLUMNS)
    assert row["countries"] == "KEN;UGA"
    assert row["regions"] == "001;002"
    assert row["priorities"] == "b;d;k"
    assert row["partners"] == "ILO;UNHCR"
    assert row["target_groups"] == "refugees;women"
    assert row["initiative"] == str(register.initiative_id)
    assert row["end_date"] == ""


def test_export_query_count_does_not_grow_with_rows(iom, django_assert_max_num_queries):
    def export_all():
        return list(export_rows(Activity.objects.order_by("reference")))

    ActivityFactory.create_batch(2, agency=iom)
    # One query for the activities and their agency, one per prefetched relation.
    with django_assert_max_num_queries(7):
        assert len(export_all()) == 2
    ActivityFactory.create_batch(40, agency=iom)
    with django_assert_max_num_queries(7):
        assert len(export_all()) == 42


# ------------------------------------------------------------------ upsert


def test_import_updates_the_activity_with_the_same_agency_and_reference(iom):
    existing = ActivityFactory(agency=iom, reference="IOM-1", title="Old title")
    ActivityFactory(agency=Agency.objects.get(acronym="ILO"), reference="IOM-1", title="ILO's")

    result = import_lines(GOOD)

    assert (result.created, result.updated, result.errors) == (0, 1, [])
    existing.refresh_from_db()
    assert existing.title == "Labour survey"
    assert existing.version == 2
    assert sorted(c.iso3 for c in existing.countries.all()) == ["KEN", "UGA"]
    assert [a.acronym for a in existing.partners.all()] == ["ILO"]
    assert Activity.objects.get(agency__acronym="ILO", reference="IOM-1").title == "ILO's"


def test_import_creates_through_the_services(iom, alice):
    result = import_lines(GOOD, by=alice)

    assert (result.created, result.updated, result.errors) == (1, 0, [])
    activity = Activity.objects.get(agency=iom, reference="IOM-1")
    assert activity.created_by == alice
    assert activity.kind == Activity.Kind.PROGRAMME  # the default, no kind column
    assert activity.end_date == datetime.date(2026, 12, 31)
    assert sorted(p.code for p in activity.priorities.all()) == ["b", "d"]


def test_optional_columns_absent_from_the_header_are_left_alone(iom):
    existing = ActivityFactory(agency=iom, reference="IOM-1", kind=Activity.Kind.EVENT)
    existing.themes.set(Theme.objects.filter(slug="health"))

    assert import_lines(GOOD).errors == []

    existing.refresh_from_db()
    assert existing.kind == Activity.Kind.EVENT
    assert [t.slug for t in existing.themes.all()] == ["health"]


def test_a_reference_twice_in_one_file_creates_then_updates(iom):
    second = GOOD.replace("Labour survey", '"Labour survey, revised"')

    result = import_lines(GOOD, second)

    assert (result.created, result.updated, result.errors) == (1, 1, [])
    assert Activity.objects.get(agency=iom, reference="IOM-1").title == "Labour survey, revised"


def test_optional_columns_by_slug_name_or_number(iom):
    initiative = JointInitiativeFactory(title="Fair recruitment", lead_agency=iom)
    header = HEADER + ",kind,target_groups,themes,initiative"
    rows = [
        GOOD + ",Training,refugees;Women,health;Financial flows and remittances,Fair recruitment",
        GOOD.replace("IOM-1", "IOM-2") + f",event,,,{initiative.pk}",
    ]

    result = import_lines(*rows, header=header)

    assert result.errors == []
    first = Activity.objects.get(reference="IOM-1")
    assert first.kind == Activity.Kind.TRAINING
    assert sorted(t.slug for t in first.target_groups.all()) == ["refugees", "women"]
    assert sorted(t.slug for t in first.themes.all()) == ["financial-flows", "health"]
    assert first.initiative == initiative
    assert Activity.objects.get(reference="IOM-2").initiative == initiative


def test_the_language_column_is_optional_and_an_empty_cell_keeps_the_language(iom):
    ActivityFactory(agency=iom, reference="IOM-1", language=Activity.Language.FRENCH)
    header = HEADER + ",language"

    # A file without the column (written before it existed) leaves the language alone.
    assert import_lines(GOOD).errors == []
    assert Activity.objects.get(reference="IOM-1").language == "fr"
    # An empty cell keeps it too; a new activity then gets the default.
    result = import_lines(GOOD + ",", GOOD.replace("IOM-1", "IOM-2") + ",", header=header)
    assert result.errors == []
    assert Activity.objects.get(reference="IOM-1").language == "fr"
    assert Activity.objects.get(reference="IOM-2").language == "en"
    # A code sets it, in capitals or not.
    assert import_lines(GOOD.replace("IOM-1", "IOM-2") + ",ES", header=header).errors == []
    assert Activity.objects.get(reference="IOM-2").language == "es"


def test_an_unknown_language_is_reported(iom):
    (error,) = import_lines(GOOD + ",Klingon", header=HEADER + ",language").errors
    assert error.line == 2
    assert 'unknown language "Klingon" (use one of: en, fr, es)' in error.message
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("World", ["001"]),
        ("africa;WORLD", ["001", "002"]),
        ("001", ["001"]),
        ("2", ["002"]),
        ("002;Africa", ["002"]),
    ],
)
def test_regions_by_name_or_code(iom, cell, expected):
    row = f"IOM-1,IOM,Regional work,,planned,2026-01-01,,,{cell},a,"

    result = import_lines(row)

    assert result.errors == []
    activity = Activity.objects.get(agency=iom, reference="IOM-1")
    assert sorted(r.code for r in activity.regions.all()) == expected


def test_tolerates_bom_blank_lines_extra_columns_whitespace_and_case(iom):
    text = (
        "\ufeffReference , Agency,title,description,status,start_date,end_date,"
        "countries,regions,priorities,partners,budget code\r\n"
        "\r\n"
        " IOM-1 , iom , Survey , ,  Ongoing , 2026-01-01 ,, ken ; uga ;, , B , ilo ,X-42\r\n"
        ",,,,,,,,,,,\r\n"
    )

    result = import_csv(io.BytesIO(text.encode("utf-8")))

    assert (result.created, result.errors) == (1, [])
    activity = Activity.objects.get(agency=iom, reference="IOM-1")
    assert activity.title == "Survey"
    assert activity.status == Activity.Status.ONGOING
    assert sorted(c.iso3 for c in activity.countries.all()) == ["KEN", "UGA"]


def test_header_only_file_imports_nothing_without_error(db):
    result = import_csv(io.BytesIO((HEADER + "\n").encode()))
    assert (result.created, result.updated, result.errors) == (0, 0, [])


# ------------------------------------------------------------------ rejected rows


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (GOOD.replace("KEN;UGA", "KEN;XYZ"), 'unknown country code "XYZ"'),
        (GOOD.replace("b;d", "b;z"), 'unknown priority "z"'),
        (GOOD.replace(",IOM,", ",NOPE,"), 'unknown agency "NOPE"'),
        (GOOD.replace(",ILO", ",ILO;ACME"), 'unknown partner agency "ACME"'),
        (GOOD.replace("KEN;UGA,", "KEN,Atlantis"), 'unknown region "Atlantis"'),
        (
            GOOD.replace("2026-12-31", "2025-12-31"),
            "end_date: The end date cannot be before the start date.",
        ),
        (GOOD.replace("2026-01-01", "01/02/2026"), 'start_date: "01/02/2026" is not a date'),
        (GOOD.replace("2026-12-31", "2026-02-30"), 'end_date: "2026-02-30" is not a date'),
        (GOOD.replace("ongoing", "done"), 'unknown status "done"'),
        (GOOD.replace("IOM-1,", ","), "reference: a value is required"),
        (GOOD.replace("KEN;UGA", ""), "countries: Name at least one country or region"),
        (GOOD.replace("b;d", ""), "priorities: Choose at least one priority"),
        (GOOD.replace(",ILO", ",IOM"), "partners: An agency cannot be its own partner."),
        (GOOD.replace("Labour survey", ""), "title: This field cannot be blank."),
        (GOOD.replace("IOM-1", "R" * 61), "reference: Ensure this value has at most 60"),
        (GOOD + ",surplus", "the row has 12 values but the header has 11 columns"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_the_others_go_in(iom, row, reason):
    good_after = GOOD.replace("IOM-1", "IOM-2")

    result = import_lines(GOOD.replace("IOM-1", "IOM-0"), row, good_after)

    assert (result.created, result.updated) == (2, 0)
    assert len(result.errors) == 1
    line, message = result.errors[0]
    assert line == 3
    assert reason in message
    assert set(Activity.objects.values_list("reference", flat=True)) == {"IOM-0", "IOM-2"}


@pytest.mark.parametrize(
    ("optional", "reason"),
    [
        ("dance,,,", 'unknown kind "dance"'),
        (",nomads,,", 'unknown target group "nomads"'),
        (",,astrology,", 'unknown theme "astrology"'),
        (",,,No such initiative", 'unknown joint initiative "No such initiative"'),
        (",,,99999999999999999999999", 'unknown joint initiative "99999999999999999999999"'),
    ],
)
def test_bad_optional_values_are_reported(iom, optional, reason):
    header = HEADER + ",kind,target_groups,themes,initiative"

    result = import_lines(GOOD + "," + optional, header=header)

    assert [(e.line, reason in e.message) for e in result.errors] == [(2, True)]
    assert not Activity.objects.exists()


def test_an_ambiguous_initiative_title_is_refused(iom):
    JointInitiativeFactory.create_batch(2, title="Twin", lead_agency=iom)
    header = HEADER + ",initiative"

    (error,) = import_lines(GOOD + ",Twin", header=header).errors

    assert "several joint initiatives" in error.message


def test_a_rejected_update_leaves_the_activity_as_it_was(iom):
    existing = ActivityFactory(agency=iom, reference="IOM-1", title="Kept")
    before = snapshot()
    # Passes the parser and fails in the services, after the lookups.
    row = GOOD.replace(",ILO", ",ILO;IOM")

    result = import_lines(row)

    assert result.updated == 0
    assert result.errors[0].line == 2
    assert snapshot() == before
    existing.refresh_from_db()
    assert existing.version == 1


def test_several_problems_in_one_row_are_reported_together(iom):
    row = GOOD.replace("KEN;UGA", "XXX").replace("b;d", "q")

    (error,) = import_lines(row).errors

    assert error.line == 2
    assert 'unknown country code "XXX"' in error.message
    assert 'unknown priority "q"' in error.message


def test_line_numbers_count_physical_lines(iom):
    multi_line = GOOD.replace("Remittances", '"Remittances\nand savings\n"').replace("IOM-1", "A")
    text = "\n".join([HEADER, "", multi_line, "", GOOD.replace("XYZ", "").replace("KEN", "XYZ")])

    result = import_csv(io.BytesIO(text.encode()))

    assert result.created == 1
    assert [e.line for e in result.errors] == [7]
    assert Activity.objects.get(reference="A").description == "Remittances\nand savings"


def test_missing_required_column_is_one_error_and_nothing_is_imported(db):
    header = HEADER.replace(",regions", "")
    row = "IOM-1,IOM,Survey,,ongoing,2026-01-01,,KEN,b,ILO"

    result = import_lines(row, row.replace("IOM-1", "IOM-2"), header=header)

    assert result.created == 0
    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert "regions" in result.errors[0].message
    assert not Activity.objects.exists()


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_empty_file_is_reported(db, content):
    result = import_csv(io.BytesIO(content))

    assert len(result.errors) == 1
    assert result.errors[0].line == 1
    assert "empty" in result.errors[0].message


def test_non_utf8_bytes_are_reported_with_their_line_and_nothing_is_imported(iom):
    latin1 = GOOD.replace("IOM-1", "IOM-2").replace("Labour", "Caf\xe9").encode("latin-1")
    data = csv_bytes(GOOD).getvalue() + latin1 + b"\n"

    result = import_csv(io.BytesIO(data))

    assert len(result.errors) == 1
    assert result.errors[0].line == 3
    assert "UTF-8" in result.errors[0].message
    assert not Activity.objects.exists()


def test_atomic_saves_nothing_when_a_row_is_rejected(iom):
    existing = ActivityFactory(agency=iom, reference="IOM-0", title="Kept")
    rows = [
        GOOD.replace("IOM-1", "IOM-0"),
        GOOD,
        GOOD.replace("IOM-1", "IOM-2").replace("KEN", "XYZ"),
    ]

    result = import_lines(*rows, atomic=True)

    assert result.rolled_back
    assert (result.created, result.updated) == (0, 0)
    assert [e.line for e in result.errors] == [4]
    assert list(Activity.objects.values_list("reference", flat=True)) == ["IOM-0"]
    existing.refresh_from_db()
    assert (existing.title, existing.version) == ("Kept", 1)


def test_atomic_saves_everything_when_all_rows_are_good(iom):
    result = import_lines(GOOD, GOOD.replace("IOM-1", "IOM-2"), atomic=True)

    assert (result.created, result.rolled_back, result.errors) == (2, False, [])
    assert Activity.objects.count() == 2


# ------------------------------------------------------------------ commands


def write_file(tmp_path, *lines, name="activities.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_import_command_prints_a_summary(iom, tmp_path):
    path = write_file(tmp_path, GOOD, GOOD.replace("IOM-1", "IOM-2"))
    out, err = io.StringIO(), io.StringIO()

    call_command("import_activities", str(path), stdout=out, stderr=err)

    assert "Created 2, updated 0, rejected 0." in out.getvalue()
    assert err.getvalue() == ""
    assert Activity.objects.count() == 2


def test_import_command_fails_and_lists_rejected_rows(iom, tmp_path):
    path = write_file(tmp_path, GOOD, GOOD.replace("IOM-1", "IOM-2").replace("KEN", "XYZ"))
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 row was rejected"):
        call_command("import_activities", str(path), stdout=out, stderr=err)

    assert "Created 1, updated 0, rejected 1." in out.getvalue()
    assert 'line 3: unknown country code "XYZ"' in err.getvalue()
    assert Activity.objects.count() == 1


def test_import_command_atomic(iom, tmp_path):
    path = write_file(tmp_path, GOOD, GOOD.replace("IOM-1", "IOM-2").replace("KEN", "XYZ"))

    with pytest.raises(CommandError, match="Nothing was saved"):
        call_command(
            "import_activities", str(path), "--atomic", stdout=io.StringIO(), stderr=io.StringIO()
        )

    assert not Activity.objects.exists()


def test_import_command_missing_file_is_a_clear_error(db, tmp_path):
    missing = tmp_path / "nope.csv"

    with pytest.raises(CommandError, match=r"Cannot read .*nope\.csv: No such file"):
        call_command("import_activities", str(missing))


def test_import_command_non_utf8_file_is_a_clear_error(iom, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + GOOD.replace("Labour", "Caf\xe9") + "\n").encode("latin-1"))
    err = io.StringIO()

    with pytest.raises(CommandError, match="could not be read"):
        call_command("import_activities", str(path), stdout=io.StringIO(), stderr=err)

    assert "line 2: The file is not UTF-8 text" in err.getvalue()


def test_export_command_writes_a_file_that_imports_back(register, tmp_path):
    path = tmp_path / "export.csv"
    before = snapshot()

    call_command("export_activities", "--output", str(path), stderr=io.StringIO())

    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    # Ordered by agency acronym, then reference.
    assert [line.split(",")[:2] for line in lines[1:3]] == [["ILO/7", "ILO"], ["ILO/8", "ILO"]]
    out = io.StringIO()
    call_command("import_activities", str(path), stdout=out)
    assert "Created 0, updated 3, rejected 0." in out.getvalue()
    assert snapshot() == before


def test_export_command_writes_csv_to_stdout_by_default(register):
    out = io.StringIO()

    call_command("export_activities", "--format", "csv", stdout=out)

    assert out.getvalue() == export_text()


def test_export_command_accepts_only_csv(db):
    with pytest.raises(CommandError):
        call_command("export_activities", "--format", "xlsx")


def test_services_remain_the_only_writer(iom, monkeypatch):
    """The importer must not write activities behind the services' back."""
    calls = []

    def spy(**kwargs):
        calls.append(kwargs["reference"])
        return activity_create(**kwargs)

    monkeypatch.setattr(interchange, "activity_create", spy)

    import_lines(GOOD)

    assert calls == ["IOM-1"]


def test_formula_like_cells_are_defused_and_still_round_trip(iom, tmp_path):
    from activities.interchange import export_rows, import_csv, write_csv
    from activities.models import Activity

    from .factories import ActivityFactory

    ActivityFactory(agency=iom, reference="=HYPERLINK(1)", title="+cmd|' /C calc'!A0")
    out = io.StringIO()
    write_csv(export_rows(Activity.objects.all()), out)
    text = out.getvalue()
    assert "'=HYPERLINK(1)" in text and "'+cmd" in text
    Activity.objects.all().delete()
    result = import_csv(io.StringIO(text))
    assert result.created == 1, result.errors
    activity = Activity.objects.get()
    assert (activity.reference, activity.title) == ("=HYPERLINK(1)", "+cmd|' /C calc'!A0")


# ------------------------------------------------------------------ hostile files


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (GOOD.replace("Labour survey", "Labour\x00survey"), "title"),
        (GOOD.replace("IOM-1", "IOM\x00-1"), "reference"),
        (GOOD.replace("KEN;UGA", "KEN;\x00UGA"), "countries"),
    ],
)
def test_a_nul_byte_is_a_numbered_rejection_and_the_other_rows_go_in(iom, row, column):
    result = import_lines(GOOD.replace("IOM-1", "IOM-0"), row, GOOD.replace("IOM-1", "IOM-2"))

    assert (result.created, result.updated, result.file_error) == (2, 0, False)
    assert [e.line for e in result.errors] == [3]
    assert column in result.errors[0].message
    assert "NUL" in result.errors[0].message
    assert set(Activity.objects.values_list("reference", flat=True)) == {"IOM-0", "IOM-2"}


def test_a_nul_byte_in_a_column_the_importer_does_not_read_is_harmless(iom):
    header = HEADER + ",notes"

    result = import_lines(GOOD + ",scanned\x00page", header=header)

    assert (result.created, result.errors) == (1, [])


UNCLOSED_QUOTES = {
    # The quote runs to the end of the file.
    "to the end": [GOOD.replace("Labour survey", '"Labour survey'), GOOD.replace("IOM-1", "IOM-2")],
    # A later quote closes it, followed by more text.
    "closed mid-value": [
        GOOD.replace("Labour survey", '"Labour survey'),
        GOOD.replace("IOM-1", "IOM-2").replace("Labour survey", '"Second" survey'),
    ],
    # A later quote closes it at the end of the same column: the reader sees one
    # well-formed record whose title holds a row and a half.
    "title swallows a row": [
        GOOD.replace("Labour survey", '"Labour survey'),
        GOOD.replace("IOM-1", "IOM-2").replace("Labour survey", 'Screen 5"'),
    ],
    # The same in the description, which may hold line breaks: each line of the
    # record is a full row on its own.
    "description swallows a row": [
        GOOD.replace("Remittances", '"Remittances'),
        GOOD.replace("IOM-1", "IOM-2").replace("Remittances", 'Savings"'),
    ],
}


@pytest.mark.parametrize("rows", UNCLOSED_QUOTES.values(), ids=UNCLOSED_QUOTES.keys())
def test_an_unclosed_quote_refuses_the_whole_file(iom, rows):
    before = GOOD.replace("IOM-1", "IOM-0")

    result = import_lines(before, *rows, GOOD.replace("IOM-1", "IOM-9"))

    assert result.file_error
    assert (result.created, result.updated, result.rejected) == (0, 0, 0)
    assert [e.line for e in result.errors] == [3]
    assert "Nothing was imported" in result.errors[0].message
    assert not Activity.objects.exists()


def test_import_command_refuses_a_file_with_an_unclosed_quote(iom, tmp_path):
    rows = UNCLOSED_QUOTES["title swallows a row"]
    path = write_file(tmp_path, *rows)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="could not be read"):
        call_command("import_activities", str(path), stdout=out, stderr=err)

    assert "Created 0, updated 0, rejected 0." in out.getvalue()
    assert "line 2:" in err.getvalue()
    assert not Activity.objects.exists()


def test_the_upsert_matches_references_ignoring_case(iom):
    existing = ActivityFactory(agency=iom, reference="IOM-7", title="Old title")

    result = import_lines(GOOD.replace("IOM-1", "iom-7"))

    assert (result.created, result.updated, result.errors) == (0, 1, [])
    existing.refresh_from_db()
    # The stored spelling is the activity's identity; the file only matched it.
    assert (existing.reference, existing.title) == ("IOM-7", "Labour survey")


def test_a_reference_twice_in_one_file_in_two_cases_creates_then_updates(iom):
    result = import_lines(GOOD, GOOD.replace("IOM-1", "iom-1").replace("Labour", "Revised"))

    assert (result.created, result.updated, result.errors) == (1, 1, [])
    assert Activity.objects.get(agency=iom).title == "Revised survey"


def test_import_command_reports_a_nul_byte_as_a_rejected_row_and_reads_on(iom, tmp_path):
    rows = [
        GOOD,
        GOOD.replace("IOM-1", "IOM-2").replace("Labour", "La\x00bour"),
        "IOM-3" + GOOD[5:],
    ]
    path = write_file(tmp_path, *rows)
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 row was rejected"):
        call_command("import_activities", str(path), stdout=out, stderr=err)

    assert "Created 2, updated 0, rejected 1." in out.getvalue()
    assert "line 3: title: holds a NUL character" in err.getvalue()
    assert set(Activity.objects.values_list("reference", flat=True)) == {"IOM-1", "IOM-3"}
