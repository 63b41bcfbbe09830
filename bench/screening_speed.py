"""Screening speed: 10 000 persons against a 20 000-entry list, then an update of 100 entries.

    .venv/bin/python bench/screening_speed.py [--entries 20000] [--persons 10000] [--update 100]
        [--database-url postgres://postgres@127.0.0.1:5432/portal_bench_screening]

What it does (fixed seed, so every run screens the same data):

1. Creates (drops first) a scratch PostgreSQL database whose name must contain "bench" —
   it never touches the development database — and migrates it.
2. Writes a FICTIONAL list of N entries (1-3 common given names with a realistic skew —
   Muhammad is frequent — and one of 2 000 invented surnames) as a national CSV and imports
   it with `aml.importing.import_list`, as `manage.py import_sanctions_list` would.
3. Bulk-creates firms, one draft application each, and the key individuals: 1 % spelling
   variants of listed names; the rest random names from the same given names, a fifth of
   them with a surname that is on the list, the others with one of 7 600 surnames that are
   not (a population's surnames are far more varied than a list's).
4. Times `aml.screening.screen_all()`: every person against every entry in force.
5. Imports the list again with U entries touched (60 % changed, 20 % added, 20 % removed)
   and times `aml.screening.rescreen_version()` — what the Celery task runs after an import:
   only the added and changed entries, against every person.

Targets on the 2-core machine: full screen under 30 s; incremental re-screen under 2 s.
Results are recorded in docs/BENCHMARKS.md ("AML screening").
"""

import argparse
import csv
import datetime
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_screening"
SEED = 20260115

GIVEN = (
    "Muhammad Ahmad Ali Hussain Hassan Yousaf Usman Umar Ibrahim Mustafa Khalid Tariq Rashid Hamid "
    "Imran Bilal Farooq Salim Zubair Jafar Karim Nasir Ismail Aziz Majid Fatima Ayesha Zainab Maryam "
    "Khadija Sana Nadia Rukhsana Shazia Farida Abdullah Usama Zahir Iqbal Asif Kamran Naveed Sajid "
    "Waqas Adnan Faisal Shahid Javed Nadeem Arif Saima Amina Hina Rabia Sadia Bushra Uzma Nazia"
).split()
WEIGHTS = [12 if n == "Muhammad" else 4 if n in ("Ahmad", "Ali", "Syed") else 1 for n in GIVEN]
PRE = (
    "Zar Dar Qal Ghaz Khat Tol Waz Noor Sar Mir Koh Bar Shin Hot Lodh Niaz Durr Yar Pash Ghor Kak Jal "
    "Sam Bukh Tir Swat Haz Kal Mast Zhob Qas Pesh Gwad Turb Chag Nush Khar Dalb Awar Lasb"
).split()
CORE = ("", "band", "gul", "tar", "ris", "dost", "zad", "shir", "nek", "pur")
SUF = (
    "khel wazi andari nafar zai ani abadi zandi banzi dadi stari zoy warai wal mand zi kandi yar "
    "bandi kotti qani vi vandi tungi"
).split()
SPELLINGS = {"Muhammad": "Mohd", "Ahmad": "Ahmed", "Hussain": "Hussein", "Yousaf": "Yusuf", "Usman": "Osman"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--update", type=int, default=100)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    return parser.parse_args()


def prepare_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to use database {name!r}: the benchmark's database name must contain 'bench'.")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PORTAL_VAR_DIR", str(Path(tempfile.gettempdir()) / "portal-bench-var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    settings.CELERY_BROKER_URL = "memory://"  # the bench times the work, not the queue
    call_command("migrate", verbosity=0, interactive=False)


def surnames(rng) -> list[str]:
    names = [p + m + s for p in PRE for m in CORE for s in SUF]
    rng.shuffle(names)
    return names


LISTED_SURNAMES = 2000


def person_name(rng, family: list[str]) -> str:
    given = rng.choices(GIVEN, WEIGHTS, k=rng.choice((1, 2, 2, 3)))
    return " ".join([*dict.fromkeys(given), rng.choice(family)])


def make_list(rng, count: int, family: list[str]) -> list[dict]:
    rows = []
    for n in range(1, count + 1):
        name = person_name(rng, family)
        aliases = [f"Abu {rng.choice(GIVEN)} {name.split()[-1]}"] if rng.random() < 0.3 else []
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(45 * 365))
        rows.append(
            {
                "reference": f"BENCH-{n:06d}",
                "kind": "person",
                "name": name,
                "aliases": ";".join(aliases),
                "dates_of_birth": born.isoformat() if rng.random() < 0.8 else "",
                "nationalities": rng.choice(["PK", "AF", "AE", "SA", "YE", "GB"])
                if rng.random() < 0.8
                else "",
            }
        )
    return rows


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def variant(rng, name: str) -> str:
    words = name.split()
    if rng.random() < 0.5:
        return " ".join(SPELLINGS.get(w, w) for w in reversed(words))
    return " ".join([*(f"{w[0]}." for w in words[:-1]), words[-1]])


