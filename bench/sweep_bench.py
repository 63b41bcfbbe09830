"""Benchmark: the deadline sweep with 1 000 000 deadlines against 10 000, the same 100 due.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python bench/sweep_bench.py [--sizes 10000 1000000] [--runs 7]

Needs PostgreSQL (the index and the locking are the point). It creates the database when
missing, migrates it, and for each size fills `deadlines_deadline` with open deadlines whose
next action is in the future, plus the same 100 whose next action has come. It prints the
claim query's plan (EXPLAIN ANALYZE), the median time of a sweep that claims the 100
(brokers are left out: the reminders are collected, not queued), and a second sweep right
after, which must claim nothing. The sweep must not slow down with the table: the time ratio
of the largest to the smallest size must be at most 1.5. Results go in docs/BENCHMARKS.md.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
DUE = 100


def setup(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(size: int, now: datetime.datetime) -> list[int]:
    """`size` open deadlines: `size - DUE` with their next action in the future, DUE due now."""
    from django.db import connection

    from licensing.models import Firm
    from portal.businessdays.calendar import at_local_time
    from portal.deadlines.models import DeadlineKind, DeadlineRule

    firm, _created = Firm.objects.get_or_create(
        legal_name="Benchmark Exchange Ltd", defaults={"incorporation_country": "KY"}
    )
    rule = DeadlineRule.objects.get(kind=DeadlineKind.DEFINITIVE_AGREEMENT)
    today = now.date()
    due_on = today + datetime.timedelta(days=5)  # its d-7 reminder fell due two days ago
    due_next = at_local_time(due_on - datetime.timedelta(days=7), 9)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_notification, deadlines_reminder, deadlines_deadlinepause, "
            "deadlines_deadline RESTART IDENTITY"
        )
        insert = """
            INSERT INTO deadlines_deadline (kind, rule_id, firm_id, status, started_at, due_on, due_at,
                original_due_on, paused_days, reminder_offsets, next_action_at, created_at)
            SELECT %(kind)s, %(rule)s, %(firm)s, 'open', %(now)s, %(due_on)s::date + (i %% 300),
                   %(due_at)s::timestamptz + (i %% 300) * interval '1 day',
                   %(due_on)s::date + (i %% 300), 0, '[90, 30, 7, 1, 0]'::jsonb,
                   %(next)s::timestamptz + (i %% 86400) * interval '1 second', %(now)s
            FROM generate_series(1, %(count)s) AS i
        """
        common = {"kind": rule.kind, "rule": rule.pk, "firm": firm.pk, "now": now}
        far = today + datetime.timedelta(days=200)
        cursor.execute(
            insert,
            {
                **common,
                "due_on": far,
                "due_at": at_local_time(far + datetime.timedelta(days=1), 0),
                "next": at_local_time(far - datetime.timedelta(days=90), 9),
                "count": size - DUE,
            },
        )
        cursor.execute(
            insert.replace("(i %% 300)", "0").replace("(i %% 86400)", "0"),
            {
                **common,
                "due_on": due_on,
                "due_at": at_local_time(due_on + datetime.timedelta(days=1), 0),
                "next": due_next,
                "count": DUE,
            },
        )
        cursor.execute("ANALYZE deadlines_deadline")
        cursor.execute("SELECT id FROM deadlines_deadline WHERE next_action_at <= %s ORDER BY id", [now])
        return [row[0] for row in cursor.fetchall()]


def reset(due_ids: list[int], next_action) -> None:
    from portal.deadlines.models import Deadline, Reminder

    Reminder.objects.filter(deadline_id__in=due_ids).delete()
    Deadline.objects.filter(pk__in=due_ids).update(next_action_at=next_action)


def plan(now) -> str:
    from django.db import connection, transaction

    from portal.deadlines.models import Deadline

    queryset = (
        Deadline.objects.due_for_action(now)
        .order_by("next_action_at")
        .select_for_update(skip_locked=True, of=("self",))
        .only("pk", "due_on", "reminder_offsets", "next_action_at")[:500]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = queryset.query.get_compiler(using="default").as_sql()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def timed_sweep(now) -> tuple[float, int]:
    from portal.deadlines.sweep import sweep

    started = time.perf_counter()
    report = sweep(now=now, enqueue_reminder=lambda pk: None, enqueue_email=lambda pk: None)
    return time.perf_counter() - started, len(report.reminder_ids)


def measure(size: int, runs: int, now) -> dict:
    from portal.deadlines.models import Deadline

    filled = time.perf_counter()
    due_ids = fill(size, now)
    filled = time.perf_counter() - filled
    assert len(due_ids) == DUE, len(due_ids)
    next_action = Deadline.objects.get(pk=due_ids[0]).next_action_at
    query_plan = plan(now)
    times = []
    for _ in range(runs):
        reset(due_ids, next_action)
        elapsed, claimed = timed_sweep(now)
        assert claimed == DUE, claimed
        times.append(elapsed)
        again, claimed_again = timed_sweep(now)
        assert claimed_again == 0, claimed_again
    return {
        "size": size,
        "fill_s": filled,
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "second_ms": again * 1000,
        "second_claimed": claimed_again,
        "plan": query_plan,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    if not url.startswith("postgres"):
        print("BENCH_DATABASE_URL must point at PostgreSQL.", file=sys.stderr)
        return 2
    setup(url)
    from django.utils import timezone

    now = timezone.now()
    results = [measure(size, args.runs, now) for size in args.sizes]
    print(f"| deadlines | due | sweep (median of {args.runs}) | fastest | second sweep | claimed again |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['size']:,} | {DUE} | {r['median_ms']:.1f} ms | {r['min_ms']:.1f} ms | "
            f"{r['second_ms']:.1f} ms | {r['second_claimed']} |"
        )
    ratio = results[-1]["median_ms"] / results[0]["median_ms"]
    print(f"\nRatio {results[-1]['size']:,} / {results[0]['size']:,}: {ratio:.2f} (must be ≤ 1.5)")
    for r in results:
        print(f"\nClaim query plan with {r['size']:,} deadlines:\n{r['plan']}")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
