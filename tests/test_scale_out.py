"""Scale-out for real: two gunicorn web processes, two Celery workers and one beat on the same
PostgreSQL database and Redis (docs/DEPLOY.md, "Scaling out").

A firm user signs in on web A and submits an application there; a case officer signs in on
web B (password and second factor), finds the case in the queue and starts the review; the
firm's session works on web B too; the public register (whose results both cached before the
firm was on it) and the API answer the same on both.
Then a deadline sweep is triggered several times at once (beat ticks every second and a burst
of sweep tasks is queued) so that both workers compete for the due reminders, and every
reminder, notification and e-mail exists exactly once.

The processes share the pytest-django test database, so the test is transactional (its
writes are committed where the other processes can see them). Skipped locally without
REDIS_URL or PostgreSQL; CI (REQUIRE_SERVICES=1) fails instead.
"""

import datetime
import json
import re
import socket

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group

from licensing import scenarios
from licensing.models import Application, ApplicationKind, ApplicationStatus, FirmRole
from licensing.services.agreements import agreement_record
from portal.accounts.roles import StaffRole
from portal.audit.models import AuditEvent
from portal.celery import app as celery_app
from portal.dates import local_today
from portal.deadlines.models import Reminder, ReminderStatus
from portal.notifications.models import EmailStatus, Notification
from tests.conftest import give_mfa, totp_code
from tests.factories import FirmFactory, MembershipFactory, UserFactory
from tests.processes import Client, Gunicorn, broker_is_drained, celery_env, message_ids, wait_for
from tests.test_web_application import VALID

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-for-scale-out"
DUE_AGREEMENTS = 12
SWEEP_BURST = 6
SWEEP_TASK = "portal.deadlines.sweep"
SEND_TASK = "portal.deadlines.send_reminder"
CACHE_PREFIX = "portal"  # portal.runtime.caches


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def shared_cache(redis_client):
    """The web processes share one Redis cache (sessions read through it, rate limits, used
    second-factor codes), as docs/DEPLOY.md asks; its keys are removed before and after."""

    def clear():
        for key in redis_client.scan_iter(f"{CACHE_PREFIX}:*"):
            redis_client.delete(key)

    clear()
    yield django_settings.CELERY_BROKER_URL
    clear()


@pytest.fixture
def webs(tmp_path, shared_cache):
    """Two gunicorn processes (portal/gunicorn.conf.py, one worker with two threads each)."""
    started = []
    for name in ("a", "b"):
        port = free_port()
        env = {
            **celery_env(tmp_path),
            "DJANGO_DEBUG": "1",  # static files from static/: collectstatic is test_gunicorn's subject
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "CACHE_URL": shared_cache,
            "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "2",
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_ERROR_LOG": "-",
        }
        started.append(Gunicorn(env, port, tmp_path / f"web-{name}.log"))
    try:
        for web in started:
            web.start(wait=False)
        yield started
    finally:
        for web in started:
            web.stop()


@pytest.fixture
def people(settings):
    """A firm's principal and a case officer who sign in with real (Argon2) passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    firm = FirmFactory(legal_name="Scale Out Exchange Ltd")
    principal = UserFactory(email="principal@scaleout.example", password=PASSWORD)
    MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL, user=principal)
    principal.emailaddress_set.create(email=principal.email, verified=True, primary=True)
    officer = UserFactory(email="officer@regulator.example", full_name="Case Officer", password=PASSWORD)
    officer.groups.add(Group.objects.get(name=StaffRole.CASE_OFFICER.value))
    officer.emailaddress_set.create(email=officer.email, verified=True, primary=True)
    give_mfa(officer)
    approver = UserFactory(email="approver@regulator.example", full_name="Approver")
    approver.groups.add(Group.objects.get(name=StaffRole.APPROVER.value))
    give_mfa(approver)
    return firm, principal, officer, approver


def sign_in(client: Client, email: str, *, second_factor: bool = False) -> None:
    assert client.get("/accounts/login/").status == 200  # the CSRF cookie
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status == 302, response
    if second_factor:
        assert response.location == "/accounts/2fa/authenticate/", response
        assert client.get(response.location).status == 200
        response = client.post(response.location, {"code": totp_code()})
        assert response.status == 302, response
    assert client.cookies.get(django_settings.SESSION_COOKIE_NAME), "no session cookie after signing in"


def mails_containing(tmp_path, text: str) -> int:
    folder = tmp_path / "mail"
    return sum(f.read_text(errors="replace").count(text) for f in folder.iterdir()) if folder.exists() else 0


def due_agreements(owner) -> list:
    """MoUs whose windows close in five days: each has one reminder (7 days before) due now."""
    return [
        agreement_record(
            actor=owner,
            title=f"MoU number {n}",
            scope="Advisory on tokenised T-bills.",
            counterparty_name=f"Fictional Exchange {n} Ltd",
            signed_on=local_today() - datetime.timedelta(days=170),
            window_months=None,
            owner_id=owner.pk,
        )
        for n in range(DUE_AGREEMENTS)
    ]


def sweep_every_second() -> None:
    """Beat's database schedule: the sweep every second (migration deadlines.0003 says five
    minutes; a transactional test's database may have lost that row, so it is written here)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.filter(task=SWEEP_TASK).delete()
    PeriodicTask.objects.create(name="Sweep deadlines (scale-out test)", task=SWEEP_TASK, interval=every)
    PeriodicTasks.update_changed()


