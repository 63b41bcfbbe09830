"""Reminders through a real Celery worker and Redis, against PostgreSQL.

The worker is a subprocess (`celery -A portal worker --pool solo`) on the test database; it
writes e-mails as files, which these tests count across processes. Skipped locally without
REDIS_URL or PostgreSQL; CI (REQUIRE_SERVICES=1) fails instead.
"""

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from licensing.services.agreements import agreement_record
from portal.dates import local_today
from portal.deadlines.models import Reminder, ReminderStatus
from portal.deadlines.sweep import sweep
from portal.notifications.models import EmailStatus, Notification
from tests.conftest import need_service

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]
CELERY_KEYS = ("celery", "unacked", "unacked_index", "unacked_mutex")


LOGS: list[Path] = []


def wait_for(predicate, *, what: str, timeout: float = 60):
    """Poll `predicate` until it is true, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tails = "\n".join(log.read_text(errors="replace")[-3000:] for log in LOGS if log.exists())
    raise AssertionError(f"timed out waiting for {what}; worker logs:\n{tails}")


@pytest.fixture
def redis_client(require_postgres):
    import redis

    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        need_service("Redis", "REDIS_URL is not set")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        need_service("Redis", str(exc))
    client.delete(*CELERY_KEYS)
    yield client
    client.delete(*CELERY_KEYS)
    client.close()


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """One `celery worker` subprocess on the test database and the test's broker."""

    def __init__(self, tmp_path: Path, gate: Path | None = None):
        self.tmp_path = tmp_path
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "CELERY_"))},
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "PORTAL_VAR_DIR": str(tmp_path),
            "EMAIL_BACKEND": "tests.mail_backends.GatedFileBackend",
            "CELERY_VISIBILITY_TIMEOUT": "2",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
        }
        if gate is not None:
            self.env["PORTAL_TEST_MAIL_GATE"] = str(gate)
        self.process = None

    def start(self):
        self.log = self.tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        LOGS.append(self.log)
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo"]
        command += ["--loglevel", "info", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        command += ["--hostname", f"test-{uuid.uuid4().hex[:8]}@%h"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for(lambda: "ready." in self.log.read_text(errors="replace"), what="the worker to start")
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(gate=None):
        worker = Worker(tmp_path, gate).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    LOGS.clear()


def emails_sent(tmp_path) -> int:
    folder = tmp_path / "mail"
    if not folder.exists():
        return 0
    return sum(f.read_text(errors="replace").count("Message-ID: <notification-") for f in folder.iterdir())


@pytest.fixture
def due_mou(approver):
    """An MoU whose window closes in five days: one reminder (7 days before) is due now."""
    return agreement_record(
        actor=approver,
        title="MoU on tokenised T-bills",
        scope="Advisory on tokenising T-bills.",
        counterparty_name="Fictional Exchange Ltd",
        signed_on=local_today() - datetime.timedelta(days=170),
        window_months=None,
        owner_id=approver.pk,
    )


def broker_is_drained(client) -> bool:
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def test_a_reminder_is_delivered_by_a_worker_through_redis_and_concurrent_sweeps_send_it_once(
    redis_client, workers, tmp_path, due_mou
):
    barrier = threading.Barrier(2)
    reports = []

    def one_sweep():
        barrier.wait(timeout=10)
        try:
            reports.append(sweep())
        finally:
            connection.close()

    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(len(r.reminder_ids) for r in reports) == 1  # two sweeps at once: claimed once
    assert sweep().reminder_ids == []  # and a repeated sweep claims nothing

    workers()
    wait_for(lambda: emails_sent(tmp_path) == 1, what="the reminder e-mail")
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
    assert emails_sent(tmp_path) == 1
    reminder = Reminder.objects.get(deadline__agreement=due_mou)
    assert reminder.status == ReminderStatus.SENT
    assert Notification.objects.get(reminder=reminder).email_status == EmailStatus.SENT


def test_a_worker_killed_mid_send_still_ends_with_exactly_one_email(
    redis_client, workers, tmp_path, due_mou, settings
):
    gate = tmp_path / "gate"
    gate.mkdir()
    first = workers(gate=gate)
    report = sweep()
    assert len(report.reminder_ids) == 1, report
    wait_for(lambda: (gate / "started").exists(), what="the worker to start sending")
    first.kill()  # SIGKILL, in the middle of the e-mail task
    assert emails_sent(tmp_path) == 0
    note = Notification.objects.get(reminder__deadline__agreement=due_mou)
    assert note.email_status == EmailStatus.PENDING  # the send's transaction died with the worker

    (gate / "open").touch()
    workers(gate=gate)  # the broker gives the unacknowledged task to the new worker
    settings.PORTAL_REQUEUE_AFTER_SECONDS = 0
    sweep()  # and the sweep queues the pending e-mail again from the database: twice is harmless
    wait_for(lambda: emails_sent(tmp_path) >= 1, what="the e-mail after the restart")
    wait_for(lambda: broker_is_drained(redis_client), what="every copy of the task to run", timeout=90)
    assert emails_sent(tmp_path) == 1
    note.refresh_from_db()
    assert note.email_status == EmailStatus.SENT


def test_after_redis_is_flushed_the_next_sweep_rebuilds_what_is_due_from_the_database(
    redis_client, workers, tmp_path, due_mou, settings
):
    report = sweep()  # queued, but no worker is running
    assert len(report.reminder_ids) == 1 and redis_client.llen("celery") == 1
    redis_client.flushdb()  # Redis restarted without persistence: the queue is gone
    workers()
    settings.PORTAL_REQUEUE_AFTER_SECONDS = 0
    rebuilt = sweep()
    assert rebuilt.requeued_reminders == report.reminder_ids and rebuilt.reminder_ids == []
    wait_for(lambda: emails_sent(tmp_path) == 1, what="the reminder e-mail")
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
    assert emails_sent(tmp_path) == 1
