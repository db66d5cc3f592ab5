"""The load benchmark's baseline: the activity list's first page from one raw SQL query.

What a page of 25 activity rows costs when nothing but the database and the HTTP stack is
involved: no ORM, no template, no form, no count. It is served by the same gunicorn and
behind the same middleware (sessions, authentication, CSRF, security headers, history) as
the portal's pages, so the ratio of a page's throughput to this one's says how much of the
machine the page's own work takes. Never in the product's URLs (benchmarks/urls.py).
"""

from html import escape

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse

from activities.models import Activity
from agencies.models import Agency
from geo.models import Country, Region
from priorities.models import Priority

# Table names from the models' metadata (no query): the SQL follows a renamed table.
SQL = """
WITH page AS (
    SELECT a.id, a.reference, a.title, a.language, a.status, a.start_date, a.end_date,
           ag.acronym
    FROM {activity} a JOIN {agency} ag ON ag.id = a.agency_id
    WHERE a.deleted_at IS NULL
    ORDER BY a.updated_at DESC, a.id DESC
    LIMIT %s
)
SELECT p.id, p.reference, p.title, p.language, p.status, p.start_date, p.end_date, p.acronym,
    (SELECT string_agg(r.name, ', ' ORDER BY r.level, r.name)
       FROM {activity_regions} ar JOIN {region} r ON r.code = ar.region_id
      WHERE ar.activity_id = p.id),
    (SELECT string_agg(c.name, ', ' ORDER BY c.name)
       FROM {activity_countries} ac JOIN {country} c ON c.iso3 = ac.country_id
      WHERE ac.activity_id = p.id),
    (SELECT array_agg(pr.code || ' ' || pr.short_title ORDER BY pr.code)
       FROM {activity_priorities} ap JOIN {priority} pr ON pr.id = ap.priority_id
      WHERE ap.activity_id = p.id)
FROM page p
"""


def _sql():
    return SQL.format(
        activity=Activity._meta.db_table,
        agency=Agency._meta.db_table,
        activity_regions=Activity.regions.through._meta.db_table,
        region=Region._meta.db_table,
        activity_countries=Activity.countries.through._meta.db_table,
        country=Country._meta.db_table,
        activity_priorities=Activity.priorities.through._meta.db_table,
        priority=Priority._meta.db_table,
    )


STATUS_LABELS = dict(Activity.Status.choices)


def _row(row):
    pk, reference, title, language, status, start, end, acronym, regions, countries, prios = row
    where = ", ".join(part for part in (regions, countries) if part)
    priorities = " ".join(
        f'<abbr title="{escape(p[2:])}">{escape(p[0])}</abbr>' for p in prios or ()
    )
    return (
        f'<tr><td><a href="/activities/{pk}/" lang="{escape(language)}">{escape(title)}</a>'
        f'<br><span class="muted">{escape(reference)}</span></td>'
        f"<td>{escape(acronym)}</td><td>{escape(where)}</td>"
        f"<td>{start:%b %Y}</td><td>{f'{end:%b %Y}' if end else 'open'}</td>"
        f"<td>{priorities}</td><td>{escape(str(STATUS_LABELS.get(status, status)))}</td></tr>"
    )


@login_required
def baseline_activities(request):
    with connection.cursor() as cursor:
        cursor.execute(_sql(), [settings.PAGE_SIZE])
        rows = cursor.fetchall()
    body = "".join(_row(row) for row in rows)
    return HttpResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Activities</title>'
        "</head><body><h1>Activities</h1><table><thead><tr><th>Activity</th><th>Agency</th>"
        "<th>Where</th><th>Start</th><th>End</th><th>Priorities</th><th>Status</th></tr>"
        f"</thead><tbody>{body}</tbody></table></body></html>"
    )
