"""pg_dump and pg_restore for the database of DATABASE_URL (make backup / make restore).

The connection settings reach the tools through libpq's PG* variables, so the password
never appears on a command line (visible to every user in `ps`).
"""

import os
import shutil
import subprocess  # nosec B404  # runs pg_dump and pg_restore, never a shell

from django.core.management.base import CommandError
from django.db import connections


def database(alias="default"):
    config = connections[alias].settings_dict
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("Backups are made with pg_dump: DATABASE_URL must be a PostgreSQL URL.")
    return config


def libpq_environment(config):
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if config.get(key):
            env[variable] = str(config[key])
        else:
            env.pop(variable, None)
    return env


def run(tool, *args, config):
    """Run a PostgreSQL client tool; a missing tool or a failure stops the command."""
    path = shutil.which(tool)
    if path is None:
        raise CommandError(f"{tool} was not found: install the PostgreSQL client tools.")
    # An argument list, no shell: the path is the tool's, the arguments the settings'.
    result = subprocess.run(  # nosec B603
        [path, *args], env=libpq_environment(config), capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CommandError(f"{tool} failed ({result.returncode}):\n{result.stderr.strip()}")
    return result
