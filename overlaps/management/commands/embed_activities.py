import sys
import time

from django.core.management.base import BaseCommand

from overlaps import services


class Command(BaseCommand):
    help = (
        "Compute and store the sentence embedding of every activity that has none, or whose "
        "text changed since: the first-time embedding of a register, or after a model "
        "change. Resumable: what is stored is not redone. Reports the throughput."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=256, help="Texts per stored batch.")

    def handle(self, *args, batch=256, **options):
        started = time.monotonic()

        def progress(done, total):
            rate = done / max(time.monotonic() - started, 1e-9)
            sys.stderr.write(f"\rembedded {done:,} of {total:,} ({rate:.1f} texts/s)")
            sys.stderr.flush()

        done = services.embed_missing(batch=batch, progress=progress)
        seconds = time.monotonic() - started
        if done:
            sys.stderr.write("\n")
        self.stdout.write(
            f"Embedded {done:,} activities in {seconds:.1f} s "
            f"({done / max(seconds, 1e-9):.1f} per second)."
        )
