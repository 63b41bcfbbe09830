"""The portal under load: gunicorn as deployed, 200 Locust users, figures at the end.

    .venv/bin/pip install -r bench/requirements.txt      # Locust; not part of `make test`
    .venv/bin/python bench/load.py                        # 200 users, 5 minutes
    .venv/bin/python bench/load.py --users 50 --run-time 1m --reuse   # a smoke run

What it does:

1. Creates the PostgreSQL database `portal_load` (on the server of BENCH_DATABASE_URL, by
   default postgres://postgres@127.0.0.1:5432/; the name must contain "load"), dropping one
   left from an earlier run unless --reuse, migrates it and seeds it (bench/load_seed.py:
   a few thousand register firms, staff with queues, firm users with drafts). Every run
   writes fresh sessions for the people (var/load/people.json).
2. Collects the static files (hashed and compressed, as production serves them through
   WhiteNoise; once, kept under var/load/static).
3. Starts gunicorn with portal/gunicorn.conf.py on a free port of 127.0.0.1, configured as
   production is (DJANGO_DEBUG=0, persistent database connections, the Redis cache of
   REDIS_URL or --cache-url when given); workers and threads are gunicorn.conf.py's defaults
   unless GUNICORN_WORKERS / GUNICORN_THREADS are set. Only the anonymous API throttle is
   raised: every visitor here comes from 127.0.0.1, which in production would be one person.
4. Runs Locust headless (bench/locustfile.py) for --run-time with --users users spawned at
   --spawn-rate per second, then prints requests per second, the median, 95th and 99th
   percentile response times, the error count, and the machine's load average (other work
   on the machine shares its cores), and the slowest request names.
5. Stops gunicorn. Only 127.0.0.1 is ever contacted. Exit status 1 when the targets (no
   errors, p95 under 300 ms) are missed.
"""

import argparse
import csv
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import api_register

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "load"
TARGET_P95_MS = 300
# The sessions are signed with it: the seeding process and gunicorn must share it.
SECRET_KEY = "load-test-only-secret-key-not-for-production-0123456789"  # noqa: S105


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second")
    parser.add_argument("--run-time", default="5m", help="Locust's --run-time, e.g. 1m, 5m")
    parser.add_argument("--firms", type=int, default=3000, help="firms on the register")
    parser.add_argument("--cases", type=int, default=2000, help="applications in the staff workspace")
    parser.add_argument("--firm-users", type=int, default=150, help="firm users, each with a draft")
    parser.add_argument("--audit-events", type=int, default=400_000, help="audit trail to seed")
    parser.add_argument("--database", default="portal_load")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    parser.add_argument(
        "--cache-url", default=os.environ.get("REDIS_URL", ""), help="CACHE_URL of the portal"
    )
    return parser.parse_args()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def server_env(args, url: str) -> dict:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH") + tuple(
        k for k in os.environ if k.startswith("GUNICORN_")
    )
    return {
        **{k: v for k, v in os.environ.items() if k in keep},
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front here
        "DJANGO_STATIC_ROOT": str(VAR / "static"),
        "DB_CONN_MAX_AGE": "60",
        "CACHE_URL": args.cache_url,
        "PORTAL_VAR_DIR": str(VAR / "var"),
        "PORTAL_SIGNING_KEY_PATH": str(VAR / "signing.pem"),
        "PORTAL_API_THROTTLE_ANON": "1000000/minute",
        "LOG_LEVEL": "WARNING",
        # Locust's users keep their connection between pages, as browsers do, and read a page
        # for up to 10 s: with gunicorn's default of 5 s the server closes idle connections just
        # as a user sends the next request on it (a reset, which browsers survive by retrying).
        # In production the TLS proxy holds the visitors' connections.
        "GUNICORN_KEEPALIVE": os.environ.get("GUNICORN_KEEPALIVE", "15"),
        "GUNICORN_ACCESS_LOG": str(VAR / "access.log"),
        "GUNICORN_ERROR_LOG": str(VAR / "error.log"),
    }


