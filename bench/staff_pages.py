"""Staff pages at scale: the dashboard and the work-queue page with 1 000 and 100 000
applications, the latency ratio between the two, and the query plans behind them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/staff_pages.py [--sizes 1000 100000] [--requests 15] [--reuse]

What it does:

1. Creates one dedicated PostgreSQL database per size, named after DATABASE_URL's database
   plus the size (`portal_bench_1000`, `portal_bench_100000`), dropping any left from an
   earlier run unless --reuse. The name must contain "bench": the script never touches
   the development database.
2. Migrates each and bulk-creates firms and applications with a realistic mix of statuses
   and dates (drafts; open cases spread over the last five months; decided cases over five
   years, each with its recommendation and decision; information requests open and
   answered) with `bulk_create` in batches of 5 000, then VACUUM ANALYZE.
3. Signs in an approver with a second factor (TOTP) through `django.test.Client` on each
   database. For each page, a few warm-up requests per size, then N timed requests per size
   *taking turns* (1 000, 100 000, 1 000, ...), so that a change in the machine's load falls
   on both sizes alike; reports the median (and the fastest) per size. The dashboard is
   timed twice: live (`PORTAL_DASHBOARD_CACHE_SECONDS=0`, every figure computed for each
   request) and as deployed (figures shared for 60 s: most requests read them from the
   cache; the first request of each minute pays the live cost).
4. Prints the ratio of the largest size to the smallest for each page (target: at most 2)
   and EXPLAIN (ANALYZE, BUFFERS) of every query the pages run on the licensing tables at
   the largest size.

About three minutes on two cores for the default sizes. Results are recorded in
docs/BENCHMARKS.md.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
BATCH = 5000
OFFICERS = 20
APPROVERS = 4

# Share of applications in each status (sums to 1): a mature register, mostly decided.
STATUS_MIX = [
    ("draft", 0.06),
    ("submitted", 0.03),
    ("under_review", 0.07),
    ("information_requested", 0.04),
    ("awaiting_decision", 0.02),
    ("approved", 0.52),
    ("refused", 0.18),
    ("withdrawn", 0.05),
    ("lapsed", 0.03),
]
LICENCE_SHARE = 0.3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page (median)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the database if it exists")
    parser.add_argument("--no-plans", action="store_true", help="do not print query plans")
    return parser.parse_args()


def prepare_database(url: str, *, reuse: bool) -> None:
    """Create the bench database (dropping it first unless `reuse`)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to use database {name!r}: the benchmark's database name must contain 'bench'.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PORTAL_VAR_DIR", str(Path(tempfile.gettempdir()) / "portal-bench-var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # As in production: no query log, and the test client's host allowed.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


# --- Data.


def staff():
    from django.contrib.auth.models import Group

    from portal.accounts.models import User
    from portal.accounts.roles import StaffRole

    def person(email, name, role):
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": name})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(Group.objects.get(name=role.value))
        return user

    officers = [
        person(f"officer{i}@bench.example", f"Case Officer {i:02d}", StaffRole.CASE_OFFICER)
        for i in range(OFFICERS)
    ]
    approvers = [
        person(f"approver{i}@bench.example", f"Approver {i}", StaffRole.APPROVER) for i in range(APPROVERS)
    ]
    return officers, approvers


