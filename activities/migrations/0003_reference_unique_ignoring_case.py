"""References become unique per agency regardless of capitals ("IOM-7" = "iom-7").

Rows saved before this could hold such case twins (the check before saving was not
atomic). None is lost: within an agency, the earliest created twin keeps its
reference and each later one gets the first free suffix "~2", "~3", ... (the
reference shortened if needed to stay within 60 characters), so the new unique
index can be built. The renamed ones are easy to find and fix by hand: their
references end in "~" and a number. Migrating back keeps the suffixes (they break
no older rule) and restores the case-sensitive constraint.
"""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count, Value
from django.db.models.functions import Lower

MAX_LENGTH = 60


def suffix_case_twins(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")

    def taken(agency_id, reference):
        # Compared as the new index compares, by the database's lower().
        return (
            Activity.objects.filter(agency_id=agency_id)
            .alias(lowered=Lower("reference"))
            .filter(lowered=Lower(Value(reference)))
            .exists()
        )

    groups = (
        Activity.objects.values("agency_id", lowered=Lower("reference"))
        .annotate(rows=Count("pk"))
        .filter(rows__gt=1)
        .order_by("agency_id", "lowered")
    )
    for group in list(groups):
        twins = (
            Activity.objects.filter(agency_id=group["agency_id"])
            .alias(lowered=Lower("reference"))
            .filter(lowered=group["lowered"])
            .order_by("created_at", "pk")
        )
        for twin in list(twins)[1:]:
            n = 2
            while True:
                suffix = f"~{n}"
                candidate = twin.reference[: MAX_LENGTH - len(suffix)] + suffix
                if not taken(twin.agency_id, candidate):
                    break
                n += 1
            Activity.objects.filter(pk=twin.pk).update(reference=candidate)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_table_renamed"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="activity",
            name="activity_reference_unique_per_agency",
        ),
        # Between the two: the old constraint no longer stands in the way, and the
        # new one is built on references already made distinct.
        migrations.RunPython(suffix_case_twins, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("reference"),
                models.F("agency"),
                name="activity_reference_unique_per_agency_ci",
                violation_error_code="reference_taken",
                violation_error_message="This agency already has an activity with this reference (capital and small letters count as the same).",
            ),
        ),
        migrations.AlterConstraint(
            model_name="activity",
            name="activity_ends_after_start",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__isnull", True),
                    ("end_date__gte", models.F("start_date")),
                    _connector="OR",
                ),
                name="activity_ends_after_start",
                violation_error_code="ends_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ),
    ]
