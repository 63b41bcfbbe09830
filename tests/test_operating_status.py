"""May a firm operate? One answer (licensing.operating) from its stage and the date, given alike
by every public surface: the register page, its list, the API (list, search and entry), the CSV
and JSON downloads, /verify/ and the certificate API — on the licence's last day, the day before
and the day after, before and after the deadline sweep records the expiry."""

import csv
import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from licensing.certificates.models import Certificate
from licensing.models import FirmStage, FirmStageChange, Licence
from licensing.models.authorisations import LicenceStatus
from licensing.operating import EXPIRED, NOT_PERMITTED, PERMITTED, operating_status
from licensing.services.firms import firm_expire_licence, firm_suspend
from portal.audit.models import AuditEvent
from portal.businessdays.calendar import end_of
from portal.deadlines.actions import process_reminder
from portal.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from portal.deadlines.sweep import sweep
from portal.errors import RuleBroken
from tests.factories import FirmFactory, MembershipFactory
from tests.public_states import firm_at

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)

# What each answer looks like on a page, in English.
PAGE_WORDS = {
    PERMITTED: "Yes, within its licence",
    "aml_services_only": "Only AML-registered services",
    NOT_PERMITTED: "No — not permitted to operate",
    EXPIRED: "No — its licence expired on",
}


@pytest.fixture
def on_day(monkeypatch):
    """Make `day` today in the regulator's time zone for everything that asks (portal.dates and
    timezone.localdate): the clock is injected, the data stays as it is."""
    real = timezone.localdate

    def set_day(day):
        def localdate(value=None, timezone=None):
            return day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return set_day


@pytest.fixture
def people(officer, approver, aml_officer, activities):
    return {"officer": officer, "approver": approver, "aml_officer": aml_officer, "activities": activities}


@pytest.fixture
def make_firm(people, django_capture_on_commit_callbacks):
    def make(stage, **fields):
        firm = FirmFactory(**fields)
        principal = MembershipFactory(firm=firm).user
        with django_capture_on_commit_callbacks(execute=True):  # certificates are issued on commit
            return firm_at(stage, firm, principal=principal, **people)

    return make


def page_answer(html: str) -> str:
    found = [code for code, words in PAGE_WORDS.items() if words in html]
    assert len(found) == 1, found
    return found[0]


def answers(firm) -> dict[str, str]:
    """The operating status every public surface gives for `firm` now."""
    client, ref = APIClient(), firm.reference_number

    def body(response):
        assert response.status_code == 200, response
        return (
            b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
        )

    def row(rows):
        (found,) = [r for r in rows if r["reference_number"] == ref]
        return found["operating_status"]

    found = {
        "page": page_answer(body(client.get(reverse("register_firm", args=[ref])))),
        "list": page_answer(body(client.get(reverse("register_index")))),
        "search": page_answer(body(client.get(reverse("register_index"), {"q": ref}))),
        "api list": row(client.get("/api/v1/register/").json()["results"]),
        "api search": row(client.get("/api/v1/register/", {"q": ref}).json()["results"]),
        "api entry": client.get(f"/api/v1/register/{ref}/").json()["operating_status"],
        "csv": row(csv.DictReader(io.StringIO(body(client.get(reverse("register_csv")))))),
        "json": row(json.loads(body(client.get(reverse("register_json"))))["firms"]),
    }
    certificate = Certificate.objects.filter(firm=firm).order_by("-pk").first()
    if certificate is not None:
        found["verify page"] = page_answer(
            body(client.get(reverse("certificate_verify", args=[certificate.code])))
        )
        found["verify api"] = client.get(f"/api/v1/certificates/{certificate.code}/").json()[
            "operating_status"
        ]
    return found


def certificate_status(firm) -> str:
    certificate = Certificate.objects.filter(firm=firm).order_by("-pk").first()
    return APIClient().get(f"/api/v1/certificates/{certificate.code}/").json()["status"]


def test_the_rule_a_licence_is_in_force_to_the_end_of_its_last_day():
    last_day = datetime.date(2031, 3, 14)
    for stage in (FirmStage.LICENSED, FirmStage.SUSPENDED):
        before, on, after = (
            operating_status(stage, licence_expires_on=last_day, on=last_day + n * ONE_DAY)
            for n in (-1, 0, 1)
        )
        assert before.code == on.code == (PERMITTED if stage == FirmStage.LICENSED else NOT_PERMITTED)
        assert after.code == EXPIRED and not after.permitted and after.stage == FirmStage.EXPIRED
        assert after.label == "No — its licence expired on 14 March 2031"
        assert "expired on 14 March 2031 and was not renewed" in after.reason
    assert (
        operating_status(FirmStage.EXPIRED, licence_expires_on=last_day, on=last_day - ONE_DAY).code
        == EXPIRED
    )
    # Other stages do not depend on a licence's date.
    for stage in (FirmStage.NOC_HOLDER, FirmStage.REVOKED, FirmStage.SURRENDERED, FirmStage.NOC_LAPSED):
        status = operating_status(stage, licence_expires_on=last_day, on=last_day + ONE_DAY)
        assert status.code == NOT_PERMITTED and not status.permitted and status.stage == stage


