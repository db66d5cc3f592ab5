import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from activities.models import Activity
from activities.services import activity_create
from agencies.models import Agency, Role, User
from agencies.services import member_create
from common.history import command_changes
from demo import (
    capacity_seed,
    governance_seed,
    library_seed,
    positions_seed,
    processes_seed,
    states_seed,
)
from demo import data as demo_data
from geo.models import Country, Region
from initiatives.models import JointInitiative, Participation
from initiatives.services import (
    initiative_create,
    initiative_transition,
    milestone_add,
    milestone_mark_done,
    participation_answer,
    participation_invite,
)
from priorities.models import Priority, TargetGroup, Theme


def error_lines(exc):
    """A ValidationError's messages, prefixed with the field they belong to."""
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [
        message if field == NON_FIELD_ERRORS else f"{field}: {message}"
        for field, messages in exc.message_dict.items()
        for message in messages
    ]


def by_key(model, field, keys):
    """{key: row} for the given keys; a key missing from the database is a demo-data bug."""
    keys = set(keys)
    rows = {getattr(row, field): row for row in model.objects.filter(**{f"{field}__in": keys})}
    missing = sorted(keys - rows.keys())
    if missing:
        name = model._meta.verbose_name_plural
        raise CommandError(f"The demo data names unknown {name}: {', '.join(missing)}.")
    return rows


def _agencies_named(spec):
    """Every agency an initiative's record names: lead, taking part, in its story."""
    named = {spec["lead"], *spec["participants"]}
    for step in spec["story"]:
        named.update(step.get("invited", ()))
        if step.get("agency"):
            named.add(step["agency"])
        if step.get("owner"):
            named.add(step["owner"])
    return named


class Story:
    """One demo initiative's life, told step by step through the initiative services, so
    that its history, participants and milestones agree as they would in the portal.

    Each step happened `days_ago` days before the seed; the services stamp their history
    with the present, so each step's events (and answers) are then dated back to its day.
    The seeded history is the past: it is marked as notified, so nobody is emailed about it.
    """

    def __init__(self, spec, agencies, priorities, people):
        self.spec, self.agencies, self.priorities, self.people = spec, agencies, priorities, people
        self.initiative = None
        self.milestones = {}
        self.step_number = 0
        self.now = timezone.now()

    def person(self, step):
        try:
            return self.people[step["by"]]
        except KeyError:
            raise CommandError(f"The demo data names an unknown person: {step['by']}.") from None

    def tell(self):
        story = self.spec["story"]
        if not story or story[0]["do"] != "propose":
            raise CommandError(f"The story of “{self.spec['title']}” must start with its proposal.")
        previous = None
        for self.step_number, step in enumerate(story, start=1):
            if previous is not None and step["days_ago"] > previous:
                raise CommandError(f"The story of “{self.spec['title']}” goes back in time.")
            previous = step["days_ago"]
            action = getattr(self, f"_{step['do']}", None)
            if action is None:
                raise CommandError(f"The demo data names an unknown step: {step['do']}.")
            seen = self.initiative.events.order_by("-pk").first() if self.initiative else None
            action(step)
            events = self.initiative.events.all()
            if seen is not None:
                events = events.filter(pk__gt=seen.pk)
            events.update(created_at=self._when(step))
        self.initiative.events.update(notified_at=self.now)
        return self.initiative

    def _when(self, step):
        return self.now - datetime.timedelta(days=step["days_ago"])

    def _propose(self, step):
        spec, agencies = self.spec, self.agencies
        self.initiative = initiative_create(
            title=spec["title"],
            description=spec["description"],
            lead_agency=agencies[spec["lead"]],
            start_date=spec["start_date"],
            end_date=spec["end_date"],
            participating_agencies=[agencies[a] for a in spec["participants"]],
            invited_agencies=[agencies[a] for a in step.get("invited", ())],
            priorities=[self.priorities[c] for c in spec["priorities"]],
            primary_priority=self.priorities[spec["primary"]] if spec.get("primary") else None,
            by=self.person(step),
        )

    def _invite(self, step):
        participation_invite(
            self.initiative, agency=self.agencies[step["agency"]], by=self.person(step)
        )

    def _answer(self, step, accept):
        participation = self.initiative.participations.get(agency=self.agencies[step["agency"]])
        answered = participation_answer(
            participation, accept=accept, by=self.person(step), note=step.get("note", "")
        )
        Participation.objects.filter(pk=answered.pk).update(answered_at=self._when(step))

    def _accept(self, step):
        self._answer(step, accept=True)

    def _decline(self, step):
        self._answer(step, accept=False)

    def _status(self, step):
        self.initiative = initiative_transition(
            self.initiative,
            to=step["to"],
            by=self.person(step),
            note=step.get("note", ""),
            results=step.get("results"),
            people_reached=step.get("people_reached"),
        )

    def _milestone(self, step):
        # Due dates count from the day of the seed, so that the demo always has milestones
        # overdue and due soon.
        due = timezone.localdate(self.now) + datetime.timedelta(days=step["due_in_days"])
        self.milestones[step["title"]] = milestone_add(
            self.initiative,
            title=step["title"],
            due_date=due,
            owner_agency=self.agencies[step["owner"]],
            by=self.person(step),
        )

    def _done(self, step):
        milestone_mark_done(
            self.milestones[step["milestone"]],
            by=self.person(step),
            on=timezone.localdate(self._when(step)),
        )