def make_people(rng, count: int, listed: list[dict], family: list[str]) -> None:
    from licensing.models import Application, Firm, KeyIndividual

    per_firm = 10
    firms = Firm.objects.bulk_create(
        Firm(legal_name=f"Bench Screening Firm {i:05d} Ltd", incorporation_country="KY")
        for i in range(count // per_firm)
    )
    apps = Application.objects.bulk_create(Application(kind="noc", firm=firm) for firm in firms)
    people = []
    for i in range(count):
        if rng.random() < 0.01:
            entry = rng.choice(listed)
            name, born = variant(rng, entry["name"]), entry["dates_of_birth"] or None
        else:
            pool = family[:LISTED_SURNAMES] if rng.random() < 0.2 else family[LISTED_SURNAMES:]
            name, born = person_name(rng, pool), None
        people.append(
            KeyIndividual(
                application=apps[i // per_firm],
                role="director",
                full_name=name,
                identity_type="passport",
                passport_number=f"B{i:08d}",
                passport_country="GB",
                nationality=rng.choice(["PK", "GB", "AE"]),
                date_of_birth=born
                or datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(40 * 365)),
            )
        )
    KeyIndividual.objects.bulk_create(people, batch_size=5000)


def touch(rng, rows: list[dict], count: int, family: list[str]) -> list[dict]:
    """A new edition of the list: 60 % of `count` changed, 20 % added, 20 % removed."""
    rows = [dict(r) for r in rows]
    changed, added, removed = count * 6 // 10, count // 5, count - count * 6 // 10 - count // 5
    for row in rng.sample(rows, changed):
        row["aliases"] = ";".join(filter(None, [row["aliases"], variant(rng, row["name"])]))
    for victim in rng.sample(range(len(rows)), removed):
        rows[victim] = None
    rows = [r for r in rows if r]
    rows += make_list(rng, added, family)
    for n, row in enumerate(rows[-added:]):
        row["reference"] = f"BENCH-NEW-{n:04d}"
    return rows


def main():
    args = parse_args()
    prepare_database(args.database_url)
    setup_django(args.database_url)
    from aml.importing import import_list
    from aml.models import ScreeningAlert
    from aml.screening import rescreen_version, screen_all

    rng = random.Random(SEED)
    family = surnames(rng)
    listed = make_list(rng, args.entries, family[:LISTED_SURNAMES])
    started = time.perf_counter()
    import_list(
        actor=None, fmt="csv", list_code="bench", file=io.BytesIO(as_csv(listed)), source_name="bench.csv"
    )
    imported = time.perf_counter() - started
    make_people(rng, args.persons, listed, family)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    started, cpu = time.perf_counter(), time.process_time()
    full = screen_all()
    full_seconds, full_cpu = time.perf_counter() - started, time.process_time() - cpu

    edition = touch(rng, listed, args.update, family[:LISTED_SURNAMES])
    started = time.perf_counter()
    version = import_list(actor=None, fmt="csv", list_code="bench", file=io.BytesIO(as_csv(edition)))
    reimported = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    incremental = rescreen_version(version.pk)
    incremental_seconds, incremental_cpu = time.perf_counter() - started, time.process_time() - cpu

    print(f"list: {args.entries} entries imported in {imported:.1f} s")
    print(
        f"full screen: {full.subjects} persons x {full.entries} entries in {full_seconds:.2f} s "
        f"(target < 30 s; Python CPU {full_cpu:.2f} s); {full.pairs_scored} candidate pairs scored for "
        f"{full.subjects_scored} persons; {len(full.alerts)} alerts"
    )
    print(
        f"list update: {version.added} added, {version.changed} changed, {version.removed} removed; "
        f"re-import in {reimported:.1f} s"
    )
    print(
        f"incremental re-screen: {incremental.entries} entries against {incremental.subjects} persons in "
        f"{incremental_seconds:.2f} s (target < 2 s; Python CPU {incremental_cpu:.2f} s); "
        f"{incremental.subjects_scored} persons and {incremental.pairs_scored} pairs scored; "
        f"{len(incremental.alerts)} new alerts"
    )
    print(f"alerts in the database: {ScreeningAlert.objects.count()}")
    print(
        f"load average while running: {os.getloadavg()[0]:.1f} (2 cores; above 2 the figures include waiting)"
    )


if __name__ == "__main__":
    main()
