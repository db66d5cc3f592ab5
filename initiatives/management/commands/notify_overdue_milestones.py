"""Report overdue milestones now, in this process: what the daily beat entry does."""

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from initiatives import services


class Command(BaseCommand):
    help = (
        "Email the lead agency's and the owner agency's focal points about each milestone of a "
        "proposed or active joint initiative that passed its due date undone. A milestone is "
        "reported once per due date: running this again, or beside the daily run, sends "
        "nothing twice. The emails go out from the Celery workers once this commits."
    )

    def handle(self, *args, **options):
        reported = services.notify_overdue_milestones()
        self.stdout.write(
            ngettext(
                "Overdue milestones: %(count)d reported.",
                "Overdue milestones: %(count)d reported.",
                reported,
            )
            % {"count": reported}
        )
