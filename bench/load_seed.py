"""Data for the load test (bench/load.py): the register, firm users with drafts, staff with
queues, and a session for every person, written to a JSON file the Locust users read.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python bench/load_seed.py --out var/load/people.json

On an empty, migrated database (bench/load.py creates and migrates it):

- the public register: `--firms` firms at every stage, with licences, permitted activities
  and AML registrations (bench/api_register.py's `fill`);
- the staff workspace: 20 case officers and 4 approvers, each with a second factor, and
  `--cases` applications in a mature status mix, each with its own firm: drafts, open cases
  spread over five months, decided cases with their recommendations and decisions
  (bench/staff_pages.py's `staff` and `grow_to`);
- `--firm-users` firm principals, each of a firm of their own with a NOC application in
  draft, started through `application_create` as the portal does;
- an audit trail of `--audit-events` events (400 000 by default) spread over the firms and
  the applications, as years of section saves leave it: the staff case page's timeline and
  "changed since you last looked" read it (the events are not hash-chained: nothing here
  verifies the chain);
- a signed-in session for every firm user and staff member, made as a sign-in makes it
  (the user's id, backend and session hash, the sign-in times the staff session policy
  reads), with a CSRF secret. Nobody signs in during the run: 200 simultaneous Argon2
  password checks from one address would measure the password hasher and trip the sign-in
  rate limit (PORTAL_LOGIN_FAILED_RATE_LIMIT), not the pages.
"""

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - a fictional second factor
OPEN_STATUSES = ("submitted", "under_review", "information_requested", "awaiting_decision")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--firms", type=int, default=3000, help="firms on the public register")
    parser.add_argument("--cases", type=int, default=2000, help="applications in the staff workspace")
    parser.add_argument("--firm-users", type=int, default=150, help="firm users, each with a draft")
    parser.add_argument("--audit-events", type=int, default=400_000, help="audit events to add")
    parser.add_argument("--out", type=Path, required=True, help="where to write the people file")
    return parser.parse_args()


def session_for(user) -> dict:
    """A signed-in session of `user` in the session store, as a sign-in leaves it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from portal.accounts import sessions

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[sessions.LOGIN_AT] = session[sessions.AUTH_AT] = session[sessions.SEEN_AT] = sessions.now()
    session.set_expiry(settings.PORTAL_STAFF_SESSION_HOURS * 3600)
    session.create()
    return {"session": session.session_key, "csrf": _get_new_csrf_string()}


def create_firm_users(count: int) -> None:
    """`count` principals, each of their own firm with a draft NOC application."""
    from licensing.models import ApplicationKind, Firm, FirmMembership, FirmRole
    from licensing.services.applications import application_create
    from portal.accounts.models import User

    for n in range(count):
        user = User(email=f"principal{n:04d}@load.example", full_name=f"Principal {n:04d}")
        user.set_unusable_password()
        user.save()
        user.emailaddress_set.create(email=user.email, verified=True, primary=True)
        firm = Firm.objects.create(
            legal_name=f"Load Applicant {n:04d} Ltd",
            trading_names=[f"LA{n:04d}"],
            incorporation_country="AE",
            incorporation_number=f"AE-{n:06d}",
            contact_email=user.email,
        )
        FirmMembership.objects.create(firm=firm, user=user, role=FirmRole.PRINCIPAL)
        application_create(actor=user, firm_id=firm.pk, kind=ApplicationKind.NOC)


def firm_people() -> list[dict]:
    """A new session for each firm user, with the id of their draft."""
    from licensing.models import Application

    drafts = Application.objects.filter(
        created_by__email__endswith="@load.example", status="draft"
    ).select_related("created_by")
    return [{**session_for(app.created_by), "application": app.pk} for app in drafts.order_by("pk")]


def create_staff(cases: int, rng: random.Random) -> None:
    import staff_pages
    from allauth.mfa.totp.internal.auth import TOTP

    officers, approvers = staff_pages.staff()
    staff_pages.grow_to(cases, officers, approvers, rng)
    for user in [*officers, *approvers]:
        TOTP.activate(user, TOTP_SECRET)  # staff reach nothing without a second factor


def staff_people(rng: random.Random) -> list[dict]:
    """A new session for each staff member, with the open cases they work on."""
    from licensing.models import Application
    from portal.accounts.models import User

    open_cases = list(Application.objects.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True))
    people = []
    for user in User.objects.filter(email__endswith="@bench.example").order_by("pk"):
        mine = list(
            Application.objects.filter(assigned_officer=user, status__in=OPEN_STATUSES).values_list(
                "pk", flat=True
            )
        )
        people.append({**session_for(user), "cases": mine or rng.sample(open_cases, 20)})
    return people


AUDIT_HISTORY_SQL = """
WITH firms AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM licensing_firm),
     apps AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM licensing_application),
     base AS (SELECT COALESCE(MAX(seq), 0) AS seq FROM audit_auditevent)