class Command(BaseCommand):
    help = (
        "Fill the portal with demonstration people, joint initiatives and activities "
        "(demo/data.py). Safe to run again: people are matched by email, "
        "initiatives by title and activities by agency and reference, and whatever exists "
        "is left as it is. Never run it on the production database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=demo_data.PASSWORD,
            help=f"The password every new demo person gets (default: {demo_data.PASSWORD}).",
        )

    @command_changes
    def handle(self, *args, password, **options):
        # Checked even when everyone exists, so the table never advertises a password that
        # could not have been set.
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("The password was rejected: " + " ".join(exc.messages)) from exc
        try:
            with transaction.atomic():
                people, new_people = self._people(password)
                initiatives, new_initiatives = self._initiatives(people)
                new_activities = self._activities(people, initiatives)
                processes_seed.seed(people, self.stdout)
                library_seed.seed(people, self.stdout)
                positions_seed.seed(people, self.stdout)
                capacity_seed.seed(people, self.stdout)
                governance_seed.seed(people, self.stdout)
                states_seed.seed(people, self.stdout)
        except ValidationError as exc:
            raise CommandError("The demo data is invalid: " + " ".join(error_lines(exc))) from exc
        self._report(people, new_people, password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(new_people)} people, {new_initiatives} joint initiatives and "
                f"{new_activities} activities; whatever existed was left as it was."
            )
        )

    def _people(self, password):
        agencies = by_key(Agency, "acronym", {p[3] for p in demo_data.PEOPLE if p[3]})
        emails = [p[0] for p in demo_data.PEOPLE]
        people = {
            u.email: u for u in User.objects.select_related("agency").filter(email__in=emails)
        }
        created = set()
        for email, full_name, role, acronym in demo_data.PEOPLE:
            if email not in people:
                people[email] = member_create(
                    email=email,
                    role=role,
                    agency=agencies[acronym] if acronym else None,
                    password=password,
                    full_name=full_name,
                )
                created.add(email)
        return [people[email] for email in emails], created

    def _initiatives(self, people):
        specs = demo_data.INITIATIVES
        agencies = by_key(Agency, "acronym", {a for s in specs for a in _agencies_named(s)})
        priorities = by_key(Priority, "code", {c for s in specs for c in s["priorities"]})
        by_name = {user.email.partition("@")[0]: user for user in people}
        initiatives, created = {}, 0
        for spec in specs:
            initiative = JointInitiative.objects.filter(title=spec["title"]).first()
            if initiative is None:
                story = Story(spec, agencies, priorities, by_name)
                try:
                    initiative = story.tell()
                except ValidationError as exc:
                    raise CommandError(
                        f"Demo initiative “{spec['title']}”, step {story.step_number}, is "
                        "invalid: " + " ".join(error_lines(exc))
                    ) from exc
                created += 1
            initiatives[spec["key"]] = initiative
        return initiatives, created

    def _activities(self, people, initiatives):
        specs = demo_data.ACTIVITIES
        agencies = by_key(
            Agency, "acronym", {a for s in specs for a in [s["agency"], *s["partners"]]}
        )
        lookups = {
            "countries": by_key(Country, "iso3", {c for s in specs for c in s["countries"]}),
            "regions": by_key(Region, "code", {c for s in specs for c in s["regions"]}),
            "priorities": by_key(Priority, "code", {c for s in specs for c in s["priorities"]}),
            "target_groups": by_key(
                TargetGroup, "slug", {c for s in specs for c in s["target_groups"]}
            ),
            "themes": by_key(Theme, "slug", {c for s in specs for c in s["themes"]}),
            "partners": agencies,
        }
        existing = set(Activity.objects.values_list("agency__acronym", "reference"))
        secretariat = next((u for u in people if u.role == Role.SECRETARIAT), None)
        authors = {u.agency.acronym: u for u in people if u.role == Role.STAFF and u.agency}

        created = 0
        for spec in specs:
            spec = dict(spec)
            acronym = spec.pop("agency")
            if (acronym, spec["reference"]) in existing:
                continue
            initiative = spec.pop("initiative", None)
            for name, rows in lookups.items():
                spec[name] = [rows[key] for key in spec[name]]
            try:
                activity_create(
                    agency=agencies[acronym],
                    # Agencies without demo staff had their activities logged by the secretariat.
                    by=authors.get(acronym, secretariat),
                    initiative=initiatives[initiative] if initiative else None,
                    **spec,
                )
            except ValidationError as exc:
                raise CommandError(
                    f"Demo activity {acronym} {spec['reference']} is invalid: "
                    + " ".join(error_lines(exc))
                ) from exc
            created += 1
        return created

    def _report(self, people, new_people, password):
        rows = [("EMAIL", "ROLE", "AGENCY", "")]
        for user in people:
            note = "new" if user.email in new_people else "existed; password unchanged"
            agency = user.agency.acronym if user.agency else "-"
            rows.append((user.email, str(user.get_role_display()), agency, note))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for email, role, agency, note in rows:
            line = f"{email:<{widths[0]}}  {role:<{widths[1]}}  {agency:<{widths[2]}}  {note}"
            self.stdout.write(line.rstrip())
        self.stdout.write(f"\nPassword of every new demo person: {password}\n")
