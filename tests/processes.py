"""Real processes for tests: Celery workers and beat, gunicorn web processes, on the test
database and the test's Redis, and a small HTTP client that keeps cookies and sends CSRF
tokens. Used by tests/test_worker.py, tests/test_gunicorn.py and tests/test_scale_out.py (tests/conftest.py
registers the fixtures).

Every process starts in its own session (process group) and is stopped with its group, so
gunicorn's workers go with their master. The fixtures stop what they started even when the
test fails.
"""

import http.client
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CELERY_KEYS = ("celery", "unacked", "unacked_index", "unacked_mutex")

# Logs of the processes started by the current test, shown when a wait times out.
LOGS: list[Path] = []


def wait_for(predicate, *, what: str, timeout: float = 60):
    """Poll `predicate` until it is true, at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tails = "\n".join(
        f"--- {log.name}\n" + log.read_text(errors="replace")[-3000:] for log in LOGS if log.exists()
    )
    raise AssertionError(f"timed out waiting for {what}; process logs:\n{tails}")


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def pythonpath() -> str:
    return os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))


def _stop_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM the process's group, then SIGKILL it if it has not exited in time."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        process.wait(timeout=timeout)


@pytest.fixture
def redis_client(require_postgres):
    """The test's Redis (the Celery broker), with Celery's queues emptied before and after."""
    import redis

    from tests.conftest import need_service

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


def broker_is_drained(client) -> bool:
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def celery_env(tmp_path: Path, gate: Path | None = None) -> dict:
    """The environment of a Celery process on the test database and broker; e-mails are
    written as files under `tmp_path`/mail."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "CELERY_"))},
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "PORTAL_VAR_DIR": str(tmp_path),
        "EMAIL_BACKEND": "tests.mail_backends.GatedFileBackend",
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "PYTHONPATH": pythonpath(),
    }
    if gate is not None:
        env["PORTAL_TEST_MAIL_GATE"] = str(gate)
    return env


class Worker:
    """One `celery worker` subprocess (solo pool) on the test database and the test's broker;
    with `beat=True`, a `celery beat` process (the database scheduler) instead."""

    def __init__(self, tmp_path: Path, gate: Path | None = None, *, beat: bool = False, extra_env=None):
        self.tmp_path = tmp_path
        self.beat = beat
        self.env = {**celery_env(tmp_path, gate), **(extra_env or {})}
        self.name = f"{'beat' if beat else 'worker'}-{uuid.uuid4().hex[:6]}"
        self.process = None

    def start(self, *, wait: bool = True):
        """Start the process; with `wait`, return once it is ready (else call `wait_ready`)."""
        self.log = self.tmp_path / f"{self.name}.log"
        LOGS.append(self.log)
        command = [sys.executable, "-m", "celery", "-A", "portal"]
        if self.beat:
            command += ["beat", "--loglevel", "debug", "--max-interval", "1"]
            command += ["--schedule", str(self.tmp_path / f"{self.name}.schedule")]
            self.ready = "beat: Starting..."
        else:
            command += ["worker", "--pool", "solo", "--loglevel", "info"]
            command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            command += ["--hostname", f"test-{self.name}@%h"]
            self.ready = "ready."
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self):
        wait_for(lambda: self.ready in self.read_log(), what=f"{self.name} to start")
        return self

    def read_log(self) -> str:
        return self.log.read_text(errors="replace")

    def tasks_succeeded(self, task: str) -> int:
        """How many `task` runs this worker logged as succeeded."""
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", self.read_log()))

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self):
        if self.process is not None:
            _stop_group(self.process)


@pytest.fixture
def workers(tmp_path):
    """workers(gate=None, beat=False, wait=True): start a Celery worker (or beat); all stop at
    teardown."""
    started = []

    def start(gate=None, *, wait=True, **kwargs):
        worker = Worker(tmp_path, gate, **kwargs)
        started.append(worker)
        return worker.start(wait=wait)

    yield start
    for worker in started:
        worker.stop()
    LOGS.clear()


def emails_sent(tmp_path) -> int:
    return sum(message_ids(tmp_path).values())


def message_ids(tmp_path) -> Counter:
    """How many times each notification's Message-ID was written to the mail folder."""
    folder = tmp_path / "mail"
    if not folder.exists():
        return Counter()
    found = Counter()
    for f in folder.iterdir():
        found.update(re.findall(r"Message-ID: <notification-(\d+)@", f.read_text(errors="replace")))
    return Counter({int(k): v for k, v in found.items()})


# --- gunicorn.


def production_env(tmp_path: Path, port: int) -> dict:
    """A production configuration (DJANGO_DEBUG=0) of gunicorn on a throw-away SQLite
    database and folders."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH")
    return {
        **{k: v for k, v in os.environ.items() if k in keep},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-secret-key-for-the-gunicorn-test-only-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "PORTAL_SIGNING_KEY_PATH": str(tmp_path / "signing.pem"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": str(tmp_path / "access.log"),
        "GUNICORN_ERROR_LOG": str(tmp_path / "error.log"),
    }


class Gunicorn:
    """gunicorn with portal/gunicorn.conf.py in its own process group; `env` must set
    GUNICORN_BIND to 127.0.0.1:`port`."""

    def __init__(self, env: dict, port: int, log: Path):
        self.env = env
        self.port = port
        self.log = log
        self.process = None

    def start(self, *, wait: bool = True, headers: dict | None = None):
        """Start gunicorn; with `wait`, return once it answers /healthz (else call `wait_ready`)."""
        LOGS.append(self.log)
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own programs and arguments
                [str(GUNICORN), "-c", "portal/gunicorn.conf.py", "portal.wsgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait:
            self.wait_ready(headers=headers)
        return self

    def wait_ready(self, *, timeout: float = 60, headers: dict | None = None):
        client = Client(self.port, headers=headers)

        def answers() -> bool:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                return client.get("/healthz").status == 200
            except OSError:
                return False

        wait_for(answers, what=f"gunicorn on port {self.port} to answer /healthz", timeout=timeout)
        return self

    def stop(self):
        if self.process is not None:
            _stop_group(self.process)


# --- HTTP.


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path

    def __repr__(self):
        return f"<Response {self.status} {self.location or self.text[:200]!r}>"


class Client:
    """A browser-like HTTP client for one server on 127.0.0.1: keeps its cookies (a session
    moves to another server by copying them), sends Django's CSRF token with every POST,
    does not follow redirects."""

    def __init__(self, port: int, *, cookies: dict | None = None, headers: dict | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {**self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return Response(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict | list) -> Response:
        """A form POST with the CSRF cookie's token (GET a page first to receive the cookie)."""
        token = self.cookies.get(settings.CSRF_COOKIE_NAME, "")
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        fields.append(("csrfmiddlewaretoken", token))
        body = urlencode(fields, doseq=True).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"{'https' if self.headers.get('X-Forwarded-Proto') == 'https' else 'http'}://127.0.0.1:{self.port}",
        }
        return self.request("POST", path, body=body, headers=headers)
