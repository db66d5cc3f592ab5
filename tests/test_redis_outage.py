"""No lost work when Redis is down: a real Redis is killed in the middle of a run, people
keep saving activities and commenting on a pair, and once Redis is back every re-check runs
and every email arrives, each exactly once.

Everything is real: a private redis-server (no persistence, so its death loses whatever it
held), a Celery worker process, an SMTP listener. The worker records every task it finishes
(tests/task_probe.py), which is how "exactly once" is counted.
"""

import collections
import datetime
import json
import os
import shutil
import subprocess
import time

import pytest
import redis

from activities import services as activity_services
from common.models import OutboxMessage
from common.tasks import drain_outbox
from geo.models import Country
from overlaps import review
from priorities.models import Priority

from .test_digest_delivery import free_port, smtp_server  # noqa: F401 - the SMTP fixture
from .test_pair_notifications import flag, ulf, una, unhcr  # noqa: F401 - the pair's people
from .workers import celery_worker, forget_connections, wait_for, worker_idle

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RECHECK = "overlaps.tasks.rescore_activity"
# Sam (secretariat) comments; the IOM and UNHCR focal points and the outside contact hear
# of it (Ulf reads pairs in his digest only, and the person who acted is not told).
TOLD = ["carla@partner.org", "fiona@iom.example", "una@unhcr.example"]


class RedisServer:
    """A redis-server of the test's own on a fixed port, which can be killed and restarted."""

    def __init__(self, port):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed (Debian: apt-get install redis-server)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        assert wait_for(self._answers, timeout=20), "redis-server did not start"

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)
        assert not self._answers()

    def _answers(self):
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def private_redis():
    server = RedisServer(free_port())
    server.start()
    try:
        yield server
    finally:
        if server.process and server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)


def finished(log_path):
    """(task, args) of every task the worker finished, in order."""
    if not log_path.exists():
        return []
    lines = log_path.read_text(encoding="utf-8").splitlines()
    return [(entry["task"], tuple(entry["args"])) for entry in map(json.loads, lines)]


def rechecks(log_path):
    return collections.Counter(args[0] for task, args in finished(log_path) if task == RECHECK)


def emails(smtp):
    """How many times each address received each comment."""
    with smtp.lock:
        messages = list(smtp.messages)
    received = collections.Counter()
    for rcpts, message in messages:
        body = message.get_body(("plain",)).get_content()
        said = [text for text in COMMENTS if text in body]
        assert len(said) == 1, body
        for address in rcpts:
            received[(address, said[0])] += 1
    return received


COMMENTS = [f"Comment number {n}: shall we meet about this pair?" for n in range(4)]


def log_activity(agency, by, n):
    return activity_services.activity_create(
        agency=agency,
        by=by,
        reference=f"IOM-OUTAGE-{n}",
        title=f"Labour migration survey in Kenya, round {n}",
        description="A household survey of labour migrants and their families.",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
        countries=[Country.objects.get(pk="KEN")],
        priorities=[Priority.objects.get(code="d")],
    )


def test_nothing_queued_while_redis_is_down_is_lost_or_done_twice(
    flag,  # noqa: F811
    sam,
    iom,
    alice,
    settings,
    smtp_server,  # noqa: F811
    private_redis,
    tmp_path,
):
    task_log = tmp_path / "tasks.jsonl"
    with celery_worker(
        private_redis.url,
        settings,
        include=["tests.task_probe"],
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        GMG_TEST_TASK_LOG=str(task_log),
    ):
        # Before the outage: the work goes straight through.
        before = [log_activity(iom, alice, n) for n in range(2)]
        review.comment(flag, by=sam, text=COMMENTS[0])
        assert wait_for(
            lambda: len(rechecks(task_log)) == 2 and len(emails(smtp_server)) == 3, timeout=90
        ), (finished(task_log), emails(smtp_server))
        assert not OutboxMessage.objects.exists()

        # Redis dies (no persistence: whatever it held is gone).
        private_redis.kill()
        during = []
        started = time.monotonic()
        for n in range(2, 5):
            during.append(log_activity(iom, alice, n))
        edited = activity_services.activity_update(before[0], by=alice, title="Round 0, revised")
        for text in COMMENTS[1:]:
            review.comment(flag, by=sam, text=text)
        elapsed = time.monotonic() - started
        # Every save and comment succeeded; their follow-up work waits in the outbox.
        assert edited.title == "Round 0, revised"
        waiting = collections.Counter(OutboxMessage.objects.values_list("task", flat=True))
        assert waiting == {RECHECK: 4, "overlaps.tasks.notify_pair_event": 3}
        assert elapsed < 60, f"seven saves with Redis down took {elapsed:.0f} s"
        # Nothing ran meanwhile, and nothing was sent.
        assert len(rechecks(task_log)) == 2 and len(emails(smtp_server)) == 3

        # Redis comes back, empty, on the same port; the beat's next tick publishes the
        # drain, which the worker runs once it has reconnected.
        private_redis.start()
        forget_connections()
        drain_outbox.delay()
        expected_rechecks = collections.Counter(a.pk for a in before + during + [edited])
        expected_emails = collections.Counter({(to, text): 1 for to in TOLD for text in COMMENTS})
        assert wait_for(
            lambda: (
                rechecks(task_log) == expected_rechecks and emails(smtp_server) == expected_emails
            ),
            timeout=120,
        ), (rechecks(task_log), emails(smtp_server), list(OutboxMessage.objects.values()))
        assert not OutboxMessage.objects.exists()

        # And nothing more comes after: the worker is idle and the counts stay exact.
        assert wait_for(lambda: worker_idle(private_redis.url), timeout=60)
        assert rechecks(task_log) == expected_rechecks
        assert emails(smtp_server) == expected_emails
