from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.interchange import export_rows, write_csv
from activities.models import Activity


class Command(BaseCommand):
    help = (
        "Write every activity as CSV, ordered by agency acronym and reference, in the "
        "format that import_activities reads back."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=["csv"],
            default="csv",
            help="Output format (only csv for now).",
        )
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="Write to this file instead of standard output (UTF-8; replaced if present).",
        )

    def handle(self, *args, format, output, **options):
        activities = Activity.objects.order_by("agency__acronym", "reference")
        if output is None:
            write_csv(export_rows(activities), self.stdout)
            return
        try:
            # newline="" because the csv module writes its own line endings.
            with open(output, "w", encoding="utf-8", newline="") as out:
                count = write_csv(export_rows(activities), out)
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(file)s: %(problem)s")
                % {"file": output, "problem": exc.strerror or exc}
            ) from None
        # stderr, so the count never mixes with CSV when PATH is /dev/stdout.
        self.stderr.write(
            ngettext(
                "Exported %(count)d activity to %(file)s.",
                "Exported %(count)d activities to %(file)s.",
                count,
            )
            % {"count": count, "file": output},
            style_func=lambda text: text,
        )
