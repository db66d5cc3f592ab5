from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db.models import Q

from agencies.models import Agency, Role, User
from agencies.services import member_create
from common.history import command_changes

ROLE_HELP = ", ".join(f"{value} ({label})" for value, label in Role.choices)


class Command(BaseCommand):
    help = (
        "Create a person directly, without an invitation: the first secretariat account of a "
        "new installation, or someone who cannot receive the invitation email. Everyone but "
        "the secretariat belongs to an agency. With --password the address counts as verified "
        "and they can sign in at once; without it they must reset their password first. "
        "Example: manage.py create_member a.person@example.org --agency IOM --role focal_point "
        '--name "A. Person" --password "..."'
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="Their email address, which is also their sign-in.")
        parser.add_argument(
            "--role", required=True, choices=Role.values, help=f"One of: {ROLE_HELP}."
        )
        parser.add_argument(
            "--agency",
            metavar="ACRONYM",
            help='Their agency\'s acronym, e.g. IOM or "UN DESA" (any case). '
            "Required unless --role secretariat.",
        )
        parser.add_argument(
            "--password",
            help="Their initial password; the password rules apply (at least 12 characters, "
            "not a common one). Beware that it stays in your shell history.",
        )
        parser.add_argument("--name", default="", metavar="FULL_NAME", help="Their full name.")

    @command_changes
    def handle(self, *args, email, role, agency, password, name, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not a valid email address.") from exc

        agency = self._agency(agency, role)
        if password:
            # Checked before the service so the message can say it is about the password.
            try:
                validate_password(password, User(email=email, full_name=name))
            except ValidationError as exc:
                lines = "\n".join(f"  - {line}" for line in exc.messages)
                raise CommandError(f"The password was rejected:\n{lines}") from exc

        try:
            user = member_create(
                email=email, role=role, agency=agency, password=password, full_name=name
            )
        except ValidationError as exc:
            raise CommandError(f"Could not create {email}: " + " ".join(exc.messages)) from exc

        where = f" at {agency.acronym}" if agency else ""
        self.stdout.write(
            self.style.SUCCESS(f"Created {user.get_role_display().lower()} {user.email}{where}.")
        )
        if not password:
            self.stdout.write(
                "No password was set: they sign in after choosing one with “Forgot password”."
            )

    def _agency(self, acronym, role):
        if not acronym:
            if role == Role.SECRETARIAT:
                return None
            raise CommandError(
                f"--agency is required for the role {role}: only the secretariat works "
                "without an agency."
            )
        acronym = acronym.strip()
        agency = Agency.objects.filter(Q(acronym__iexact=acronym) | Q(slug__iexact=acronym)).first()
        if agency is None:
            known = list(Agency.objects.active().values_list("acronym", flat=True)[:20])
            raise CommandError(
                f"Unknown agency {acronym!r}. Known acronyms include: {', '.join(known)}."
            )
        if not agency.is_active:
            raise CommandError(f"{agency.acronym} is no longer active; nobody can join it.")
        return agency
