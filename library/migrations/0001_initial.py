"""The knowledge library: its items, and on PostgreSQL the GIN index of their search vector.

The vector is a column the services keep (LibraryItemQuerySet.refresh_search_vector), like
the activities' (activities/0004). Its index is made here, on PostgreSQL only: SQLite
(local development) has no GIN and searches word by word.
"""

import django.contrib.postgres.search
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SEARCH_INDEX = "library_item_search_idx"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = apps.get_model("library", "LibraryItem")._meta.db_table
    schema_editor.execute(f"CREATE INDEX {SEARCH_INDEX} ON {table} USING gin (search_vector)")


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("agencies", "0004_user_pair_notifications"),
        ("geo", "0002_load_countries_and_regions"),
        ("priorities", "0002_terms_of_reference"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LibraryItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("publication", "Publication"),
                            ("data_set", "Data set"),
                            ("tool", "Tool"),
                            ("good_practice", "Good practice or lesson learned"),
                        ],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                ("title", models.CharField(max_length=250, verbose_name="title")),
                ("summary", models.TextField(verbose_name="summary")),
                (
                    "authors",
                    models.CharField(
                        blank=True,
                        help_text="As the work names them: people, units or organisations.",
                        max_length=500,
                        verbose_name="authors",
                    ),
                ),
                (
                    "year",
                    models.PositiveSmallIntegerField(
                        help_text="The year it was published, or will be.",
                        validators=[
                            django.core.validators.MinValueValidator(1950),
                            django.core.validators.MaxValueValidator(2100),
                        ],
                        verbose_name="year",
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        choices=[("en", "English"), ("fr", "French"), ("es", "Spanish")],
                        default="en",
                        help_text="The language the title and summary are written in.",
                        max_length=2,
                        verbose_name="language",
                    ),
                ),
                (
                    "url",
                    models.URLField(
                        blank=True,
                        help_text="Where it can be read, if it is online. Give a link or a file.",
                        max_length=500,
                        verbose_name="link",
                    ),
                ),
                ("stored_name", models.CharField(blank=True, editable=False, max_length=32)),
                (
                    "file_name",
                    models.CharField(
                        blank=True, editable=False, max_length=200, verbose_name="file name"
                    ),
                ),
                (
                    "file_type",
                    models.CharField(
                        blank=True, editable=False, max_length=10, verbose_name="file type"
                    ),
                ),
                (
                    "file_size",
                    models.PositiveBigIntegerField(
                        blank=True, editable=False, null=True, verbose_name="file size"
                    ),
                ),
                (
                    "reviewed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="reviewed"
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "updated_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
                ),
                (
                    "agencies",
                    models.ManyToManyField(
                        help_text="The member agencies that share it. Their staff and focal points edit it.",
                        related_name="library_items",
                        to="agencies.agency",
                        verbose_name="agencies",
                    ),
                ),
                (
                    "countries",
                    models.ManyToManyField(
                        blank=True,
                        related_name="library_items",
                        to="geo.country",
                        verbose_name="countries",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "priorities",
                    models.ManyToManyField(
                        related_name="library_items",
                        to="priorities.priority",
                        verbose_name="priorities",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="reviewed by",
                    ),
                ),
                (
                    "themes",
                    models.ManyToManyField(
                        blank=True,
                        related_name="library_items",
                        to="priorities.theme",
                        verbose_name="themes",
                    ),
                ),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "library item",
                "verbose_name_plural": "library items",
                "ordering": ["-year", django.db.models.functions.text.Lower("title"), "pk"],
                "indexes": [
                    models.Index(fields=["kind", "-year"], name="library_item_kind_idx"),
                    models.Index(fields=["-updated_at"], name="library_item_recent_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("url", ""), models.Q(("stored_name", ""), _negated=True)),
                            models.Q(models.Q(("url", ""), _negated=True), ("stored_name", "")),
                            _connector="OR",
                        ),
                        name="library_item_link_or_file",
                        violation_error_message="Give a link or a file, one of the two.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("stored_name", ""),
                            models.Q(
                                models.Q(("file_name", ""), _negated=True),
                                (
                                    "file_type__in",
                                    ["pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "csv"],
                                ),
                                ("file_size__gt", 0),
                            ),
                            _connector="OR",
                        ),
                        name="library_item_file_described",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("year__gte", 1950), ("year__lte", 2100)),
                        name="library_item_year_plausible",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("reviewed_at__isnull", True),
                            ("kind", "good_practice"),
                            _connector="OR",
                        ),
                        name="library_item_only_good_practice_reviewed",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("stored_name", ""), _negated=True),
                        fields=("stored_name",),
                        name="library_item_stored_name_unique",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