def prepare(args, url: str) -> None:
    """Create and seed the database if needed, then write fresh sessions (in this process)."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "PORTAL_VAR_DIR": str(VAR / "var"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import load_seed

    if api_register.prepare_database(url, reuse=args.reuse, marker="load"):
        load_seed.seed(
            firms=args.firms, cases=args.cases, firm_users=args.firm_users, audit_events=args.audit_events
        )
    else:
        import django

        django.setup()
        print(f"database {args.database}: reused", flush=True)
    load_seed.write_people(VAR / "people.json")


def collectstatic(env: dict) -> None:
    if (VAR / "static" / "staticfiles.json").exists():
        return
    print("collecting static files (once) ...", flush=True)
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def start_gunicorn(env: dict, port: int) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "portal/gunicorn.conf.py", "portal.wsgi"]
    process = subprocess.Popen(  # noqa: S603 - our own programs and arguments
        command, cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited during start-up; see {VAR / 'error.log'}")
        try:
            if api_register.get(port, "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    api_register.stop(process)
    sys.exit("gunicorn did not answer /healthz within 60 s")


def server_cpu_seconds(process: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master, its live workers and the
    workers it has already replaced (GUNICORN_MAX_REQUESTS)."""
    import psutil  # a dependency of Locust

    master = psutil.Process(process.pid)
    ended = master.cpu_times()
    total = ended.children_user + ended.children_system
    for proc in [master, *master.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def run_locust(args, port: int) -> int:
    prefix = VAR / "locust"
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://127.0.0.1:{port}",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "LOAD_PEOPLE": str(VAR / "people.json")}
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


def report(args, load_before: str, load_after: str, cpu: dict) -> bool:
    with (VAR / "locust_stats.csv").open() as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    errors = int(total["Failure Count"])
    p95 = float(total["95%"])
    print()
    print(f"users {args.users}, spawn rate {args.spawn_rate}/s, run time {args.run_time}")
    print(f"machine load average (1/5/15 min): before {load_before}, after {load_after}")
    print(f"requests      {int(total['Request Count'])}")
    print(f"requests/s    {float(total['Requests/s']):.1f}")
    print(f"p50 / p95 / p99   {total['50%']} / {total['95%']} / {total['99%']} ms")
    print(f"errors        {errors}")
    wall = cpu["wall"]
    print(
        f"CPU over {wall:.0f} s: portal (gunicorn) {cpu['server']:.0f} s = {cpu['server'] / wall:.2f} cores, "
        f"Locust {cpu['locust']:.0f} s = {cpu['locust'] / wall:.2f} cores (the machine has {os.cpu_count()})"
    )
    print(f"portal CPU per request: {1000 * cpu['server'] / max(1, int(total['Request Count'])):.1f} ms")
    print("slowest by p95:")
    named = sorted((r for r in rows if r["Name"] != "Aggregated"), key=lambda r: -float(r["95%"]))
    for row in named[:8]:
        print(
            f"  {row['Type']:5} {row['Name'][:48]:48} n={row['Request Count']:>6} "
            f"p50={row['50%']:>5} p95={row['95%']:>5} p99={row['99%']:>5} errors={row['Failure Count']}"
        )
    passed = errors == 0 and p95 < TARGET_P95_MS
    print(f"targets (0 errors, p95 < {TARGET_P95_MS} ms): {'met' if passed else 'MISSED'}")
    return passed


def main():
    args = parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    url = api_register.database_url(args.database)
    prepare(args, url)
    env = server_env(args, url)
    collectstatic(env)
    port = api_register.free_port()
    process = start_gunicorn(env, port)
    try:
        api_register.get(port, "/register/")  # warm each worker's first request a little
        load_before = load_average()
        server_before = server_cpu_seconds(process)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        run_locust(args, port)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {
            "wall": time.monotonic() - started,
            "server": server_cpu_seconds(process) - server_before,
            "locust": (children_after.ru_utime + children_after.ru_stime)
            - (children_before.ru_utime + children_before.ru_stime),
        }
        load_after = load_average()
    finally:
        api_register.stop(process)  # its whole process group
    sys.exit(0 if report(args, load_before, load_after, cpu) else 1)


if __name__ == "__main__":
    main()
