import sys
import time

from django.core.management.base import BaseCommand

from common.history import changes_by
from overlaps import services, tasks


class Command(BaseCommand):
    help = (
        "Score every pair of activities of different agencies that could overlap and update "
        "the duplication flags. Decisions already taken survive. Runs in this process with "
        "progress output; with --workers it is split into blocks for the Celery workers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers",
            action="store_true",
            help="Queue the scan for the Celery workers (a chord of blocks) and return.",
        )
        parser.add_argument(
            "--blocks", type=int, default=None, help="How many blocks to split the scan into."
        )

    def handle(self, *args, workers=False, blocks=None, **options):
        if workers:
            tasks.full_scan.delay(blocks)
            self.stdout.write("Full scan queued for the Celery workers.")
            return
        started = time.monotonic()
        last = [0.0]

        def progress(done, total):
            now = time.monotonic()
            if now - last[0] >= 1 or done == total:
                last[0] = now
                sys.stderr.write(f"\rscored {done:,} of {total:,} candidate pairs")
                sys.stderr.flush()

        with changes_by(command="detect_overlaps"):
            counts = services.full_scan(progress=progress)
        sys.stderr.write("\n")
        self.stdout.write(
            "Flags: {created} new, {updated} refreshed, {removed} removed, "
            "{reopened} reopened after a material change ({seconds:.1f} s).".format(
                seconds=time.monotonic() - started, **counts
            )
        )
