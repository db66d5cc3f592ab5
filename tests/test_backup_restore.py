"""The restore drill: a backup made with `make backup` restores into an empty database.

pg_dump and pg_restore are required, never skipped: without them there are no backups.
"""

import contextlib
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import sql

from activities.models import Activity
from history.models import ActivityEvent
from initiatives.models import Participation

from .factories import ActivityFactory, ParticipationFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


def connect(name):
    config = connection.settings_dict
    db = psycopg2.connect(
        dbname=name,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    db.autocommit = True
    return db


def database_url(name):
    config = connection.settings_dict
    credentials = quote(config["USER"] or "", safe="")
    if config["PASSWORD"]:
        credentials += ":" + quote(config["PASSWORD"], safe="")
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgres://{credentials}@{config['HOST'] or 'localhost'}{port}/{name}"


@contextlib.contextmanager
def empty_database(name):
    server = connect("postgres")
    with server.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with server.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        server.close()


def row_counts(name):
    """Rows in every table of the public schema, by table."""
    db = connect(name)
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = sorted(row[0] for row in cursor.fetchall())
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
        return counts
    finally:
        db.close()


def audit_triggers(name):
    """The names of the audit history's triggers (pgtrigger's) in the database, by table."""
    with contextlib.closing(connect(name)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
            " WHERE tgname LIKE 'pgtrigger_%' ORDER BY 1, 2"
        )
        return cursor.fetchall()


def manage(*args, database):
    env = {**os.environ, "DATABASE_URL": database_url(database)}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_into_an_empty_database(tmp_path):
    for _ in range(3):
        ActivityFactory()
    ParticipationFactory()
    UserFactory.create_batch(2)
    source = connection.settings_dict["NAME"]
    printed = StringIO()
    call_command("backup_db", dir=str(tmp_path), stdout=printed)
    dump = Path(printed.getvalue().strip())
    assert dump.parent == tmp_path and dump.name.startswith(f"{source}-")
    assert dump.suffix == ".dump" and dump.stat().st_size > 0
    assert list(tmp_path.iterdir()) == [dump]  # no partial file left behind

    with empty_database(f"{source}_restored") as restored:
        result = manage("restore_db", str(dump), "--force", database=restored)
        assert result.returncode == 0, result.stderr
        expected = row_counts(source)
        assert expected["activities_activity"] == Activity.objects.count() == 3
        assert expected["initiatives_participation"] == Participation.objects.count() == 1
        assert row_counts(restored) == expected
        # The audit history is restored with the records (an insert event for each
        # activity), and so are the triggers that go on recording it.
        assert expected["history_activityevent"] == ActivityEvent.objects.count() >= 3
        assert audit_triggers(restored) == audit_triggers(source) != []
        check = manage("migrate", "--check", database=restored)
        assert check.returncode == 0, check.stdout + check.stderr


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such backup file"):
        call_command("restore_db", str(tmp_path / "nothing.dump"), "--force")


def test_restore_asks_for_the_database_name_first(tmp_path):
    dump = tmp_path / "gmg.dump"
    dump.write_bytes(b"PGDMP")
    with (
        mock.patch("builtins.input", return_value="yes") as asked,
        mock.patch("common.backups.subprocess.run") as tool,
        pytest.raises(CommandError, match="Not confirmed"),
    ):
        call_command("restore_db", str(dump), stdout=StringIO())
    asked.assert_called_once()
    tool.assert_not_called()
    name = connection.settings_dict["NAME"]
    with (
        mock.patch("builtins.input", return_value=name),
        mock.patch("common.backups.subprocess.run") as tool,
    ):
        tool.return_value.returncode = 0
        call_command("restore_db", str(dump), stdout=StringIO())
    command = tool.call_args.args[0]
    assert command[0].endswith("pg_restore") and command[-1] == str(dump)
    # All or nothing: a failed restore leaves the database as it was.
    assert "--single-transaction" in command and "--exit-on-error" in command
    # The connection (password included) travels in libpq's variables, not in `ps`.
    assert tool.call_args.kwargs["env"]["PGDATABASE"] == name


def test_a_missing_pg_dump_is_an_error_not_a_silent_skip(tmp_path):
    with (
        mock.patch("common.backups.shutil.which", return_value=None),
        pytest.raises(CommandError, match="pg_dump was not found"),
    ):
        call_command("backup_db", dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []
