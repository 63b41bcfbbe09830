"""The REST API: firm tokens, scoping (another firm's ids are 404), mass assignment, the
staff transitions with their 409s, one error shape, throttling, and flat query counts."""

import datetime
import hashlib
import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from licensing import scenarios
from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    BeneficialOwner,
    Document,
    Firm,
    FirmMembership,
    FirmRole,
    FirmStage,
    ForeignLicence,
    InformationRequest,
    KeyIndividual,
)
from portal.api.models import ApiToken
from portal.api.services import api_token_create
from portal.deadlines.models import Audience, Deadline, DeadlineRule, Reminder
from portal.notifications.models import Notification
from tests.factories import FirmFactory, MembershipFactory, UserFactory
from tests.public_states import firm_at
from tests.test_uploads import pdf_bytes

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail"}


@pytest.fixture(autouse=True)
def _clean(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "signing.pem")
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = True
    cache.clear()
    yield
    cache.clear()


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_problem(response, status: int):
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert PROBLEM_KEYS <= set(body), body
    assert body["status"] == status and body["type"].startswith("/problems/")
    assert "{" not in body["title"] and "{" not in body["detail"], body  # no unfilled placeholder
    return body


class World:
    """Firm A (with objects of every kind) and firm B, each with a principal and a token."""


@pytest.fixture
def world(firm, other_firm, principal, outsider, officer, approver):
    w = World()
    w.firm, w.other = firm, other_firm
    w.principal, w.outsider = principal, outsider
    w.officer, w.approver = officer, approver
    # A NOC draft, a licence draft, and a NOC application at "information requested".
    w.draft = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    w.other_draft = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=principal)
    w.case = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    scenarios.drive_application(
        w.case,
        ApplicationStatus.INFORMATION_REQUESTED,
        submitter=principal,
        officer=officer,
        approver=approver,
    )
    w.ir = InformationRequest.objects.get(application=w.case)
    w.document = _upload(w.draft, principal)
    w.person = KeyIndividual.objects.create(
        application=w.draft,
        role="ceo",
        full_name="Ayesha Khan",
        identity_type="cnic",
        cnic="35201-1234567-1",
        nationality="PK",
        date_of_birth=datetime.date(1980, 3, 27),
        is_employee=True,
    )
    w.owner = BeneficialOwner.objects.create(
        application=w.draft, kind="entity", name="Holding Ltd", country="AE", ownership_percent=60
    )
    w.foreign = ForeignLicence.objects.create(
        firm=firm, regulator="VARA", jurisdiction="AE", licence_number="VL/1", activity="Exchange"
    )
    _, w.key = api_token_create(actor=principal, firm_id=firm.pk, name="Firm A system")
    _, w.other_key = api_token_create(actor=outsider, firm_id=other_firm.pk, name="Firm B system")
    w.a = token_client(w.key)
    w.b = token_client(w.other_key)
    from licensing.services.change_requests import firm_change_request_create

    w.change = firm_change_request_create(
        actor=principal, firm_id=firm.pk, changes={"registered_address": "2 New Road"}, reason="Moved."
    )
    return w


def _upload(app, actor):
    from licensing.services.documents import document_upload

    return document_upload(
        actor=actor,
        application_id=app.pk,
        doc_type="business_plan",
        uploaded_file=SimpleUploadedFile("plan.pdf", pdf_bytes("plan")),
    )


# --- Tokens ---------------------------------------------------------------------------------


def test_principal_creates_a_token_shown_once_and_stored_hashed(client, firm, principal):
    client.force_login(principal)
    url = reverse("firm_api_tokens")
    response = client.post(url, {"name": "Reporting system"})
    assert response.status_code == 200
    key = re.search(r"pvt_[0-9a-f]+\.[A-Za-z0-9_-]+", response.content.decode()).group(0)
    token = ApiToken.objects.get(firm=firm)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(ApiToken.objects.values().get())  # never stored
    assert token.created_by == principal and token.last_used_at is None
    listing = client.get(url).content.decode()
    assert "Reporting system" in listing and key not in listing  # shown once only
    assert token_client(key).get("/api/v1/firm/").json()["legal_name"] == firm.legal_name


