"""`make run` serves on SQLite: every page must work there too, not only on PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_every_page_works_on_sqlite_after_seed_demo(tmp_path):
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        DJANGO_SETTINGS_MODULE="gmg_portal.settings",
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, str(HERE / "sqlite_smoke.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert " 0 server errors" in done.stdout
