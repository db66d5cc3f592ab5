"""benchmarks/load.py runs end to end on a tiny register: its own gunicorn, its own data,
people of every role signed in through the real sign-in form, every page answered.

Behaviour, not timing: the figures of a run this small say nothing about speed.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.urls import Resolver404, resolve
from django.utils import timezone

from activities.models import Activity

from .factories import ActivityFactory

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "baseline (raw SQL, 25 rows)",
    "activity list",
    "activity list, filtered",
    "activity list, search",
    "dashboard",
    "activity detail",
    "agency detail",
    "priority detail",
    "duplication queue",
    "coverage matrix",
    "digest archive",
}

BASELINE = "/bench/baseline/activities/"


def database_url():
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def rows(response):
    """The ids of the activities a page links to, in order."""
    assert response.status_code == 200
    ids = re.findall(r'href="/activities/(\d+)/"', response.content.decode())
    return list(dict.fromkeys(int(pk) for pk in ids))


@pytest.mark.django_db
def test_the_baseline_lists_the_same_rows_as_the_activity_lists_first_page(
    client, alice, iom, settings
):
    activities = ActivityFactory.create_batch(30, agency=iom)
    Activity.all_objects.filter(pk=activities[-1].pk).update(deleted_at=timezone.now())
    client.force_login(alice)
    listed = rows(client.get("/activities/"))
    settings.ROOT_URLCONF = "benchmarks.urls"
    response = client.get(BASELINE)
    assert rows(response) == listed
    assert len(listed) == settings.PAGE_SIZE
    assert activities[-1].pk not in listed
    assert "Kenya" in response.content.decode()


def test_the_baseline_is_not_a_page_of_the_portal():
    with pytest.raises(Resolver404):
        resolve(BASELINE)


# The server is another process: it must see committed rows, and the reference data the
# migrations load comes back after the test (as in the browser tests).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_load_script_generates_data_signs_in_every_role_and_serves_every_page(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the load test runs on PostgreSQL")
    assert not Activity.all_objects.exists()
    out = tmp_path / "load.json"
    result = subprocess.run(
        [
            sys.executable,
            "benchmarks/load.py",
            "--database-url",
            database_url(),
            "--redis-url",
            os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "--activities",
            "200",
            "--clients",
            "2,6",
            "--duration",
            "0.5",
            "--mixed-duration",
            "1",
            "--max-requests",
            "20",
            "--skip-migrate",
            "--json",
            str(out),
            "--log",
            str(tmp_path / "gunicorn.log"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text())

    # It filled the empty database itself, with the generator.
    assert report["config"]["activities"] == Activity.objects.count() == 200
    assert [level["clients"] for level in report["levels"]] == [2, 6]
    for level in report["levels"]:
        assert set(level["pages"]) == PAGES
        for name, page in level["pages"].items():
            assert page["requests"] > 0, name
            assert page["errors"] == 0, (name, page["error_statuses"])
            assert page["p50_ms"] <= page["p95_ms"] <= page["p99_ms"], name
        for name in ("activity list", "activity list, filtered", "activity list, search"):
            assert level["pages"][name]["ratio_to_baseline"] > 0
        mixed = level["mixed"]["pages"]
        assert set(mixed) == PAGES - {"baseline (raw SQL, 25 rows)"}
        assert sum(page["errors"] for page in mixed.values()) == 0
    # Six clients are six people of every role, each signed in through the sign-in form, the
    # secretariat with the code of its authenticator app (its pages answered 200 above, not
    # the redirect to setting one up).
    assert report["config"]["people"] == {
        "staff": 3,
        "focal_point": 1,
        "head": 1,
        "secretariat": 1,
    }
    assert report["config"]["two_step"] == 1
