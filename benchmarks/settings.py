"""Settings for the load benchmark's gunicorn only (benchmarks/load.py sets
DJANGO_SETTINGS_MODULE to this module for the server it starts, never elsewhere).

Everything is the portal's own settings, read from the same environment; the one change
is the URLconf, which adds the raw-SQL baseline page beside the portal's pages so that both
are served by the same gunicorn, workers, middleware and database connections.
"""

from gmg_portal.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