INSERT INTO audit_auditevent (seq, created_at, actor_label, object_type, object_id, object_repr,
                              action, from_state, to_state, reason, details, prev_hash, hash, firm_id)
SELECT base.seq + g, now() - make_interval(secs => %(events)s - g) * 60, 'Principal',
       'licensing.application', apps.id::text, 'Application', 'application.save_section', '', '', '',
       '{"section": "services"}'::jsonb, md5((g - 1)::text) || md5(g::text), md5(g::text) || md5((-g)::text),
       firms.id
FROM generate_series(1, %(events)s) AS g
CROSS JOIN base
JOIN firms ON firms.n = g %% (SELECT count(*) FROM firms)
JOIN apps ON apps.n = g %% (SELECT count(*) FROM apps)
"""


def audit_history(events: int) -> None:
    """`events` audit events, oldest first, spread evenly over the firms and applications."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(AUDIT_HISTORY_SQL, {"events": events})


def register_sample(rng: random.Random) -> dict:
    from licensing.models import Activity, Firm, FirmStage

    references = list(
        Firm.objects.exclude(reference_number=None)
        .order_by("?")
        .values_list("reference_number", flat=True)[:500]
    )
    names = list(
        Firm.objects.exclude(reference_number=None).order_by("?").values_list("legal_name", flat=True)[:200]
    )
    # Searches people type: part of a name, a trading name, a reference number.
    queries = [name.split()[1] for name in names[:100]] + ["Exchange", "Ltd", "X01", "VASP-2026-0"]
    return {
        "references": references,
        "queries": queries,
        "stages": list(FirmStage.values),
        "activities": list(Activity.objects.filter(is_active=True).values_list("code", flat=True)),
    }


def seed(*, firms: int, cases: int, firm_users: int, audit_events: int) -> None:
    """Migrate and fill an empty database."""
    import api_register
    from django.db import connection

    rng = random.Random(20261206)  # noqa: S311 - benchmark data, not security
    started = time.perf_counter()
    api_register.fill(firms)  # sets Django up and migrates
    create_staff(cases, rng)
    create_firm_users(firm_users)
    audit_history(audit_events)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"seeded {firms} register firms, {cases} cases, 24 staff, {firm_users} firm users and "
        f"{audit_events} audit events "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def write_people(out: Path) -> dict:
    """Fresh sessions for everybody (a staff session ends after PORTAL_STAFF_IDLE_MINUTES),
    and what the visitors search for, written to `out`."""
    from django.conf import settings

    rng = random.Random(20261207)  # noqa: S311 - benchmark data, not security
    data = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "firm_users": firm_people(),
        "staff": staff_people(rng),
        "register": register_sample(rng),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data))
    print(f"people file {out}: {len(data['firm_users'])} firm users, {len(data['staff'])} staff", flush=True)
    return data


def main():
    args = parse_args()
    sys.path.insert(0, str(ROOT))
    seed(firms=args.firms, cases=args.cases, firm_users=args.firm_users, audit_events=args.audit_events)
    write_people(args.out)


if __name__ == "__main__":
    main()