def test_every_surface_agrees_on_a_licence_the_day_before_on_and_after_its_last_day(make_firm, on_day):
    firm = make_firm(FirmStage.LICENSED, incorporation_country="PK")
    last_day = Licence.objects.get(firm=firm).expires_on
    for day, expected, certificate in (
        (last_day - ONE_DAY, PERMITTED, "valid"),
        (last_day, PERMITTED, "valid"),
        (last_day + ONE_DAY, EXPIRED, "expired"),  # before any sweep has run
    ):
        on_day(day)
        found = answers(firm)
        assert set(found.values()) == {expected}, (day, found)
        assert len(found) == 10
        assert certificate_status(firm) == certificate
    # The register's page shows the expiry with its date, and nothing the firm may offer.
    entry = APIClient().get(f"/api/v1/register/{firm.reference_number}/").json()
    assert entry["stage"] == FirmStage.EXPIRED and entry["stage_label"] == "Licence expired"
    assert entry["licence"]["status"] == LicenceStatus.EXPIRED and entry["permitted_activities"] == []
    assert entry["banner"]["kind"] == EXPIRED and entry["licence_expires_on"] == last_day.isoformat()
    assert entry["stage_effective_at"] == end_of(last_day).astimezone(datetime.UTC).isoformat().replace(
        "+00:00", "Z"
    )
    html = APIClient().get(reverse("register_firm", args=[firm.reference_number])).content.decode()
    assert f"its licence expired on {last_day.day} " in html
    # Filters agree too: no longer licensed, now expired, no activity on offer.
    index = reverse("register_index")
    assert firm.legal_name not in APIClient().get(index, {"stage": "licensed"}).content.decode()
    assert firm.legal_name in APIClient().get(index, {"stage": "expired"}).content.decode()
    assert firm.legal_name not in APIClient().get(index, {"activity": "exchange"}).content.decode()


def test_the_sweep_records_the_expiry_and_the_register_says_the_same_after_it(
    make_firm, on_day, django_capture_on_commit_callbacks
):
    firm = make_firm(FirmStage.LICENSED)
    licence = Licence.objects.get(firm=firm)
    deadline = Deadline.objects.get(kind=DeadlineKind.LICENCE_RENEWAL, firm=firm)
    assert deadline.due_on == licence.expires_on
    on_day(licence.expires_on + ONE_DAY)
    client = APIClient()
    before = client.get(f"/api/v1/register/{firm.reference_number}/").json()

    queued = []
    moment = end_of(licence.expires_on) + datetime.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(now=moment, enqueue_reminder=queued.append, enqueue_email=lambda pk: None)
    assert queued
    for pk in queued:
        process_reminder(pk, now=moment)

    firm.refresh_from_db()
    licence.refresh_from_db()
    deadline.refresh_from_db()
    assert firm.stage == FirmStage.EXPIRED and licence.status == LicenceStatus.EXPIRED
    assert deadline.status == DeadlineStatus.MISSED
    change = FirmStageChange.objects.get(firm=firm, to_stage=FirmStage.EXPIRED)
    assert change.from_stage == FirmStage.LICENSED and change.actor is None
    assert change.effective_at == end_of(licence.expires_on) == firm.stage_changed_at
    event = AuditEvent.objects.get(action="firm.expire_licence")
    assert event.actor is None and event.to_state == FirmStage.EXPIRED
    after = client.get(f"/api/v1/register/{firm.reference_number}/").json()
    same = {k: v for k, v in after.items() if k not in ("last_updated", "stage_history")}
    assert same == {k: v for k, v in before.items() if k not in ("last_updated", "stage_history")}
    assert set(answers(firm).values()) == {EXPIRED}


def test_the_sweep_expires_a_licence_whose_renewal_deadline_was_cancelled(make_firm):
    firm = make_firm(FirmStage.LICENSED)
    licence = Licence.objects.get(firm=firm)
    Deadline.objects.filter(firm=firm, kind=DeadlineKind.LICENCE_RENEWAL).update(
        status=DeadlineStatus.CANCELLED
    )
    ignore = {"enqueue_reminder": lambda pk: None, "enqueue_email": lambda pk: None}
    report = sweep(now=end_of(licence.expires_on - ONE_DAY), **ignore)
    assert report.expired_firms == [] and Firm_stage(firm) == FirmStage.LICENSED  # its last day: in force
    report = sweep(now=end_of(licence.expires_on), **ignore)
    assert report.expired_firms == [firm.pk] and Firm_stage(firm) == FirmStage.EXPIRED


