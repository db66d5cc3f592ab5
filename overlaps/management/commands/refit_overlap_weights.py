from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from overlaps import calibration, learning
from overlaps.models import OverlapFlag, ScoreCalibration


class Command(BaseCommand):
    help = (
        "Refit the overlap score's weights and threshold on the secretariat's decisions "
        "(confirmed = duplication; not related and, by default, complementary = not). "
        f"Needs at least {learning.MIN_DECISIONS} decided pairs of both kinds. Prints the "
        "result; with --apply it is stored and used from the next check or scan on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--apply", action="store_true", help="Store the new weights and threshold."
        )
        parser.add_argument(
            "--complementary",
            choices=["negative", "exclude"],
            default="negative",
            help="Count complementary decisions as 'not a duplicate' (default) or leave them out.",
        )

    def handle(self, *args, apply=False, complementary="negative", **options):
        decided = OverlapFlag.objects.decided().only("activity_a_id", "activity_b_id", "status")
        try:
            fitted = learning.fit_weights(list(decided), complementary=complementary)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        old_weights, old_threshold = calibration.current()
        self.stdout.write(f"Fitted on {fitted['n']} decisions.")
        for name, value in fitted["weights"].items():
            self.stdout.write(f"  {name:<16} {old_weights.get(name, 0):.3f} -> {value:.3f}")
        self.stdout.write(f"  {'threshold':<16} {old_threshold:.3f} -> {fitted['threshold']:.3f}")
        if not apply:
            self.stdout.write("Not applied: run again with --apply to use these.")
            return
        with transaction.atomic():
            ScoreCalibration.objects.create(
                weights=fitted["weights"], threshold=fitted["threshold"], decisions=fitted["n"]
            )
        self.stdout.write(
            "Applied. Run detect_overlaps to re-score existing pairs with the new weights."
        )
