"""Send the weekly digests now, in this process: what the beat and the sweeper do."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from agencies.models import User
from common import emails
from digests import content, services
from digests import week as weeks

NOT_DELIVERED = (
    services.Status.FAILED,
    services.Status.PENDING,
    services.ERROR,
)


class Command(BaseCommand):
    help = (
        "Claim and send the weekly digest of an ISO week (default: the week just ended) to "
        "every person due it. A digest reports on a whole week, so the week must be over. "
        "A digest already sent, empty or failed is never sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--week",
            help="ISO week as YYYY-Www, e.g. 2026-W48: a week that is over "
            "(default: the week just ended).",
        )
        parser.add_argument("--recipient", metavar="EMAIL", help="Only this person.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Build and print each digest's subject; claim and send nothing.",
        )

    def handle(self, *args, week=None, recipient=None, dry_run=False, **options):
        if week:
            try:
                year, number = weeks.parse(week)
            except weeks.WeekError as exc:
                raise CommandError(f"--week {week}: {exc}") from exc
        else:
            year, number = weeks.reported()
        person = None
        if recipient:
            person = User.objects.filter(email__iexact=recipient.strip()).first()
            if person is None:
                raise CommandError(f"--recipient {recipient}: nobody has this email address.")
        label = weeks.label(year, number)
        if dry_run:
            self._dry_run(year, number, person)
            return

        def report(user, outcome):
            self.stdout.write(f"{label} {user.email or f'person {user.pk}'}: {outcome}")

        counts = services.send_week(year, number, recipient=person, report=report)
        summary = ", ".join(f"{count} {name}" for name, count in counts.items() if count)
        self.stdout.write(f"{label}: {summary or 'nobody due'}")
        # Exit non-zero when a digest due was not delivered, so that cron, CI or the person
        # running this by hand sees it: failed for good, failed to build, or a temporary SMTP
        # failure left pending (the sweeper retries it, but it has not gone out yet).
        undelivered = sum(counts.get(outcome, 0) for outcome in NOT_DELIVERED)
        if undelivered:
            raise CommandError(
                f"{label}: {undelivered} digest(s) not delivered: see the log and the delivery "
                "archive (/digests/)."
            )

    def _dry_run(self, year, week, person):
        label = weeks.label(year, week)
        people = services.due_recipients(year, week)
        if person is not None:
            people = people.filter(pk=person.pk)
            if not people.exists():
                self.stdout.write(f"{label} {person.email}: not due this digest")
                return
        for user in people:
            if not services.has_email(user):
                self.stdout.write(f"{label} person {user.pk}: no email address, would skip")
                continue
            with translation.override(services.language_for(user)):
                digest = content.build_digest(user, year, week)
                if digest.is_empty:
                    self.stdout.write(f"{label} {user.email}: empty, would send nothing")
                    continue
                subject, _text, _html = emails.render("digest", digest.context())
            self.stdout.write(f"{label} {user.email}: would send “{subject}”")
        self.stdout.write(f"{label}: dry run, nothing claimed or sent")
