from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from activities.models import Activity
from activities.services import activity_create
from agencies.models import Agency, Role, User
from agencies.services import member_create
from demo import data as demo_data
from geo.models import Country, Region
from initiatives.models import JointInitiative
from initiatives.services import initiative_create
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
                initiatives, new_initiatives = self._initiatives()
                new_activities = self._activities(people, initiatives)
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

    def _initiatives(self):
        specs = demo_data.INITIATIVES
        agencies = by_key(
            Agency, "acronym", {a for s in specs for a in [s["lead"], *s["participants"]]}
        )
        priorities = by_key(Priority, "code", {c for s in specs for c in s["priorities"]})
        initiatives, created = {}, 0
        for spec in specs:
            initiative = JointInitiative.objects.filter(title=spec["title"]).first()
            if initiative is None:
                initiative = initiative_create(
                    title=spec["title"],
                    description=spec["description"],
                    lead_agency=agencies[spec["lead"]],
                    status=spec["status"],
                    start_date=spec["start_date"],
                    end_date=spec["end_date"],
                    participating_agencies=[agencies[a] for a in spec["participants"]],
                    priorities=[priorities[c] for c in spec["priorities"]],
                )
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