def Firm_stage(firm):  # noqa: N802 - reads as the sentence it is in
    firm.refresh_from_db()
    return firm.stage


def test_a_licence_that_has_not_expired_cannot_be_recorded_as_expired(make_firm):
    firm = make_firm(FirmStage.LICENSED)
    with pytest.raises(RuleBroken):
        firm_expire_licence(firm_id=firm.pk)
    assert Firm_stage(firm) == FirmStage.LICENSED
    assert not AuditEvent.objects.filter(action="firm.expire_licence").exists()


def test_a_suspended_licence_expires_too(make_firm, on_day):
    firm = make_firm(FirmStage.SUSPENDED)
    last_day = Licence.objects.get(firm=firm).expires_on
    on_day(last_day)
    assert set(answers(firm).values()) == {NOT_PERMITTED} and certificate_status(firm) == "suspended"
    on_day(last_day + ONE_DAY)
    assert set(answers(firm).values()) == {EXPIRED} and certificate_status(firm) == "expired"
    firm_expire_licence(firm_id=firm.pk)
    assert Firm_stage(firm) == FirmStage.EXPIRED and set(answers(firm).values()) == {EXPIRED}


@pytest.mark.parametrize(
    "stage, expected",
    [
        (FirmStage.NOC_HOLDER, NOT_PERMITTED),
        (FirmStage.AML_REGISTERED, "aml_services_only"),
        (FirmStage.SUSPENDED, NOT_PERMITTED),
        (FirmStage.REVOKED, NOT_PERMITTED),
        (FirmStage.SURRENDERED, NOT_PERMITTED),
        (FirmStage.NOC_LAPSED, NOT_PERMITTED),
        (FirmStage.EXPIRED, EXPIRED),
    ],
)
def test_every_surface_agrees_at_every_other_stage(make_firm, stage, expected):
    firm = make_firm(stage)
    found = answers(firm)
    assert set(found.values()) == {expected}, found
    assert "verify api" in found  # each of these firms holds a certificate


def test_a_suspension_after_expiry_does_not_bring_the_licence_back(make_firm, approver, on_day):
    firm = make_firm(FirmStage.LICENSED)
    on_day(Licence.objects.get(firm=firm).expires_on + ONE_DAY)
    firm_suspend(actor=approver, firm_id=firm.pk, reason="Inspection findings")
    assert set(answers(firm).values()) == {EXPIRED}


def test_the_offline_check_command_shows_the_same_live_status(make_firm, on_day, capsys):
    firm = make_firm(FirmStage.LICENSED)
    code = Certificate.objects.get(firm=firm, kind="licence").code
    on_day(Licence.objects.get(firm=firm).expires_on + ONE_DAY)
    call_command("verify_certificate", code)
    out = capsys.readouterr().out
    assert "Current status: Licence expired (expired)" in out
    assert re.search(r"May the firm operate today: No — its licence expired on .* \(expired\)", out)


def test_postgresqls_json_rows_are_the_python_rows_on_each_day(require_postgres, make_firm, on_day):
    """json_page writes licensing.operating's rule in SQL: the same rows, to the character, the
    day before, on and after a licence's last day, and after the sweep."""
    from rest_framework.renderers import JSONRenderer

    from licensing.register import json_page, queries

    firm = make_firm(FirmStage.LICENSED)
    make_firm(FirmStage.SUSPENDED)
    make_firm(FirmStage.AML_REGISTERED)
    last_day = Licence.objects.get(firm=firm).expires_on

    def same_rows():
        expected = json.loads(
            JSONRenderer().render(
                queries.public_summaries(queries.summary_page(queries.public_firms(), offset=0, limit=50))
            )
        )
        rows = json_page.summary_json_page(reverse=False, position=None, offset=0, limit=50)
        assert [json.loads(row.json) for row in rows] == expected
        return expected

    for day in (last_day - ONE_DAY, last_day, last_day + ONE_DAY):
        on_day(day)
        rows = same_rows()
    assert {row["operating_status"] for row in rows} == {EXPIRED, "aml_services_only"}
    firm_expire_licence(firm_id=firm.pk)
    after = {r["reference_number"]: r for r in same_rows()}
    before = {r["reference_number"]: r for r in rows}
    for ref, row in after.items():  # the sweep's write moves last_updated, nothing else
        assert {**row, "last_updated": None} == {**before[ref], "last_updated": None}