def grow_to(size: int, officers, approvers, rng: random.Random) -> None:
    """Add applications (each with its own firm) until there are `size`."""
    from django.db import connection
    from django.utils import timezone

    from licensing.models import Application, Decision, Firm, InformationRequest, Recommendation

    start = Application.objects.count()
    last_id = Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    now = timezone.now()
    today = timezone.localdate()
    statuses = [s for s, _ in STATUS_MIX]
    weights = [w for _, w in STATUS_MIX]
    for first in range(start, size, BATCH):
        count = min(BATCH, size - first)
        firms = Firm.objects.bulk_create(
            [
                Firm(
                    legal_name=f"Bench Exchange {i:06d} Ltd",
                    incorporation_country=rng.choice(["KY", "SC", "AE", "SG", "MT", "VG"]),
                    reference_number=f"VASP-B-{i:06d}",
                )
                for i in range(first, first + count)
            ]
        )
        apps = []
        for offset, firm in enumerate(firms):
            i = first + offset
            status = rng.choices(statuses, weights)[0]
            kind = "licence" if rng.random() < LICENCE_SHARE else "noc"
            submitted = decided = None
            officer = None
            if status in ("approved", "refused"):
                submitted = now - datetime.timedelta(days=rng.uniform(100, 5 * 365), hours=rng.uniform(0, 24))
                decided = submitted + datetime.timedelta(days=min(rng.lognormvariate(3.9, 0.35), 200))
                officer = rng.choice(officers)
            elif status != "draft":
                submitted = now - datetime.timedelta(days=rng.uniform(0, 150))
                if status != "submitted" or rng.random() < 0.2:
                    officer = rng.choice(officers)
            apps.append(
                Application(
                    kind=kind,
                    firm=firm,
                    reference=None if status == "draft" else f"APP-B-{i:07d}",
                    status=status,
                    submitted_at=submitted,
                    decided_at=decided,
                    assigned_officer=officer,
                    firm_changed_at=now - datetime.timedelta(days=rng.uniform(0, 30))
                    if rng.random() < 0.1
                    else None,
                )
            )
        apps = Application.objects.bulk_create(apps)

        decided_apps = [a for a in apps if a.status in ("approved", "refused")]
        recommendations = Recommendation.objects.bulk_create(
            [
                Recommendation(
                    application=a,
                    officer=a.assigned_officer,
                    outcome="grant" if a.status == "approved" else "refuse",
                    reasons="Assessment complete.",
                )
                for a in decided_apps
            ]
        )
        Decision.objects.bulk_create(
            [
                Decision(
                    application=a,
                    recommendation=r,
                    recommended_by=a.assigned_officer,
                    approver=rng.choice(approvers),
                    outcome=r.outcome,
                    reasons="Agreed.",
                )
                for a, r in zip(decided_apps, recommendations, strict=True)
            ]
        )
        requests = []
        for a in apps:
            if a.status == "information_requested":
                due = today + datetime.timedelta(days=rng.randint(-20, 14))
                requests.append(
                    InformationRequest(
                        application=a,
                        raised_by=a.assigned_officer or officers[0],
                        items=["Audited accounts."],
                        due_on=due,
                    )
                )
            elif a.status in ("approved", "refused") and rng.random() < 0.4:
                requests.append(
                    InformationRequest(
                        application=a,
                        raised_by=a.assigned_officer,
                        items=["Ownership chart."],
                        due_on=timezone.localdate(a.submitted_at) + datetime.timedelta(days=20),
                        status="answered",
                        response="Attached.",
                        responded_at=a.submitted_at + datetime.timedelta(days=10),
                    )
                )
        InformationRequest.objects.bulk_create(requests)

    with connection.cursor() as cursor:
        # auto_now_add stamped "now" on the new rows: date them as the story says.
        cursor.execute(
            "UPDATE licensing_decision d SET created_at = a.decided_at FROM licensing_application a "
            "WHERE d.application_id = a.id AND d.created_at > a.decided_at"
        )
        cursor.execute(
            "UPDATE licensing_recommendation r SET created_at = a.decided_at - interval '3 days' "
            "FROM licensing_application a WHERE r.application_id = a.id AND r.created_at > a.decided_at"
        )
        cursor.execute(
            "UPDATE licensing_application "
            "SET created_at = COALESCE(submitted_at, created_at) - interval '5 days', "
            "status_changed_at = COALESCE(decided_at, submitted_at, status_changed_at) WHERE id > %s",
            [last_id],
        )
        for table in (
            "licensing_firm",
            "licensing_application",
            "licensing_recommendation",
            "licensing_decision",
            "licensing_informationrequest",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")


# --- Timing.


class Dataset:
    """One database of a given size, and a signed-in client for it. `use()` points Django's
    connection (and the cache's key prefix) at it, so sizes can be timed turn about."""

    def __init__(self, size: int, url: str):
        self.size = size
        self.name = f"{urlsplit(url).path.lstrip('/')}_{size}"
        self.url = urlunsplit(urlsplit(url)._replace(path=f"/{self.name}"))
        self.client = None

    def use(self) -> None:
        from django.core.cache import cache
        from django.db import connection

        if connection.settings_dict["NAME"] != self.name:
            connection.close()
            connection.settings_dict["NAME"] = self.name
        connection.ensure_connection()  # connecting is not part of a timed request
        cache.key_prefix = self.name  # each dataset its own cached figures


def signed_in_client(user):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.test import Client

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client()
    client.force_login(user)
    return client


def get(dataset: Dataset, path: str) -> float:
    """One GET of `path` on `dataset`, in milliseconds."""
    dataset.use()
    started = time.perf_counter()
    response = dataset.client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return elapsed


def time_pages(datasets, path: str, *, warmup: int, requests: int) -> dict[int, tuple[float, float]]:
    """(median, fastest) of `requests` GETs per dataset, after `warmup` GETs each. The
    datasets take turns, request by request, so that a change in the machine's load (other
    work on a shared machine) falls on every size alike."""
    for dataset in datasets:
        for _ in range(warmup):
            get(dataset, path)
    timings = {d.size: [] for d in datasets}
    for _ in range(requests):
        for dataset in datasets:
            timings[dataset.size].append(get(dataset, path))
    return {size: (statistics.median(t), min(t)) for size, t in timings.items()}


def pages():
    from django.urls import NoReverseMatch, reverse

    found = {"dashboard": reverse("staff_dashboard")}
    try:
        found["queue"] = reverse("staff_queues")
        found["all cases"] = reverse("staff_queues") + "?queue=all"
    except NoReverseMatch:
        print("Note: there is no `staff_queues` URL yet; the queue page is not timed.")
    return found


def measure(datasets, paths, args) -> dict[str, dict[int, tuple[float, float]]]:
    from django.conf import settings
    from django.core.cache import cache

    results = {}
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0
    results["dashboard (live figures)"] = time_pages(
        datasets, paths["dashboard"], warmup=args.warmup, requests=args.requests
    )
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    results["dashboard (as deployed: 60 s cache)"] = time_pages(
        datasets, paths["dashboard"], warmup=args.warmup, requests=args.requests
    )
    if "queue" in paths:
        try:
            results["queue page"] = time_pages(
                datasets, paths["queue"], warmup=args.warmup, requests=args.requests
            )
        except Exception as error:  # noqa: BLE001 - report it and carry on with the other page
            print(f"Note: the queue page failed ({type(error).__name__}: {error}); it is not timed.")
            del paths["queue"]
    if "all cases" in paths:
        results["queue page, all cases"] = time_pages(
            datasets, paths["all cases"], warmup=args.warmup, requests=args.requests
        )
    return results


def explain(dataset: Dataset, paths) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) each query the pages run on the licensing tables."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0
    dataset.use()
    for name, path in paths.items():
        with CaptureQueriesContext(connection) as ctx:
            dataset.client.get(path)
        print(
            f"\n=== Query plans: {name} page ({path}) with {dataset.size} applications, "
            f"{len(ctx.captured_queries)} queries in all ==="
        )
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "licensing_" not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"\n--- {query['time']} s in the page\n{sql}\n{plan}")


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://.../portal_bench")
    datasets = [Dataset(size, url) for size in sorted(set(args.sizes))]
    for dataset in datasets:
        prepare_database(dataset.url, reuse=args.reuse)
    setup_django(datasets[0].url)

    import django
    from django.core.management import call_command
    from django.db import connection

    from licensing.models import Application

    for dataset in datasets:
        dataset.use()
        call_command("migrate", verbosity=0, interactive=False)
        rng = random.Random(20251201 + dataset.size)  # noqa: S311 - reproducible data, not security
        officers, approvers = staff()
        started = time.perf_counter()
        if Application.objects.count() != dataset.size:
            grow_to(dataset.size, officers, approvers, rng)
        dataset.client = signed_in_client(approvers[0])
        print(f"{dataset.name}: {dataset.size} applications ready in {time.perf_counter() - started:.0f} s")

    paths = pages()
    print(
        f"Django {django.get_version()}, PostgreSQL {connection.cursor().connection.info.server_version}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"{args.requests} timed requests per page and size, taking turns, after {args.warmup} warm-up"
    )
    results = measure(datasets, paths, args)
    print(f"load average {os.getloadavg()[0]:.1f} after timing")

    small, large = datasets[0].size, datasets[-1].size
    print(f"\n{'page':<38} {'applications':>12} {'median ms':>10} {'fastest ms':>10}")
    for page, by_size in results.items():
        for size, (median, fastest) in by_size.items():
            print(f"{page:<38} {size:>12} {median:>10.1f} {fastest:>10.1f}")
    print(f"\nRatio {large} / {small} applications, medians (target <= 2):")
    for page, by_size in results.items():
        before, after = by_size[small][0], by_size[large][0]
        print(f"  {page:<38} {before:8.1f} ms -> {after:8.1f} ms  ratio {after / before:.2f}")

    if not args.no_plans:
        explain(datasets[-1], paths)


if __name__ == "__main__":
    main()