def test_two_web_processes_two_workers_and_one_beat_lose_and_duplicate_nothing(
    webs, workers, redis_client, people, tmp_path
):
    firm, principal, officer, approver = people
    draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    scenarios.complete_sections(draft, actor=principal)
    sweep_every_second()
    # Every process starts at once; then wait for each.
    pool = [workers(wait=False), workers(wait=False), workers(beat=True, wait=False)]
    for web in webs:
        web.wait_ready()
    web_a, web_b = webs

    # The register, read (and cached) on both before the firm is on it.
    search = "/register/?q=scale+out"
    for web in webs:
        before = Client(web.port).get(search)
        assert before.status == 200 and "No firm matches your search." in before.text

    # --- A firm user on web A edits a section and submits.
    firm_a = Client(web_a.port)
    sign_in(firm_a, principal.email)
    section = f"/applications/{draft.pk}/sections/technology/"
    assert firm_a.get(section).status == 200
    edited = firm_a.post(section, {**VALID["technology"], "action": "complete"})
    assert edited.status == 302, edited
    assert firm_a.get(f"/applications/{draft.pk}/check/").status == 200
    submitted = firm_a.post(f"/applications/{draft.pk}/check/", {"declaration": "on"})
    assert submitted.location == f"/applications/{draft.pk}/confirmation/", submitted
    app = Application.objects.get(pk=draft.pk)
    assert app.status == ApplicationStatus.SUBMITTED and app.reference
    assert app.sections["technology"]["data"]["systems"] == VALID["technology"]["systems"]

    # --- A case officer on web B (password, then the second factor) sees it and acts.
    staff_b = Client(web_b.port)
    sign_in(staff_b, officer.email, second_factor=True)
    queue = staff_b.get("/staff/?queue=unassigned")
    assert queue.status == 200 and app.reference in queue.text, queue
    case = staff_b.get(f"/staff/cases/{app.pk}/")
    assert case.status == 200 and app.reference in case.text
    action = f"/staff/cases/{app.pk}/actions/start_review/"
    assert staff_b.get(action).status == 200
    started = staff_b.post(action, {"expected_status": "submitted"})
    assert started.location == f"/staff/cases/{app.pk}/", started
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW and app.assigned_officer == officer

    # --- The firm's session, signed in on web A, works on web B and shows the officer's change.
    firm_b = Client(web_b.port, cookies=firm_a.cookies)
    status_page = firm_b.get(f"/applications/{app.pk}/status/")
    assert status_page.status == 200 and app.reference in status_page.text, status_page
    # And the officer's session on web A.
    assert Client(web_a.port, cookies=staff_b.cookies).get(f"/staff/cases/{app.pk}/").status == 200

    # --- The public register, its firm page and the API answer alike on both.
    firm.refresh_from_db()
    # The submission put the firm on the register: the pages cached before are replaced on both.
    register = [Client(web.port).get(search) for web in webs]
    assert all(r.status == 200 and firm.reference_number in r.text for r in register), register
    pages = [Client(web.port).get(f"/register/{firm.reference_number}/") for web in webs]
    assert all(p.status == 200 and firm.legal_name in p.text for p in pages), pages
    api = [Client(web.port).get(f"/api/v1/register/?search={firm.reference_number}") for web in webs]
    assert api[0].status == api[1].status == 200
    rows = [json.loads(r.body)["results"] for r in api]
    assert rows[0] == rows[1] and [row["reference_number"] for row in rows[0]] == [firm.reference_number]

    # --- Due reminders, and sweeps from beat and from a burst of tasks, on two workers.
    for process in pool:
        process.wait_ready()
    agreements = due_agreements(approver)
    for _ in range(SWEEP_BURST):
        celery_app.send_task(SWEEP_TASK)
    reminders = Reminder.objects.filter(deadline__agreement__in=agreements)
    wait_for(
        lambda: reminders.filter(status=ReminderStatus.SENT).count() == DUE_AGREEMENTS,
        what="every due reminder to be sent",
    )
    notes = Notification.objects.exclude(email_status=EmailStatus.NOT_WANTED)
    wait_for(
        lambda: (
            not notes.exclude(email_status=EmailStatus.SENT).exists()
            and len(message_ids(tmp_path)) == notes.count()
        ),
        what="every notification's e-mail",
    )
    wait_for(lambda: broker_is_drained(redis_client), what="the queue to drain")
    beat = pool[2]
    wait_for(lambda: beat.read_log().count("Sending due task") >= 2, what="beat to send the sweep twice")

    # Exactly once: one reminder per agreement (the 7-days-before milestone), each with one
    # notification to its owner, each e-mail written once; the journey's writes once each.
    assert reminders.count() == DUE_AGREEMENTS
    assert sorted(reminders.values_list("deadline__agreement", flat=True)) == sorted(a.pk for a in agreements)
    reminder_notes = Notification.objects.filter(reminder__in=reminders)
    assert reminder_notes.count() == DUE_AGREEMENTS
    assert set(reminder_notes.values_list("user", flat=True)) == {approver.pk}
    sent = message_ids(tmp_path)
    assert set(sent) == set(notes.values_list("pk", flat=True)) and set(sent.values()) == {1}, sent
    assert Application.objects.filter(firm=firm).count() == 1
    assert AuditEvent.objects.filter(action="application.submit").count() == 1
    assert AuditEvent.objects.filter(action="application.start_review").count() == 1
    assert mails_containing(tmp_path, f"We received your application {app.reference}") == 1

    # Both workers took part: each ran sweeps or sent reminders.
    runs = [w.tasks_succeeded(SWEEP_TASK) + w.tasks_succeeded(SEND_TASK) for w in pool[:2]]
    assert all(runs), runs
    errors = [line for w in pool for line in w.read_log().splitlines() if re.search(r"\bERROR\b", line)]
    assert errors == []
