"""Who made a change, for the events the audit history's triggers write (pghistory's context).

Here, at the bottom, so that any app's commands and tasks can say who they are; the event
models and pages are in history/, above every app.

pghistory prefixes every SQL statement inside its context with PostgreSQL's set_config(),
which SQLite (`make run`) cannot run, and SQLite records no history anyway: there the
context is nothing.
"""

import contextlib
import functools

import pghistory
from django.db import connection


def recording():
    """True where history is recorded: on PostgreSQL, where the triggers are installed."""
    return connection.vendor == "postgresql"


def changes_by(**metadata):
    """A context whose metadata (`user=pk`, `command="import_activities"`, `url=…`) every
    change made inside it carries into its events."""
    if not recording():
        return contextlib.nullcontext()
    return pghistory.context(**metadata)


def command_changes(handle):
    """For a management command's handle(): what it changes names the command."""

    @functools.wraps(handle)
    def handle_recorded(self, *args, **options):
        with changes_by(command=self.__module__.rsplit(".", 1)[-1]):
            return handle(self, *args, **options)

    return handle_recorded
