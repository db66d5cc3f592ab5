"""Demonstration common positions, one at least in each stage, loaded by `seed_demo`.

Each position in demo/fixtures/positions.json carries its story: the steps of its life
(drafted, revised, put to consultation, commented on and answered, put to endorsement,
endorsed or declined by a head, adopted, withdrawn), each `days_ago` days before the seed and
taken by a demo person named by the start of their email. The steps go through the position
services, so that the versions, comments, answers and history agree as in the portal.

A version of a text never changes once saved, not even its date; so rather than dating
things back afterwards (as the initiatives' stories do), each step is taken with the clock
set to its day. Deadlines are `deadline_in_days` after the day of the seed, so that the demo
always has comments due soon and an endorsement whose reminders are due.

Positions are matched by title: one that exists is left as it is.
"""

import contextlib
import datetime
import json
from pathlib import Path
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone

from agencies.models import Agency
from positions import services
from positions.models import Position, PositionEvent
from priorities.models import Priority

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "positions.json"


def load():
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for record in records:
        record.pop("why", None)  # a note for whoever edits the file, not data
    return records


@contextlib.contextmanager
def _clock_at(when):
    """timezone.now() (and so auto_now fields and the services' "today") reads `when`."""
    with mock.patch.object(timezone, "now", return_value=when):
        yield


class Story:
    def __init__(self, spec, people, now):
        self.spec, self.people, self.now = spec, people, now
        self.position = None
        self.comments = {}
        self.step_number = 0

    def person(self, step):
        try:
            return self.people[step["by"]]
        except KeyError:
            raise CommandError(f"The demo data names an unknown person: {step['by']}.") from None

    def deadline(self, step):
        return timezone.localdate(self.now) + datetime.timedelta(days=step["deadline_in_days"])

    def tell(self):
        story = self.spec["story"]
        if not story or story[0]["do"] != "draft":
            raise CommandError(f"The story of “{self.spec['title']}” must start with its draft.")
        previous = None
        for self.step_number, step in enumerate(story, start=1):
            if previous is not None and step["days_ago"] > previous:
                raise CommandError(f"The story of “{self.spec['title']}” goes back in time.")
            previous = step["days_ago"]
            action = getattr(self, f"_{step['do']}", None)
            if action is None:
                raise CommandError(f"The demo data names an unknown step: {step['do']}.")
            when = self.now - datetime.timedelta(days=step["days_ago"])
            with _clock_at(when):
                action(step)
                if self.position is not None:
                    self.position.refresh_from_db()
        # The seeded history is the past: nobody is emailed about it.
        PositionEvent.objects.filter(position=self.position).update(notified_at=self.now)
        return self.position

    def _draft(self, step):
        spec = self.spec
        self.position = services.position_create(
            title=spec["title"],
            kind=spec.get("kind", Position.Kind.POSITION),
            summary=spec.get("summary", ""),
            lead_agency=Agency.objects.get(acronym=spec["lead"]),
            priorities=list(Priority.objects.filter(code__in=spec["priorities"])),
            text=step["text"],
            by=self.person(step),
        )

    def _revise(self, step):
        self.position = services.position_update(
            self.position,
            by=self.person(step),
            base_version=self.position.current_version.number,
            text=step["text"],
            change_note=step["note"],
        )

    def _move(self, step, to):
        self.position = services.position_transition(
            self.position,
            to=to,
            by=self.person(step),
            note=step.get("note", ""),
            deadline=self.deadline(step) if "deadline_in_days" in step else None,
        )

    def _consult(self, step):
        self._move(step, Position.Status.CONSULTATION)

    def _endorsement(self, step):
        self._move(step, Position.Status.ENDORSEMENT)

    def _adopt(self, step):
        self._move(step, Position.Status.ADOPTED)

    def _withdraw(self, step):
        self._move(step, Position.Status.WITHDRAWN)

    def _comment(self, step):
        parent = self.comments[step["to"]] if step.get("to") else None
        comment = services.comment_add(
            self.position, by=self.person(step), text=step["text"], parent=parent
        )
        if step.get("key"):
            self.comments[step["key"]] = comment

    def _answer(self, step, endorse):
        head = self.person(step)
        endorsement = self.position.endorsements.get(agency_id=head.agency_id)
        services.endorsement_answer(
            endorsement, endorse=endorse, by=head, note=step.get("note", "")
        )

    def _endorse(self, step):
        self._answer(step, endorse=True)

    def _decline(self, step):
        self._answer(step, endorse=False)


def seed(people, stdout=None):
    """Tell every demo position's story that has not been told yet; returns how many."""
    by_name = {user.email.partition("@")[0]: user for user in people}
    now = timezone.now()
    created = 0
    for spec in load():
        if Position.objects.filter(title=spec["title"]).exists():
            continue
        story = Story(spec, by_name, now)
        try:
            story.tell()
        except ValidationError as exc:
            raise CommandError(
                f"Demo position “{spec['title']}”, step {story.step_number}, is invalid: "
                + " ".join(exc.messages)
            ) from exc
        created += 1
    if stdout is not None:
        stdout.write(f"Created {created} common positions; those that existed were left as is.")
    return created
