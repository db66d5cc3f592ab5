from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common import backups


class Command(BaseCommand):
    help = (
        "Restore a pg_dump -Fc file into the database of DATABASE_URL, replacing what it "
        "holds. Asks for the database's name as confirmation unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The dump to restore (e.g. var/backups/gmg-….dump).")
        parser.add_argument("--force", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, **options):
        config = backups.database()
        dump = Path(options["file"])
        if not dump.is_file():
            raise CommandError(f"No such backup file: {dump}")
        if not options["force"]:
            self.stdout.write(
                f"This replaces everything in the database {config['NAME']!r} "
                f"with the contents of {dump}."
            )
            answer = input("Type the database's name to go on: ")
            if answer.strip() != config["NAME"]:
                raise CommandError("Not confirmed: nothing was restored.")
        # One transaction: a restore that fails half-way leaves the database as it was.
        backups.run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={config['NAME']}",
            str(dump),
            config=config,
        )
        self.stdout.write(f"Restored {dump} into {config['NAME']!r}.")
