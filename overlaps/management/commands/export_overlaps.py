from django.core.management.base import BaseCommand, CommandError

from overlaps import calibration
from overlaps.exports import write_flags_csv
from overlaps.models import OverlapFlag


class Command(BaseCommand):
    help = (
        "Write the flagged pairs (score at or above the threshold, plus every decided pair) as "
        "CSV: reference_a,agency_a,reference_b,agency_b,similarity,status,reasons "
        "(similarity in percent, reasons in words)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write; standard output by default.")

    def handle(self, *args, output=None, **options):
        flags = (
            OverlapFlag.objects.exportable(calibration.current()[1])
            .with_pair()
            .order_by("-score", "pk")
        )
        if output:
            try:
                with open(output, "w", newline="", encoding="utf-8") as out:
                    count = write_flags_csv(flags, out)
            except OSError as exc:
                raise CommandError(f"Cannot write {output}: {exc.strerror}") from exc
            self.stderr.write(f"Wrote {count} pairs to {output}.")
        else:
            self.stdout.ending = ""
            write_flags_csv(flags, self.stdout)
