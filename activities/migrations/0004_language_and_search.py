"""Activities get a language, and a stored full-text search vector with a GIN index.

The vector is a column kept current by the services rather than a generated column or
an expression index, because it holds the names of the activity's countries and
regions, which live in other tables (a generated column or an index expression can
only read the row itself). On PostgreSQL this migration fills it for the existing
activities and builds the GIN index; SQLite (local development) has neither GIN nor
text search, keeps the column empty and searches word by word instead.

The SQL below is frozen as it stands at this migration, as migrations must be; it
computes what ActivityQuerySet.refresh_search_vector computes.
"""

import django.contrib.postgres.search
from django.db import migrations, models

INDEX = "activity_search_idx"

FILL = """
UPDATE activities_activity AS a SET search_vector =
    setweight(to_tsvector(c.config, coalesce(a.title, '') || ' ' || coalesce(a.reference, '')), 'A')
    || setweight(to_tsvector(c.config,
        coalesce((SELECT acronym FROM agencies_agency WHERE id = a.agency_id), '') || ' '
        || coalesce((SELECT string_agg(k.name || ' ' || k.name_fr || ' ' || k.name_es, ' ')
                     FROM activities_activity_countries ac JOIN geo_country k ON k.iso3 = ac.country_id
                     WHERE ac.activity_id = a.id), '') || ' '
        || coalesce((SELECT string_agg(r.name, ' ')
                     FROM activities_activity_regions ar JOIN geo_region r ON r.code = ar.region_id
                     WHERE ar.activity_id = a.id), '')), 'B')
    || setweight(to_tsvector(c.config, coalesce(a.description, '')), 'C')
FROM (SELECT id, (CASE language WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish'
                  ELSE 'english' END)::regconfig AS config
      FROM activities_activity) AS c
WHERE c.id = a.id
"""


def build_search(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The index first, then the vectors: built after an UPDATE in the same transaction,
    # the index would be marked unusable until every transaction older than this one
    # had ended (pg_index.indcheckxmin), and searches would scan the table meanwhile.
    schema_editor.execute(f"CREATE INDEX {INDEX} ON activities_activity USING gin (search_vector)")
    schema_editor.execute(FILL)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_reference_unique_ignoring_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="language",
            field=models.CharField(
                choices=[("en", "English"), ("fr", "French"), ("es", "Spanish")],
                default="en",
                help_text="The language the title and description are written in.",
                max_length=2,
                verbose_name="language",
            ),
        ),
        migrations.AddField(
            model_name="activity",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(build_search, drop_search_index),
    ]
