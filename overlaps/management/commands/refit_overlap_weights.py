from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from overlaps import calibration, engine, learning, services
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
        old_weights, old_threshold = calibration.current()
        # Features as the scan computes them (the text model of the whole register), starting
        # from the calibration in force, as the automatic refit does.
        profiles = engine.load_profiles() or None
        text_model = None
        if profiles:
            text_model = engine.TextModel.fit(profiles)
            services.store_embeddings(text_model.take_fresh_embeddings())
        try:
            fitted = learning.fit_weights(
                list(decided),
                profiles,
                text_model,
                complementary=complementary,
                prior=old_weights,
                threshold=old_threshold,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
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
