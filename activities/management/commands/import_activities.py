import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activities.interchange import COLUMNS, REQUIRED_COLUMNS, import_csv
from common.history import changes_by


class Command(BaseCommand):
    help = (
        "Create or update activities from a UTF-8 CSV file, matching rows to existing "
        "activities on (agency, reference), capitals aside. Required columns: "
        + ", ".join(REQUIRED_COLUMNS)
        + "; optional: "
        + ", ".join(COLUMNS[len(REQUIRED_COLUMNS) :])
        + ". Separate several values in one cell with ';'. Rejected rows are listed on "
        "stderr as 'line N: reason' and make the command exit with status 1; the other "
        "rows are saved (unless --atomic). A file that cannot be read strictly (broken "
        "quoting, not UTF-8, a bad header) is refused whole: nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            metavar="FILE.csv",
            help="The CSV file to read (UTF-8, with or without a byte-order mark).",
        )
        parser.add_argument(
            "--atomic",
            action="store_true",
            help="Save nothing at all if any row is rejected (default: save the valid rows).",
        )

    def handle(self, *args, file, atomic, **options):
        try:
            # Binary, so that the importer can name the line of a non-UTF-8 byte.
            # Every activity the file creates or changes names this import in its history.
            with (
                open(file, "rb") as fileobj,
                changes_by(command="import_activities", file=os.path.basename(file)),
            ):
                result = import_csv(fileobj, by=None, atomic=atomic)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(problem)s")
                % {"file": file, "problem": exc.strerror or exc}
            ) from None

        self.stdout.write(
            _("Created %(created)d, updated %(updated)d, rejected %(rejected)d.")
            % {"created": result.created, "updated": result.updated, "rejected": result.rejected}
        )
        for line, message in result.errors:
            if line is None:
                self.stderr.write(message)
            else:
                self.stderr.write(
                    _("line %(line)d: %(message)s") % {"line": line, "message": message}
                )
        if result.errors:
            parts = []
            if result.rejected:
                parts.append(
                    ngettext(
                        "%(count)d row was rejected.",
                        "%(count)d rows were rejected.",
                        result.rejected,
                    )
                    % {"count": result.rejected}
                )
            if result.file_error:
                parts.append(_("The file could not be read; nothing was imported."))
            if result.rolled_back:
                parts.append(_("Nothing was saved (--atomic)."))
            raise CommandError(" ".join(parts))