@pytest.mark.parametrize("role", [FirmRole.SUBMITTER, FirmRole.CONTRIBUTOR])
def test_only_the_principal_creates_or_revokes_tokens(client, firm, principal, role):
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="Existing")
    token = ApiToken.objects.get(firm=firm)
    colleague = MembershipFactory(firm=firm, role=role).user
    client.force_login(colleague)
    response = client.post(reverse("firm_api_tokens"), {"name": "Mine"})
    assert (
        "Only the firm&#x27;s principal" in response.content.decode()
        or "principal" in response.content.decode()
    )
    assert ApiToken.objects.filter(firm=firm).count() == 1
    client.post(reverse("firm_api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_firms_principal_cannot_revoke_my_token(client, firm, principal, outsider):
    api_token_create(actor=principal, firm_id=firm.pk, name="Mine")
    token = ApiToken.objects.get(firm=firm)
    client.force_login(outsider)
    assert client.post(reverse("firm_api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_revoked_token_is_refused_with_401(client, firm, principal):
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="Soon gone")
    api = token_client(key)
    assert api.get("/api/v1/firm/").status_code == 200
    client.force_login(principal)
    token = ApiToken.objects.get(firm=firm)
    client.post(reverse("firm_api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == principal
    body = assert_problem(api.get("/api/v1/firm/"), 401)
    assert "revoked" in body["detail"]


def test_last_used_is_recorded_at_most_once_a_minute(firm, principal):
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="Busy")
    api = token_client(key)
    api.get("/api/v1/firm/")
    first = ApiToken.objects.get(firm=firm).last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as ctx:
        api.get("/api/v1/firm/")
    assert not any(q["sql"].startswith("UPDATE") and "api_apitoken" in q["sql"] for q in ctx.captured_queries)
    ApiToken.objects.filter(firm=firm).update(last_used_at=first - datetime.timedelta(minutes=2))
    api.get("/api/v1/firm/")
    assert ApiToken.objects.get(firm=firm).last_used_at > first - datetime.timedelta(minutes=1)


def test_a_token_stops_working_when_its_creator_leaves_the_firm(firm, principal):
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="Orphan")
    FirmMembership.objects.filter(firm=firm, user=principal).update(is_active=False)
    assert_problem(token_client(key).get("/api/v1/firm/"), 401)


@pytest.mark.parametrize(
    "header",
    ["", "Token ", "Token pvt_nothing.here", "Token not-a-token", "Token a b", "Bearer x"],
)
def test_requests_without_or_with_wrong_credentials_are_refused(header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    for url in ["/api/v1/firm/", "/api/v1/firm/applications/", "/api/v1/firm/deadlines/"]:
        assert_problem(client.get(url), 401)
    assert_problem(client.get("/api/v1/queues/"), 403)


# --- Scoping: another firm's ids are 404 ------------------------------------------------------


def firm_object_requests(w):
    """Every firm endpoint that names an object, with firm A's ids (kept in step with the URLconf)."""
    app, draft, ir = w.case.pk, w.draft.pk, w.ir.pk
    upload = {"doc_type": "business_plan", "file": SimpleUploadedFile("x.pdf", pdf_bytes("x"))}
    return [
        ("api-firm-application-detail", "get", f"/api/v1/firm/applications/{app}/", None),
        ("api-firm-application-detail", "get", f"/api/v1/firm/applications/{draft}/", None),
        (
            "api-firm-application-submit",
            "post",
            f"/api/v1/firm/applications/{draft}/submit/",
            {"declaration": True},
        ),
        ("api-firm-application-withdraw", "post", f"/api/v1/firm/applications/{draft}/withdraw/", {}),
        ("api-firm-application-sections", "get", f"/api/v1/firm/applications/{draft}/sections/", None),
        (
            "api-firm-application-section",
            "put",
            f"/api/v1/firm/applications/{draft}/sections/services/",
            {"data": {}, "completed": False},
        ),
        ("api-firm-application-documents", "get", f"/api/v1/firm/applications/{draft}/documents/", None),
        ("api-firm-application-documents", "post", f"/api/v1/firm/applications/{draft}/documents/", upload),
        (
            "api-firm-application-key-individuals",
            "post",
            f"/api/v1/firm/applications/{draft}/key-individuals/",
            {"role": "cfo", "full_name": "X", "identity_type": "passport", "passport_number": "P1"},
        ),
        (
            "api-firm-application-key-individual",
            "patch",
            f"/api/v1/firm/applications/{draft}/key-individuals/{w.person.pk}/",
            {"full_name": "Renamed"},
        ),
        (
            "api-firm-application-key-individual",
            "delete",
            f"/api/v1/firm/applications/{draft}/key-individuals/{w.person.pk}/",
            None,
        ),
        (
            "api-firm-application-beneficial-owners",
            "get",
            f"/api/v1/firm/applications/{draft}/beneficial-owners/",
            None,
        ),
        (
            "api-firm-application-beneficial-owner",
            "put",
            f"/api/v1/firm/applications/{draft}/beneficial-owners/{w.owner.pk}/",
            {"kind": "entity", "name": "B", "country": "AE", "ownership_percent": 50, "identity_number": "1"},
        ),
        ("api-firm-foreign-licence-detail", "delete", f"/api/v1/firm/foreign-licences/{w.foreign.pk}/", None),
        ("api-firm-information-request-detail", "get", f"/api/v1/firm/information-requests/{ir}/", None),
        ("api-firm-change-request-detail", "get", f"/api/v1/firm/change-requests/{w.change.pk}/", None),
        (
            "api-firm-change-request-withdraw",
            "post",
            f"/api/v1/firm/change-requests/{w.change.pk}/withdraw/",
            {},
        ),
        (
            "api-firm-information-request-answer",
            "post",
            f"/api/v1/firm/information-requests/{ir}/answer/",
            {"response": "Here it is."},
        ),
    ]


def _send(client, method, url, data):
    if method == "get":
        return client.get(url)
    if data and any(isinstance(v, SimpleUploadedFile) for v in data.values()):
        return client.post(url, data)  # multipart
    return getattr(client, method)(url, data or {}, format="json")


def _firm_object_route_names():
    from portal.api.urls import router

    names = set()
    for pattern in router.urls:
        if (
            isinstance(pattern, URLPattern)
            and pattern.name.startswith("api-firm-")
            and "pk" in str(pattern.pattern)
        ):
            names.add(pattern.name)
    return names


def test_the_cross_firm_table_covers_every_firm_object_endpoint(world):
    assert {name for name, *_ in firm_object_requests(world)} == _firm_object_route_names()


def test_another_firms_token_gets_404_for_every_object_of_the_first_firm(world):
    before = {
        "apps": list(
            Application.objects.filter(firm=world.firm).values("pk", "status", "sections", "reference")
        ),
        "docs": Document.objects.filter(firm=world.firm).count(),
        "irs": list(InformationRequest.objects.filter(application__firm=world.firm).values("pk", "status")),
    }
    for _name, method, url, data in firm_object_requests(world):
        response = _send(world.b, method, url, data)
        assert_problem(response, 404)
    after = {
        "apps": list(
            Application.objects.filter(firm=world.firm).values("pk", "status", "sections", "reference")
        ),
        "docs": Document.objects.filter(firm=world.firm).count(),
        "irs": list(InformationRequest.objects.filter(application__firm=world.firm).values("pk", "status")),
    }
    assert before == after
    # ... and the lists of firm B show nothing of firm A.
    for url in [
        "/api/v1/firm/applications/",
        "/api/v1/firm/information-requests/",
        "/api/v1/firm/deadlines/",
        "/api/v1/firm/notifications/",
    ]:
        assert world.b.get(url).json()["results"] == [], url
    assert world.b.get("/api/v1/firm/").json()["id"] == world.other.pk


def test_the_firms_own_token_reaches_the_same_objects(world):
    for _name, method, url, _data in firm_object_requests(world):
        if method == "get":
            assert world.a.get(url).status_code == 200, url
    assert world.a.get("/api/v1/firm/information-requests/").json()["count"] == 1


def test_a_foreign_information_request_or_document_cannot_be_attached(world):
    theirs = scenarios.new_application(world.other, ApplicationKind.NOC, actor=world.outsider)
    url = f"/api/v1/firm/applications/{theirs.pk}/documents/"
    upload = {
        "doc_type": "business_plan",
        "file": SimpleUploadedFile("x.pdf", pdf_bytes("x")),
        "replaces": world.document.pk,
    }
    assert_problem(world.b.post(url, upload), 404)
    upload = {
        "doc_type": "response",
        "file": SimpleUploadedFile("x.pdf", pdf_bytes("y")),
        "information_request": world.ir.pk,
    }
    assert_problem(world.b.post(url, upload), 404)


def test_a_member_signed_in_uses_the_firm_endpoints_for_the_firm_they_act_for(world):
    client = session_client(world.principal)
    assert client.get("/api/v1/firm/applications/").json()["count"] == 3
    assert_problem(
        client.get(
            f"/api/v1/firm/applications/{Application.objects.create(firm=world.other, kind='noc').pk}/"
        ),
        404,
    )


# --- Mass assignment --------------------------------------------------------------------------


def test_the_firm_profile_cannot_set_stage_reference_or_id(world):
    reference = Firm.objects.get(pk=world.firm.pk).reference_number
    assert reference
    response = world.a.patch(
        "/api/v1/firm/",
        {
            "contact_phone": "+92 51 7654321",
            "stage": "licensed",
            "reference_number": "VASP-9999-9999",
            "id": world.other.pk,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    firm = Firm.objects.get(pk=world.firm.pk)
    assert firm.contact_phone == "+92 51 7654321"
    assert firm.stage == FirmStage.APPLICANT and firm.reference_number == reference
    assert Firm.objects.get(pk=world.other.pk).legal_name == world.other.legal_name


def test_creating_an_application_cannot_set_status_reference_firm_or_officer(world):
    response = world.a.post(
        "/api/v1/firm/applications/",
        {
            "kind": "licence",
            "status": "approved",
            "reference": "APP-FAKE-1",
            "firm": world.other.pk,
            "assigned_officer": world.officer.pk,
            "decided_at": "2020-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    app = Application.objects.get(pk=response.json()["id"])
    assert (app.status, app.reference, app.firm_id, app.assigned_officer_id, app.decided_at) == (
        ApplicationStatus.DRAFT,
        None,
        world.firm.pk,
        None,
        None,
    )


def test_actions_cannot_set_state_or_officer_fields(world):
    response = world.a.post(
        f"/api/v1/firm/applications/{world.draft.pk}/withdraw/",
        {"reason": "Changed plans", "status": "approved", "assigned_officer": world.officer.pk},
        format="json",
    )
    assert response.status_code == 200
    draft = Application.objects.get(pk=world.draft.pk)
    assert draft.status == ApplicationStatus.WITHDRAWN and draft.assigned_officer_id is None
    response = world.a.post(
        f"/api/v1/firm/information-requests/{world.ir.pk}/answer/",
        {
            "response": "Attached.",
            "status": "withdrawn",
            "application": world.other_draft.pk,
            "due_on": "2099-01-01",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    ir = InformationRequest.objects.get(pk=world.ir.pk)
    assert (
        ir.status == "answered"
        and ir.application_id == world.case.pk
        and ir.due_on != datetime.date(2099, 1, 1)
    )
    upload = world.a.post(
        f"/api/v1/firm/applications/{world.other_draft.pk}/documents/",
        {
            "doc_type": "financials",
            "file": SimpleUploadedFile("f.pdf", pdf_bytes("f")),
            "firm": world.other.pk,
            "version": 9,
        },
    )
    assert upload.status_code == 201, upload.content
    document = Document.objects.get(pk=upload.json()["id"])
    assert document.firm_id == world.firm.pk and document.version == 1


# --- The firm's flow --------------------------------------------------------------------------


def test_a_firm_answers_a_section_uploads_and_is_told_what_is_missing_on_submit(world, activities):
    url = f"/api/v1/firm/applications/{world.draft.pk}/sections/services/"
    bad = world.a.put(url, {"data": {}, "completed": True}, format="json")
    body = assert_problem(bad, 400)
    assert "data" in body["errors"]
    sections = world.a.get(f"/api/v1/firm/applications/{world.draft.pk}/sections/").json()
    assert {s["key"] for s in sections} >= {"services", "key_individuals", "documents"}
    people = world.a.put(
        f"/api/v1/firm/applications/{world.draft.pk}/sections/key_individuals/",
        {"data": {}, "completed": True},
        format="json",
    )
    assert_problem(people, 422)  # only a CEO named yet
    docs = world.a.get(f"/api/v1/firm/applications/{world.draft.pk}/documents/").json()
    assert [d["original_name"] for d in docs] == ["plan.pdf"]
    submit = world.a.post(
        f"/api/v1/firm/applications/{world.draft.pk}/submit/", {"declaration": True}, format="json"
    )
    body = assert_problem(submit, 422)
    assert body["errors"]["__all__"]
    json_upload = world.a.post(
        f"/api/v1/firm/applications/{world.draft.pk}/documents/", {"doc_type": "business_plan"}, format="json"
    )
    unsupported = assert_problem(json_upload, 415)
    assert unsupported["title"] == "Unsupported media type."
    assert '"application/json"' in unsupported["detail"]


def test_answering_twice_is_a_409(world):
    url = f"/api/v1/firm/information-requests/{world.ir.pk}/answer/"
    assert world.a.post(url, {"response": "Here."}, format="json").status_code == 200
    assert_problem(world.a.post(url, {"response": "Again."}, format="json"), 409)
    assert Application.objects.get(pk=world.case.pk).status == ApplicationStatus.UNDER_REVIEW


def test_deadlines_and_notifications_of_the_firm(world):
    deadlines = world.a.get("/api/v1/firm/deadlines/").json()["results"]
    assert "answer_information_request" in {d["kind"] for d in deadlines}
    assert all(Deadline.objects.get(pk=d["id"]).rule.audience == Audience.FIRM for d in deadlines)
    deadline = Deadline.objects.get(pk=deadlines[0]["id"])
    reminder = Reminder.objects.create(
        deadline=deadline, milestone="d-7", scheduled_for=timezone.now(), queued_at=timezone.now()
    )
    Notification.objects.create(
        user=world.principal, kind="reminder", subject="Due soon", body="…", reminder=reminder
    )
    Notification.objects.create(
        user=world.outsider, kind="reminder", subject="Not yours", body="…", reminder=reminder
    )
    subjects = [n["subject"] for n in world.a.get("/api/v1/firm/notifications/").json()["results"]]
    assert subjects == ["Due soon"]


# --- Staff transitions ----------------------------------------------------------------------


@pytest.fixture
def submitted(firm, principal, officer, approver):
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    return scenarios.drive_application(
        app, ApplicationStatus.SUBMITTED, submitter=principal, officer=officer, approver=approver
    )


def test_a_case_walks_through_every_transition_endpoint(submitted, principal, officer, approver, firm):
    officer_api, approver_api = session_client(officer), session_client(approver)
    base = f"/api/v1/applications/{submitted.pk}"
    response = officer_api.post(f"{base}/start-review/", {"expected_status": "submitted"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "under_review"
    assert response.json()["assigned_officer"]["id"] == officer.pk
    response = officer_api.post(
        f"{base}/request-information/", {"items": ["Audited accounts"]}, format="json"
    )
    assert response.json()["status"] == "information_requested"
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="x")
    ir = InformationRequest.objects.get(application=submitted, status="open")
    token_client(key).post(
        f"/api/v1/firm/information-requests/{ir.pk}/answer/", {"response": "Sent."}, format="json"
    )
    response = officer_api.post(
        f"{base}/recommend/", {"outcome": "grant", "reasons": "Sound."}, format="json"
    )
    assert response.json()["status"] == "awaiting_decision"
    assert_problem(
        officer_api.post(f"{base}/recommend/", {"outcome": "grant", "reasons": "Again"}, format="json"), 409
    )
    assert_problem(officer_api.post(f"{base}/approve/", {"reasons": "Myself"}, format="json"), 403)
    response = approver_api.post(f"{base}/send-back/", {"reasons": "Check ownership."}, format="json")
    assert response.json()["status"] == "under_review"
    officer_api.post(f"{base}/recommend/", {"outcome": "grant", "reasons": "Checked."}, format="json")
    stale = approver_api.post(
        f"{base}/approve/", {"reasons": "Ok", "expected_status": "under_review"}, format="json"
    )
    assert assert_problem(stale, 409)["type"] == "/problems/case-changed"
    response = approver_api.post(
        f"{base}/approve/", {"reasons": "Agreed.", "conditions": "None"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert Firm.objects.get(pk=firm.pk).stage == FirmStage.NOC_HOLDER
    assert_problem(approver_api.post(f"{base}/refuse/", {"reasons": "Too late"}, format="json"), 409)


def test_refuse_and_a_broken_rule(submitted, officer, approver):
    officer_api = session_client(officer)
    base = f"/api/v1/applications/{submitted.pk}"
    officer_api.post(f"{base}/start-review/", {}, format="json")
    past = officer_api.post(
        f"{base}/request-information/", {"items": ["x"], "due_on": "2000-01-01"}, format="json"
    )
    assert "due_on" in assert_problem(past, 422)["errors"]
    assert (
        "reasons"
        in assert_problem(officer_api.post(f"{base}/recommend/", {"outcome": "grant"}, format="json"), 400)[
            "errors"
        ]
    )
    officer_api.post(f"{base}/recommend/", {"outcome": "refuse", "reasons": "Weak AML."}, format="json")
    response = session_client(approver).post(f"{base}/refuse/", {"reasons": "Agreed."}, format="json")
    assert response.json()["status"] == "refused"


def test_supervisory_and_aml_transitions(officer, approver, aml_officer, activities, principal, firm):
    firm_at(
        FirmStage.LICENSED,
        firm,
        principal=principal,
        officer=officer,
        approver=approver,
        aml_officer=aml_officer,
        activities=activities,
    )
    approver_api = session_client(approver)
    response = approver_api.post(f"/api/v1/firms/{firm.pk}/suspend/", {"reason": "Inspection"}, format="json")
    assert response.status_code == 200 and response.json()["stage"] == "suspended"
    assert_problem(
        approver_api.post(f"/api/v1/firms/{firm.pk}/suspend/", {"reason": "Again"}, format="json"), 409
    )
    assert (
        approver_api.post(
            f"/api/v1/firms/{firm.pk}/lift-suspension/", {"reason": "Fixed"}, format="json"
        ).json()["stage"]
        == "licensed"
    )
    assert_problem(
        session_client(officer).post(f"/api/v1/firms/{firm.pk}/revoke/", {"reason": "x"}, format="json"), 403
    )
    assert (
        approver_api.post(f"/api/v1/firms/{firm.pk}/revoke/", {"reason": "Breaches"}, format="json").json()[
            "stage"
        ]
        == "revoked"
    )
    registration = firm.aml_registration
    assert_problem(
        session_client(aml_officer).post(
            f"/api/v1/aml-registrations/{registration.pk}/register/", {}, format="json"
        ),
        409,
    )


def test_staff_endpoints_refuse_firms_tokens_members_and_staff_without_mfa(world):
    from django.contrib.auth.models import Group

    from portal.accounts.roles import StaffRole

    url = f"/api/v1/applications/{world.case.pk}/"
    assert_problem(APIClient().get(url), 403)
    assert_problem(world.a.get(url), 403)
    assert_problem(session_client(world.principal).get(url), 403)
    no_mfa = UserFactory(email="nomfa@regulator.example")
    no_mfa.groups.add(Group.objects.get(name=StaffRole.CASE_OFFICER.value))
    assert_problem(session_client(no_mfa).get(url), 403)
    assert session_client(world.officer).get(url).status_code == 200


def test_read_only_supervisor_reads_but_cannot_act(submitted, supervisor):
    api = session_client(supervisor)
    assert api.get(f"/api/v1/applications/{submitted.pk}/").status_code == 200
    assert api.get("/api/v1/queues/all/").json()["count"] == 1
    assert_problem(api.post(f"/api/v1/applications/{submitted.pk}/start-review/", {}, format="json"), 403)
    assert Application.objects.get(pk=submitted.pk).status == ApplicationStatus.SUBMITTED


def test_drafts_are_not_cases(world):
    assert_problem(session_client(world.officer).get(f"/api/v1/applications/{world.draft.pk}/"), 404)


# --- One error shape, throttling ------------------------------------------------------------


def test_every_error_has_the_one_shape(world, settings):
    cases = [
        (APIClient().get("/api/v1/firm/"), 401),
        (world.a.get("/api/v1/firm/applications/999999/"), 404),
        (APIClient().get("/api/v1/register/NOPE/"), 404),
        (APIClient().get("/api/v1/no-such-thing/"), 404),
        (APIClient().get("/api/v1/register/", {"stage": "bogus"}), 400),
        (world.a.post("/api/v1/firm/applications/", {"kind": "bogus"}, format="json"), 400),
        (world.a.post("/api/v1/firm/applications/", "not json", content_type="application/json"), 400),
        (world.a.delete("/api/v1/firm/applications/"), 405),
        (session_client(world.officer).get("/api/v1/queues/nope/"), 404),
    ]
    for response, status in cases:
        assert_problem(response, status)
    not_allowed = assert_problem(world.a.delete("/api/v1/firm/applications/"), 405)
    assert not_allowed["title"] == "Method not allowed."
    assert not_allowed["detail"] == 'Method "DELETE" not allowed.'


def test_anonymous_and_token_requests_are_throttled(world, settings):
    settings.PORTAL_API_THROTTLE_RATES = {"anon": "3/minute", "token": "2/minute", "user": "100/minute"}
    anon = APIClient()
    for _ in range(3):
        assert anon.get("/api/v1/register/").status_code == 200
    assert_problem(anon.get("/api/v1/register/"), 429)
    for _ in range(2):
        assert world.a.get("/api/v1/firm/").status_code == 200
    assert_problem(world.a.get("/api/v1/firm/"), 429)
    assert world.b.get("/api/v1/firm/").status_code == 200  # per token


def test_the_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/register/" in paths and "/api/v1/applications/{id}/recommend/" in paths
    recommend = paths["/api/v1/applications/{id}/recommend/"]["post"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "422", "429"} <= set(recommend)
    docs = client.get("/api/docs/")
    assert (
        docs.status_code == 200 and b"swagger" in docs.content.lower() and b"cdn" not in docs.content.lower()
    )


# --- The register's page rows: the same on PostgreSQL's one-query path and the portable path --


def _register_world(officer, approver, aml_officer, activities):
    people = {"officer": officer, "approver": approver, "aml_officer": aml_officer, "activities": activities}
    stages = [
        FirmStage.APPLICANT,
        FirmStage.NOC_HOLDER,
        FirmStage.AML_REGISTERED,
        FirmStage.LICENSED,
        FirmStage.SUSPENDED,
        FirmStage.REVOKED,
    ]
    for stage in stages:
        firm = FirmFactory()
        firm_at(stage, firm, principal=MembershipFactory(firm=firm).user, **people)
    return stages


def test_register_rows_are_the_same_by_either_path(officer, approver, aml_officer, activities, monkeypatch):
    from licensing.register import queries

    stages = _register_world(officer, approver, aml_officer, activities)
    page = queries.public_firms()
    native = queries.public_summaries(queries.summary_page(page, offset=0, limit=50))
    monkeypatch.setattr(connection, "vendor", "portable")  # the SQLite path, on any database
    portable = queries.public_summaries(queries.summary_page(page, offset=0, limit=50))
    assert native == portable
    assert {row["stage"] for row in native} == set(stages)
    assert any(row["permitted_activities"] for row in native if row["stage"] == FirmStage.LICENSED)
    assert any(row["permitted_activities"] for row in native if row["stage"] == FirmStage.AML_REGISTERED)


def test_register_json_rows_from_postgresql_match_the_python_rows(
    require_postgres, officer, approver, aml_officer, activities
):
    """The whole-register page PostgreSQL writes as JSON (json_page) is public_summary() to the
    character: same keys, values, activity order, and timestamps as the API's encoder writes them
    (with and without microseconds), in every language."""
    from django.utils import translation
    from rest_framework.renderers import JSONRenderer

    from licensing.register import json_page, queries

    _register_world(officer, approver, aml_officer, activities)
    first = queries.public_firms().first()
    whole_second = timezone.now().replace(microsecond=0)
    Firm.objects.filter(pk=first.pk).update(
        stage_changed_at=whole_second, updated_at=whole_second, lei=None, trading_names=["A", "B"]
    )
    for language in ("en", "ur"):
        with translation.override(language):
            expected = json.loads(
                JSONRenderer().render(
                    queries.public_summaries(queries.summary_page(queries.public_firms(), offset=0, limit=50))
                )
            )
            rows = json_page.summary_json_page(reverse=False, position=None, offset=0, limit=50)
        assert [json.loads(row.json) for row in rows] == expected
        assert [row.legal_name for row in rows] == [r["legal_name"] for r in expected]
    moment = expected[0]["stage_effective_at"]
    assert moment.endswith("Z") and "." not in moment  # a whole second: no microseconds


def test_register_api_pages_through_the_whole_register_both_ways(
    require_postgres, officer, approver, aml_officer, activities
):
    """Cursor pages of the JSON path (next, then previous) cover every firm once, in order, with
    the same rows as a search (the ORM path); the browsable renderer gets the same rows.
    (Going back across a run of equal names is DRF's cursor scheme's known limit, on either
    path: "previous" is checked where names differ.)"""
    from licensing.register import queries

    _register_world(officer, approver, aml_officer, activities)
    # Ties on the name (sorted last): the cursor's offset must step over them. Only firms in an
    # end state may share a legal name (firm_legal_name_unique_while_active).
    for n in range(5):
        FirmFactory(
            legal_name="Same Name Ltd", reference_number=f"VASP-2091-{n:05d}", stage=FirmStage.REVOKED
        )
    client = APIClient()
    url, seen, pages = "/api/v1/register/?page_size=2", [], []
    while url:
        page = client.get(url).json()
        pages.append(page)
        seen += [row["reference_number"] for row in page["results"]]
        url = page["next"]
    everyone = list(queries.public_firms().values_list("reference_number", flat=True))
    assert seen == everyone and len(pages) > 3
    back = client.get(pages[1]["previous"]).json()
    assert back["results"] == pages[0]["results"] and back["previous"] is None
    searched = client.get("/api/v1/register/", {"q": "Same Name", "page_size": 50}).json()["results"]
    whole = {row["reference_number"]: row for p in pages for row in p["results"]}
    assert searched and all(row == whole[row["reference_number"]] for row in searched)
    html = client.get("/api/v1/register/?page_size=2", HTTP_ACCEPT="text/html")
    assert html.status_code == 200 and pages[0]["results"][0]["legal_name"].encode() in html.content


# --- Query counts stay flat from 1 to 50 rows ------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # warm: last-used stamp, session, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx.captured_queries)


def _rows(kind, world, n, activities):
    firm = world.firm
    if kind == "register":
        for _ in range(n):
            f = FirmFactory()
            Firm.objects.filter(pk=f.pk).update(reference_number=f"VASP-2090-{f.pk:05d}")
    elif kind == "applications":
        for _ in range(n):
            Application.objects.create(firm=firm, kind="noc", created_by=world.principal).activities.set(
                activities
            )
    elif kind == "information-requests":
        for _ in range(n):
            app = Application.objects.create(firm=firm, kind="noc", status="information_requested")
            InformationRequest.objects.create(
                application=app, raised_by=world.officer, items=["x"], due_on=datetime.date(2099, 1, 1)
            )
    elif kind in ("deadlines", "notifications"):
        rule = DeadlineRule.objects.filter(audience=Audience.FIRM).first()
        now = timezone.now()
        for i in range(n):
            deadline = Deadline.objects.create(
                kind=rule.kind,
                rule=rule,
                firm=firm,
                started_at=now,
                due_on=now.date(),
                due_at=now,
                original_due_on=now.date(),
            )
            if kind == "notifications":
                reminder = Reminder.objects.create(
                    deadline=deadline, milestone=f"m{i}", scheduled_for=now, queued_at=now
                )
                Notification.objects.create(
                    user=world.principal, kind="reminder", subject="s", body="b", reminder=reminder
                )
    elif kind == "documents":
        for i in range(n):
            Document.objects.create(
                firm=firm,
                application=world.draft,
                doc_type="other",
                original_name=f"{i}.pdf",
                file=f"d/{i}",
                content_type="application/pdf",
                size=1,
                sha256=f"{i:064d}",
                uploaded_by=world.principal,
            )
    elif kind == "queue":
        for _ in range(n):
            Application.objects.create(firm=firm, kind="noc", status="submitted", submitted_at=timezone.now())


LISTS = [
    ("register", "anon", "/api/v1/register/"),
    ("applications", "token", "/api/v1/firm/applications/"),
    ("information-requests", "token", "/api/v1/firm/information-requests/"),
    ("deadlines", "token", "/api/v1/firm/deadlines/"),
    ("notifications", "token", "/api/v1/firm/notifications/"),
    ("documents", "token", "/api/v1/firm/applications/{draft}/documents/"),
    ("queue", "staff", "/api/v1/queues/all/"),
]


@pytest.mark.parametrize("kind,who,url", LISTS, ids=[row[0] for row in LISTS])
def test_list_query_counts_stay_flat_from_1_to_50_rows(world, activities, kind, who, url):
    client = {"anon": APIClient(), "token": world.a, "staff": session_client(world.officer)}[who]
    url = url.format(draft=world.draft.pk)
    _rows(kind, world, 1, activities)
    one = _count(client, url)
    _rows(kind, world, 49, activities)
    fifty = _count(client, url)
    assert fifty <= one, f"{url}: {one} queries with few rows, {fifty} with 50"


# --- Access to every page of this area, generated from its URL modules ------------------------

PUBLIC_PAGES = {
    "register_index",
    "register_csv",
    "register_json",
    "certificate_lookup",
    "certificate_public_key",
    "certificate_public_keys",
}
SIGNED_IN_PAGES = {"firm_api_tokens"}
OBJECT_PAGES = {"register_firm", "certificate_verify", "certificate_download", "firm_api_token_revoke"}


def test_every_url_of_the_area_is_in_the_access_tables():
    from licensing.certificates.urls import urlpatterns as certificate_urls
    from licensing.register.urls import urlpatterns as register_urls
    from portal.api.urls_web import urlpatterns as token_urls

    names = {p.name for p in [*register_urls, *certificate_urls, *token_urls]}
    assert names == PUBLIC_PAGES | SIGNED_IN_PAGES | OBJECT_PAGES


@pytest.mark.parametrize("name", sorted(PUBLIC_PAGES))
def test_public_pages_need_no_sign_in(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_the_tokens_page_needs_a_member_of_a_firm(client, principal, officer):
    url = reverse("firm_api_tokens")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(officer)  # staff act for no firm
    assert client.get(url).status_code == 404
    client.force_login(principal)
    assert client.get(url).status_code == 200


def test_revoking_needs_a_sign_in_and_a_post(client, firm, principal):
    api_token_create(actor=principal, firm_id=firm.pk, name="T")
    url = reverse("firm_api_token_revoke", args=[ApiToken.objects.get(firm=firm).pk])
    assert client.post(url).status_code == 302 and ApiToken.objects.get(firm=firm).revoked_at is None
    client.force_login(principal)
    assert client.get(url).status_code == 405
