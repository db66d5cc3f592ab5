from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from common import backups


class Command(BaseCommand):
    help = "Dump the database of DATABASE_URL (pg_dump -Fc) to a timestamped file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "var" / "backups"),
            help="Directory for the dump (default: var/backups).",
        )

    def handle(self, *args, **options):
        config = backups.database()
        directory = Path(options["dir"])
        directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        target = directory / f"{config['NAME']}-{stamp}.dump"
        # Written under a temporary name, so that an interrupted dump never looks complete.
        partial = target.with_suffix(".dump.partial")
        try:
            backups.run("pg_dump", "--format=custom", f"--file={partial}", config=config)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.rename(target)
        self.stdout.write(str(target))
