"""Throughput of the public register API against a bare Django view, under gunicorn.

    .venv/bin/python bench/api_register.py [--firms 10000] [--requests 3000] [--concurrency 8]

What it does:

1. Creates a scratch PostgreSQL database (default `portal_bench_api` on the server of
   BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/; the name must contain "bench"),
   dropping any left from an earlier run unless --reuse, migrates it and bulk-creates N firms
   on the register with a realistic mix of stages: applicants, NOC holders, AML-registered
   firms with their registered services, licensed and suspended firms with licences and
   permitted activities, revoked firms.
2. Starts gunicorn (2 sync workers, DJANGO_DEBUG=0, persistent database connections) on a
   free port of 127.0.0.1, with PORTAL_BENCH_URLS=1, which adds /api/bench/bare-register/:
   a plain Django view returning the same first 50 rows with `.values()` — the floor.
3. After a warm-up, drives a bounded number of requests with a pool of client threads at
   GET /api/v1/register/?page_size=50 (the real endpoint: throttle, cursor pagination, the
   register's activities, the serializer) and at the floor, in alternating rounds so a
   change in the machine's load falls on both alike; prints requests per second for each
   and the ratio (target: the API at ≥ 50 % of the floor).
4. Stops gunicorn. Only 127.0.0.1 is ever contacted.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
API = "/api/v1/register/?page_size=50"
FLOOR = "/api/bench/bare-register/"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=3000, help="timed requests per URL")
    parser.add_argument(
        "--rounds", type=int, default=6, help="alternating rounds the requests are split into"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--database", default="portal_bench_api")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    return parser.parse_args()


def database_url(name: str) -> str:
    server = urlsplit(os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    return urlunsplit(server._replace(path=f"/{name}"))


def prepare_database(url: str, *, reuse: bool, marker: str = "bench") -> bool:
    """Create the database; True when it is new (and must be filled). Its name must contain
    `marker`, so that a development database is never dropped by mistake."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if marker not in name:
        sys.exit(f"Refusing to use {name!r}: the database's name must contain {marker!r}.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            return False
        if exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return True


def fill(firms: int) -> None:
    """Migrate and bulk-create the register (runs in this process, on the bench database)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.utils import timezone

    from aml.models import AmlRegistration
    from licensing.models import Activity, Application, Firm, Licence

    rng = random.Random(20261125)  # noqa: S311 - benchmark data, not security
    now = timezone.now()
    today = now.date()
    activities = list(Activity.objects.order_by("pk"))
    registrable = [a for a in activities if a.aml_registrable]
    mix = (
        ["applicant"] * 8
        + ["noc_holder"] * 4
        + ["aml_registered"] * 3
        + ["licensed"] * 4
        + ["suspended", "revoked"]
    )
    rows = []
    for n in range(firms):
        stage = mix[n % len(mix)]
        rows.append(
            Firm(
                legal_name=f"Exchange {n:05d} Ltd",
                trading_names=[f"X{n:05d}"],
                reference_number=f"VASP-2026-{n + 1:05d}",
                lei=None,
                incorporation_country="KY",
                stage=stage,
                stage_changed_at=now,
            )
        )
    Firm.objects.bulk_create(rows, batch_size=5000)
    by_stage = {}
    for pk, stage in Firm.objects.values_list("pk", "stage"):
        by_stage.setdefault(stage, []).append(pk)
    regs = [
        AmlRegistration(firm_id=pk, status="registered", goaml_org_id=f"G{pk}")
        for stage in ("aml_registered", "licensed", "suspended", "revoked")
        for pk in by_stage.get(stage, [])
    ]
    AmlRegistration.objects.bulk_create(regs, batch_size=5000)
    through = AmlRegistration.registered_services.through
    through.objects.bulk_create(
        [
            through(amlregistration_id=reg_id, activity_id=a.pk)
            for reg_id in AmlRegistration.objects.values_list("pk", flat=True)
            for a in rng.sample(registrable, 2)
        ],
        batch_size=5000,
    )
    licensed = [pk for s in ("licensed", "suspended", "revoked") for pk in by_stage.get(s, [])]
    Application.objects.bulk_create(
        [
            Application(firm_id=pk, kind="licence", status="approved", reference=f"APP-L-{pk}")
            for pk in licensed
        ],
        batch_size=5000,
    )
    apps = dict(Application.objects.filter(kind="licence").values_list("firm_id", "pk"))
    status = {"licensed": "active", "suspended": "suspended", "revoked": "revoked"}
    stage_of = dict(Firm.objects.filter(pk__in=licensed).values_list("pk", "stage"))
    Licence.objects.bulk_create(
        [
            Licence(
                firm_id=pk,
                application_id=apps[pk],
                number=f"LIC/2026/{pk:05d}",
                issued_on=today,
                expires_on=today.replace(year=today.year + 1),
                status=status[stage_of[pk]],
            )
            for pk in licensed
        ],
        batch_size=5000,
    )
    through = Licence.permitted_activities.through
    through.objects.bulk_create(
        [
            through(licence_id=licence_id, activity_id=a.pk)
            for licence_id in Licence.objects.values_list("pk", flat=True)
            for a in rng.sample(activities, 3)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def start_gunicorn(env: dict, port: int, workers: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "portal.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited during start-up")
        try:
            if get(port, "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop(process)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def drive(port: int, path: str, count: int, concurrency: int) -> float:
    """Send `count` GETs with `concurrency` threads; seconds taken. Every answer must be 200."""

    def one(_):
        status, _body = get(port, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        for _ in pool.map(one, range(count)):
            pass
    return time.perf_counter() - started


def main():
    args = parse_args()
    url = database_url(args.database)
    var_dir = tempfile.mkdtemp(prefix="bench-api-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PORTAL_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DB_CONN_MAX_AGE": "60",
        "PORTAL_BENCH_URLS": "1",
        "PORTAL_API_THROTTLE_ANON": "100000000/minute",
        "PORTAL_SIGNING_KEY_PATH": str(Path(var_dir) / "signing.pem"),
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "PORTAL_VAR_DIR", "DJANGO_SETTINGS_MODULE")})
    sys.path.insert(0, str(ROOT))
    print(f"database {args.database}: ", end="", flush=True)
    if prepare_database(url, reuse=args.reuse):
        started = time.perf_counter()
        fill(args.firms)
        print(f"filled with {args.firms} firms in {time.perf_counter() - started:.0f} s")
    else:
        print("reused")
    port = free_port()
    process = start_gunicorn(env, port, args.workers)
    try:
        status, body = get(port, API)
        page = json.loads(body)
        assert status == 200 and len(page["results"]) == 50 and page["next"], (status, body[:300])
        status, body = get(port, FLOOR)
        assert status == 200 and len(json.loads(body)["results"]) == 50
        for path in (API, FLOOR):  # warm both workers
            drive(port, path, 200, args.concurrency)
        totals = {API: 0.0, FLOOR: 0.0}
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for path in (FLOOR, API):
                totals[path] += drive(port, path, per_round, args.concurrency)
        sent = per_round * args.rounds
    finally:
        stop(process)
    api_rps, floor_rps = sent / totals[API], sent / totals[FLOOR]
    print(f"requests per URL: {sent} ({args.rounds} alternating rounds, {args.concurrency} client threads)")
    print(f"floor  GET {FLOOR}: {floor_rps:8.1f} req/s")
    print(f"API    GET {API}: {api_rps:8.1f} req/s")
    print(f"ratio API / floor: {api_rps / floor_rps:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
