"""Every change of a position's text is a new version that never changes; any two versions
can be compared, side by side or in one column, with the typed text escaped."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import InternalError
from django.urls import reverse
from django.utils.html import escape

from positions import diff, services
from positions.models import ImmutableVersionError, Position, PositionEvent, PositionVersion

from .markup import Page
from .positions import consulted, draft, in_endorsement
from .test_sitewide import HOSTILE, hostile_markup


def edit_url(position):
    return reverse("positions:edit", args=[position.pk])


def edit_data(position, **changes):
    data = {
        "title": position.title,
        "kind": position.kind,
        "summary": position.summary,
        "priorities": [str(p.pk) for p in position.priorities.all()],
        "text": position.current_version.text,
        "change_note": "",
        "base_version": position.current_version.number,
    }
    data.update(changes)
    return data


# -- versions ----------------------------------------------------------------------------------


def test_a_changed_text_is_a_new_version_and_the_old_one_stays(iom, alice):
    position = draft(iom, by=alice, text="First text.")
    position = services.position_update(
        position, by=alice, base_version=1, text="Second text.", change_note="Shorter."
    )
    assert position.current_version.number == 2
    texts = dict(position.versions.values_list("number", "text"))
    assert texts == {1: "First text.", 2: "Second text."}
    revised = position.events.get(kind=PositionEvent.Kind.REVISED)
    assert revised.version.number == 2 and revised.note == "Shorter." and revised.actor == alice


def test_the_same_text_makes_no_version_and_details_change_in_place(iom, alice):
    position = draft(iom, by=alice, text="Same.")
    position = services.position_update(
        position, by=alice, base_version=1, text="Same.\r\n", title="A better title"
    )
    assert position.versions.count() == 1
    assert position.title == "A better title"
    assert list(position.events.values_list("kind", flat=True)) == ["created", "edited"]


def test_a_new_text_needs_a_note_on_what_changed(iom, alice):
    position = draft(iom, by=alice)
    with pytest.raises(ValidationError) as caught:
        services.position_update(position, by=alice, base_version=1, text="Other.")
    assert "change_note" in caught.value.message_dict
    assert position.versions.count() == 1


def test_an_editor_working_on_an_older_version_saves_nothing(client, iom, alice, fiona):
    position = draft(iom, by=alice)
    stale = edit_data(position)
    services.position_update(position, by=fiona, base_version=1, text="Fiona's.", change_note="F")
    client.force_login(alice)
    response = client.post(edit_url(position), {**stale, "text": "Alice's.", "change_note": "A"})
    assert response.status_code == 200
    assert "Someone saved a new version" in response.content.decode()
    position.refresh_from_db()
    assert position.current_version.text == "Fiona's."
    assert position.versions.count() == 2


def test_a_saved_version_cannot_change_through_the_model(iom):
    version = draft(iom, text="Original.").current_version
    version.text = "Rewritten."
    with pytest.raises(ImmutableVersionError):
        version.save()
    with pytest.raises(ImmutableVersionError):
        PositionVersion.objects.filter(pk=version.pk).update(text="Rewritten.")
    version.refresh_from_db()
    assert version.text == "Original."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_a_saved_version_cannot_change_in_the_database_either(iom, alice):
    version = draft(iom, by=alice, text="Original.").current_version
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE positions_positionversion SET text = %s WHERE id = %s",
            ["Rewritten.", version.pk],
        )
    # The author may still go (an account deleted): the version stays, unsigned.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE positions_positionversion SET author_id = NULL WHERE id = %s", [version.pk]
        )
    version = PositionVersion.objects.get(pk=version.pk)
    assert version.text == "Original." and version.author is None


@pytest.mark.parametrize("stage", ["endorsement", "withdrawn"])
def test_the_text_is_frozen_once_out_of_draft_and_consultation(client, iom, alice, sam, stage):
    position = in_endorsement(iom)
    if stage == "withdrawn":
        position = services.position_transition(position, to="withdrawn", by=sam, note="No.")
    with pytest.raises(ValidationError):
        services.position_update(position, by=sam, base_version=1, text="New.", change_note="N")
    client.force_login(alice)
    assert client.get(edit_url(position)).status_code == 403
    client.force_login(sam)
    assert client.post(edit_url(position), edit_data(position, text="X")).status_code == 403
    assert position.versions.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("alice", 302), ("fiona", 302), ("sam", 302), ("harry", 403), ("bob", 403), (None, 302)],
)
def test_who_revises_the_text_in_consultation(request, client, iom, who, status):
    position = consulted(iom)
    if who:
        client.force_login(request.getfixturevalue(who))
    data = edit_data(position, text="Revised text.", change_note="After comments.")
    response = client.post(edit_url(position), data)
    assert response.status_code == status
    revised = who in ("alice", "fiona", "sam")
    assert position.versions.count() == (2 if revised else 1)


def test_a_draft_is_read_only_by_its_agency_and_the_secretariat(
    client, iom, alice, harry, bob, sam
):
    position = draft(iom)
    url = position.get_absolute_url()
    for user, status in ((alice, 200), (harry, 200), (sam, 200), (bob, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        version = reverse("positions:version", args=[position.pk, 1])
        assert client.get(version).status_code == status
    client.logout()
    assert client.get(url).status_code == 302
    assert Position.objects.visible_to(bob).count() == 0


# -- comparing ---------------------------------------------------------------------------------


def test_inline_diff_marks_words_added_and_removed():
    segments = diff.inline("Migrants have rights.\nAll of them.", "Migrants have equal rights.")
    assert segments == [
        diff.Segment("equal", "Migrants have "),
        diff.Segment("insert", "equal "),
        diff.Segment("equal", "rights."),
        diff.Segment("delete", "\nAll of them."),
    ]
    # Joined back, each side is its text.
    old = "".join(s.text for s in segments if s.kind != "insert")
    new = "".join(s.text for s in segments if s.kind != "delete")
    assert (old, new) == ("Migrants have rights.\nAll of them.", "Migrants have equal rights.")


def test_side_by_side_pairs_the_changed_lines():
    rows = diff.side_by_side("One.\nTwo words.\nThree.", "One.\nTwo new words.\nThree.\nFour.")
    kinds = [(r.kind, r.old_number, r.new_number) for r in rows]
    assert kinds == [("equal", 1, 1), ("replace", 2, 2), ("equal", 3, 3), ("insert", None, 4)]
    changed = rows[1]
    assert changed.new == [
        diff.Segment("equal", "Two "),
        diff.Segment("insert", "new "),
        diff.Segment("equal", "words."),
    ]
    assert diff.changed("One.", "One. Two three.") == (2, 0)


def test_the_compare_page_shows_the_change_with_the_typed_text_escaped(client, iom, alice):
    old = f"Safe migration for all.\nMarkup: {HOSTILE}"
    new = f"Safe and regular migration for all.\nMarkup: {HOSTILE} <b>bold</b>"
    position = draft(iom, by=alice, text=old)
    services.position_update(position, by=alice, base_version=1, text=new, change_note=HOSTILE)
    client.force_login(alice)
    url = reverse("positions:compare", args=[position.pk])
    for view in ("side", "inline"):
        html = client.get(url, {"old": 1, "new": 2, "view": view}).content.decode()
        assert not hostile_markup(html), view
        assert "<b>bold" not in html
        page = Page(html)
        inserted = " ".join(e.text for e in page.all("ins"))
        assert "and regular" in inserted and "<b>bold</b>" in inserted
        assert escape("<b>bold</b>") in html
        assert escape(HOSTILE) in html  # the change note and the unchanged line, as text


def test_compare_defaults_to_the_current_and_previous_version(client, iom, alice, bob):
    position = consulted(iom, text="A.")
    for n, text in enumerate(("B.", "C."), start=1):
        services.position_update(
            position, by=alice, base_version=n, text=text, change_note=f"To {text}"
        )
    client.force_login(bob)
    url = reverse("positions:compare", args=[position.pk])
    html = client.get(url).content.decode()
    assert "From version 2 to version 3" in html
    # A version that does not exist falls back to the usual pair.
    assert "From version 2 to version 3" in client.get(url, {"old": 9}).content.decode()
    older = client.get(url, {"old": 1, "new": 3, "view": "inline"}).content.decode()
    assert "From version 1 to version 3" in older


def test_a_version_page_shows_that_text(client, iom, alice):
    position = draft(iom, by=alice, text="First <em>text</em>.")
    services.position_update(position, by=alice, base_version=1, text="Second.", change_note="S")
    client.force_login(alice)
    html = client.get(reverse("positions:version", args=[position.pk, 1])).content.decode()
    assert escape("First <em>text</em>.") in html and "Second." not in html
    missing = client.get(reverse("positions:version", args=[position.pk, 7]))
    assert missing.status_code == 404


def test_a_deleted_author_leaves_the_version_and_a_deleted_position_takes_them(iom, alice, harry):
    from .positions import answer

    position = in_endorsement(iom, by=alice)
    answer(position, "IOM", by=harry)
    alice.delete()
    version = PositionVersion.objects.get(position=position)
    assert version.author is None and version.text
    position.delete()  # by the admin: its versions, comments and answers go with it
    assert not PositionVersion.objects.exists()
