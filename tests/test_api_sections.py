"""A NOC application from creation to submission through the API alone, with a firm token:
sections (validated exactly as the web forms validate them), key individuals, beneficial
owners, licences held elsewhere, documents, submit. Another firm's token is 404 on every
endpoint; nothing can be mass-assigned; the new lists keep flat query counts."""

import datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from licensing import scenarios
from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    BeneficialOwner,
    ForeignLicence,
    KeyIndividual,
)
from licensing.models.people import REQUIRED_KEY_ROLES, KeyRole
from licensing.sections import get_section
from licensing.services.documents import REQUIRED_DOCUMENT_TYPES
from licensing.web.forms_people import BeneficialOwnerForm, KeyIndividualForm
from portal.api.services import api_token_create
from tests.test_uploads import pdf_bytes
from tests.test_web_application import VALID as VALID_ANSWERS

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"type", "title", "status", "detail"}
API = "/api/v1/firm"

# The web form tests' valid answers, as JSON clients send them (numbers as numbers).
ANSWERS = {
    **VALID_ANSWERS,
    "business_plan": {**VALID_ANSWERS["business_plan"], "projected_customers": 250000},
}


def person(role, n=1, **over) -> dict:
    data = {
        "role": role,
        "full_name": f"Person {n}",
        "identity_type": "cnic",
        "cnic": f"3520{n}-1234567-{n % 10}",
        "nationality": "pk",
        "date_of_birth": "1980-03-27",
        "is_employee": True,
        "email": f"person{n}@firm.example",
    }
    data.update(over)
    return data


def owner(n=1, **over) -> dict:
    data = {
        "kind": "person",
        "name": f"Owner {n}",
        "country": "GB",
        "ownership_percent": "30",
        "date_of_birth": "1970-01-01",
        "identity_number": f"P{n:07d}",
    }
    data.update(over)
    return data


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


@pytest.fixture
def a(firm, principal):
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="Firm A system")
    return token_client(key)


@pytest.fixture
def b(other_firm, outsider):
    _, key = api_token_create(actor=outsider, firm_id=other_firm.pk, name="Firm B system")
    return token_client(key)


@pytest.fixture
def draft(firm, principal):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:800])
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    body = response.json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status, body
    return body


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:1500])
    return response.json() if status != 204 else None


def upload(client, app_id, doc_type):
    return client.post(
        f"{API}/applications/{app_id}/documents/",
        {"doc_type": doc_type, "file": SimpleUploadedFile(f"{doc_type}.pdf", pdf_bytes(doc_type))},
    )


# --- The whole journey ---------------------------------------------------------------------


def test_a_firm_takes_a_noc_application_from_creation_to_submission_through_the_api(
    a, firm, principal, activities
):
    app = ok(a.post(f"{API}/applications/", {"kind": "noc"}, format="json"), 201)
    base = f"{API}/applications/{app['id']}"
    assert app["status"] == "draft"

    # One-page sections, as the web form's "Save and mark as complete".
    for key, data in ANSWERS.items():
        state = ok(a.put(f"{base}/sections/{key}/", {"data": data, "completed": True}, format="json"))
        assert state["status"] == "completed", key
    # Licences held elsewhere: listed on the firm profile, then confirmed in the section.
    licence = {
        "regulator": "VARA",
        "jurisdiction": "ae",
        "licence_number": "VL/23/01",
        "activity": "Exchange",
    }
    added = ok(a.post(f"{API}/foreign-licences/", licence, format="json"), 201)
    assert added["jurisdiction"] == "AE"
    assert [row["id"] for row in ok(a.get(f"{API}/foreign-licences/"))] == [added["id"]]
    ok(
        a.put(
            f"{base}/sections/licences_elsewhere/",
            {"data": {"confirmed": True}, "completed": True},
            format="json",
        )
    )

    # Key individuals: every required role; then the section is marked complete.
    for n, role in enumerate(REQUIRED_KEY_ROLES, start=1):
        row = ok(a.post(f"{base}/key-individuals/", person(role, n), format="json"), 201)
        assert row["role"] == role and row["nationality"] == "PK"
    assert len(ok(a.get(f"{base}/key-individuals/"))) == len(REQUIRED_KEY_ROLES)
    ok(a.put(f"{base}/sections/key_individuals/", {"completed": True}, format="json"))

    # Ownership: one owner above 10 %, then complete.
    ok(a.post(f"{base}/beneficial-owners/", owner(), format="json"), 201)
    ok(a.put(f"{base}/sections/ownership/", {"completed": True}, format="json"))

    # Documents: completing too early names what is missing; then upload and complete.
    early = assert_problem(a.put(f"{base}/sections/documents/", {"completed": True}, format="json"), 422)
    assert early["errors"]["__all__"]
    for doc_type in REQUIRED_DOCUMENT_TYPES[ApplicationKind.NOC]:
        ok(upload(a, app["id"], doc_type), 201)
    ok(a.put(f"{base}/sections/documents/", {"completed": True}, format="json"))

    sections = ok(a.get(f"{base}/sections/"))
    assert {s["key"]: s["status"] for s in sections} == {s["key"]: "completed" for s in sections}

    submitted = ok(a.post(f"{base}/submit/", {"declaration": True}, format="json"))
    assert submitted["status"] == ApplicationStatus.SUBMITTED and submitted["reference"]
    stored = Application.objects.get(pk=app["id"])
    assert stored.firm_id == firm.pk and stored.declaration_signed_by_id == principal.pk
    assert sorted(stored.activities.values_list("code", flat=True)) == ["custody", "exchange"]
    # After submission nothing can be changed any more.
    late = a.post(f"{base}/key-individuals/", person(KeyRole.DIRECTOR, 9), format="json")
    assert_problem(late, 422)


# --- Validation mirrors the web forms --------------------------------------------------------


def _form_messages(form) -> dict:
    return {name: [e["message"] for e in found] for name, found in form.errors.get_json_data().items()}


def test_section_errors_are_the_web_forms_messages(a, draft, activities):
    section = get_section(draft.kind, "services")
    expected = _form_messages(section.form(draft, data={}, completing=True))
    body = assert_problem(
        a.put(f"{API}/applications/{draft.pk}/sections/services/", {"completed": True}, format="json"), 400
    )
    assert body["errors"] == {"data": expected} and expected
    # A draft may be partial, but what is given must be well formed (as on the web form).
    bad = {"capital_amount": "lots", "projected_customers": "many"}
    expected = _form_messages(
        get_section(draft.kind, "business_plan").form(draft, data=bad, completing=False)
    )
    body = assert_problem(
        a.put(f"{API}/applications/{draft.pk}/sections/business_plan/", {"data": bad}, format="json"), 400
    )
    assert body["errors"] == {"data": expected} and set(expected) == {"capital_amount", "projected_customers"}
    # A list where one value is wanted is refused, not a server error.
    body = assert_problem(
        a.put(
            f"{API}/applications/{draft.pk}/sections/business_plan/",
            {"data": {"products": ["a"]}},
            format="json",
        ),
        400,
    )
    assert "products" in body["errors"]["data"]
    draft.refresh_from_db()
    assert "business_plan" not in draft.sections


def test_patch_changes_only_the_answers_given(a, draft, activities):
    url = f"{API}/applications/{draft.pk}/sections/aml_programme/"
    ok(a.put(url, {"data": ANSWERS["aml_programme"]}, format="json"))
    state = ok(a.patch(url, {"data": {"record_keeping": "Twelve years."}, "completed": True}, format="json"))
    assert state["status"] == "completed"
    assert state["data"] == {**ANSWERS["aml_programme"], "record_keeping": "Twelve years."}


@pytest.mark.parametrize(
    "over",
    [
        {"role": KeyRole.MLRO, "is_employee": False},
        {"identity_type": "passport", "cnic": "", "passport_number": ""},
        {"date_of_birth": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()},
        {"nationality": "Pakistan"},
        {"email": "not-an-address"},
        {"full_name": ""},
    ],
)
def test_key_individual_errors_are_the_web_forms_messages(a, draft, over):
    data = {**person(KeyRole.CEO, 1), **over}
    form = KeyIndividualForm(
        data={k: ("on" if v is True else "" if v is False else v) for k, v in data.items()}
    )
    expected = _form_messages(form)
    assert expected
    body = assert_problem(a.post(f"{API}/applications/{draft.pk}/key-individuals/", data, format="json"), 400)
    assert body["errors"] == expected
    assert not KeyIndividual.objects.filter(application=draft).exists()


def test_owner_errors_are_the_web_forms_and_the_services_messages(a, draft):
    data = owner(ownership_percent="5")
    expected = _form_messages(BeneficialOwnerForm(data=data))
    body = assert_problem(
        a.post(f"{API}/applications/{draft.pk}/beneficial-owners/", data, format="json"), 400
    )
    assert body["errors"] == expected and "ownership_percent" in expected
    # Rules across rows come from the service (422), as the web page shows them.
    ok(
        a.post(
            f"{API}/applications/{draft.pk}/beneficial-owners/",
            owner(1, ownership_percent="80"),
            format="json",
        ),
        201,
    )
    body = assert_problem(
        a.post(
            f"{API}/applications/{draft.pk}/beneficial-owners/",
            owner(2, ownership_percent="30"),
            format="json",
        ),
        422,
    )
    assert "100" in body["errors"]["ownership_percent"][0]


def test_a_second_ceo_and_incomplete_people_sections_are_422(a, draft):
    ok(a.post(f"{API}/applications/{draft.pk}/key-individuals/", person(KeyRole.CEO, 1), format="json"), 201)
    body = assert_problem(
        a.post(f"{API}/applications/{draft.pk}/key-individuals/", person(KeyRole.CEO, 2), format="json"), 422
    )
    assert "role" in body["errors"]
    assert_problem(
        a.put(f"{API}/applications/{draft.pk}/sections/key_individuals/", {"completed": True}, format="json"),
        422,
    )
    # Nobody above 10 %: declared in the ownership section.
    state = ok(
        a.put(
            f"{API}/applications/{draft.pk}/sections/ownership/",
            {"data": {"none_above_threshold": True}, "completed": True},
            format="json",
        )
    )
    assert state["status"] == "completed" and state["data"]["none_above_threshold"] is True


def test_people_rows_are_changed_and_removed(a, draft):
    base = f"{API}/applications/{draft.pk}/key-individuals/"
    row = ok(a.post(base, person(KeyRole.CFO, 1), format="json"), 201)
    changed = ok(a.patch(f"{base}{row['id']}/", {"full_name": "Bilal Ahmed"}, format="json"))
    assert changed["full_name"] == "Bilal Ahmed" and changed["role"] == KeyRole.CFO
    replaced = ok(a.put(f"{base}{row['id']}/", person(KeyRole.CEO, 2), format="json"))
    assert replaced["role"] == KeyRole.CEO and replaced["full_name"] == "Person 2"
    assert ok(a.get(f"{base}{row['id']}/"))["id"] == row["id"]
    ok(a.delete(f"{base}{row['id']}/"), 204)
    assert_problem(a.get(f"{base}{row['id']}/"), 404)
    assert_problem(a.get(f"{base}99999999999999999999/"), 404)


def test_ownership_is_not_part_of_a_licence_application(a, firm, principal):
    licence = scenarios.new_application(firm, ApplicationKind.LICENCE, actor=principal)
    assert_problem(a.get(f"{API}/applications/{licence.pk}/beneficial-owners/"), 404)
    assert_problem(a.put(f"{API}/applications/{licence.pk}/sections/ownership/", {}, format="json"), 404)


# --- Another firm's token: 404 on every new endpoint, nothing changes -------------------------


def test_another_firms_token_gets_404_on_every_new_endpoint(a, b, draft, firm):
    p = ok(a.post(f"{API}/applications/{draft.pk}/key-individuals/", person(KeyRole.CEO), format="json"), 201)
    o = ok(a.post(f"{API}/applications/{draft.pk}/beneficial-owners/", owner(), format="json"), 201)
    lic = ok(
        a.post(
            f"{API}/foreign-licences/",
            {"regulator": "VARA", "jurisdiction": "AE", "licence_number": "1", "activity": "Exchange"},
            format="json",
        ),
        201,
    )
    base = f"{API}/applications/{draft.pk}"
    requests = [
        ("put", f"{base}/sections/services/", {"data": ANSWERS["services"]}),
        ("patch", f"{base}/sections/technology/", {"data": {}}),
        ("put", f"{base}/sections/key_individuals/", {"completed": False}),
        ("put", f"{base}/sections/documents/", {"completed": True}),
        ("get", f"{base}/key-individuals/", None),
        ("post", f"{base}/key-individuals/", person(KeyRole.CFO, 2)),
        ("get", f"{base}/key-individuals/{p['id']}/", None),
        ("put", f"{base}/key-individuals/{p['id']}/", person(KeyRole.CEO, 3)),
        ("patch", f"{base}/key-individuals/{p['id']}/", {"full_name": "X"}),
        ("delete", f"{base}/key-individuals/{p['id']}/", None),
        ("get", f"{base}/beneficial-owners/", None),
        ("post", f"{base}/beneficial-owners/", owner(2)),
        ("get", f"{base}/beneficial-owners/{o['id']}/", None),
        ("put", f"{base}/beneficial-owners/{o['id']}/", owner(3)),
        ("patch", f"{base}/beneficial-owners/{o['id']}/", {"name": "X"}),
        ("delete", f"{base}/beneficial-owners/{o['id']}/", None),
        ("delete", f"{API}/foreign-licences/{lic['id']}/", None),
    ]

    def snapshot():
        return (
            list(Application.objects.filter(pk=draft.pk).values("sections", "status")),
            list(KeyIndividual.objects.filter(application=draft).values()),
            list(BeneficialOwner.objects.filter(application=draft).values()),
            list(ForeignLicence.objects.filter(firm=firm).values()),
        )

    before = snapshot()
    for method, url, data in requests:
        response = b.get(url) if method == "get" else getattr(b, method)(url, data or {}, format="json")
        assert_problem(response, 404)
    assert snapshot() == before
    # Firm B's own lists show nothing of firm A.
    assert ok(b.get(f"{API}/foreign-licences/")) == []
    # Firm A's own token reaches every one of them.
    for method, url, _data in requests:
        if method == "get":
            assert a.get(url).status_code == 200, url


# --- Mass assignment ---------------------------------------------------------------------------


def test_nothing_can_be_mass_assigned(a, draft, firm, other_firm, outsider, officer):
    other_app = scenarios.new_application(other_firm, ApplicationKind.NOC, actor=outsider)
    row = ok(
        a.post(
            f"{API}/applications/{draft.pk}/key-individuals/",
            {**person(KeyRole.CEO), "id": 424242, "application": other_app.pk, "cv": 1},
            format="json",
        ),
        201,
    )
    stored = KeyIndividual.objects.get(pk=row["id"])
    assert stored.application_id == draft.pk and stored.pk != 424242 and stored.cv_id is None
    assert not KeyIndividual.objects.filter(application=other_app).exists()
    o = ok(a.post(f"{API}/applications/{draft.pk}/beneficial-owners/", owner(), format="json"), 201)
    ok(
        a.patch(
            f"{API}/applications/{draft.pk}/beneficial-owners/{o['id']}/",
            {"application": other_app.pk, "id": 1, "name": "Renamed"},
            format="json",
        )
    )
    assert BeneficialOwner.objects.get(pk=o["id"]).application_id == draft.pk
    state = ok(
        a.put(
            f"{API}/applications/{draft.pk}/sections/aml_programme/",
            {
                "data": {**ANSWERS["aml_programme"], "status": "approved"},
                "status": "approved",
                "reference": "APP-FAKE",
                "assigned_officer": officer.pk,
            },
            format="json",
        )
    )
    assert "status" not in state["data"]
    draft.refresh_from_db()
    assert (draft.status, draft.reference, draft.assigned_officer_id) == (ApplicationStatus.DRAFT, None, None)
    lic = ok(
        a.post(
            f"{API}/foreign-licences/",
            {
                "regulator": "VARA",
                "jurisdiction": "AE",
                "licence_number": "9",
                "activity": "X",
                "firm": other_firm.pk,
            },
            format="json",
        ),
        201,
    )
    assert ForeignLicence.objects.get(pk=lic["id"]).firm_id == firm.pk


# --- Flat query counts on the new lists ---------------------------------------------------------


def _count(client, url) -> int:
    client.get(url)  # warm: last-used stamp, caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx.captured_queries)


def _add_rows(kind, draft, start, n):
    for i in range(start, start + n):
        if kind == "key-individuals":
            KeyIndividual.objects.create(
                application=draft,
                role=KeyRole.DIRECTOR,
                full_name=f"Director {i}",
                identity_type="passport",
                passport_number=f"P{i}",
                passport_country="GB",
                nationality="GB",
                date_of_birth=datetime.date(1970, 1, 1),
            )
        elif kind == "beneficial-owners":
            BeneficialOwner.objects.create(
                application=draft, kind="entity", name=f"Holding {i}", country="AE", ownership_percent=1
            )
        else:
            ForeignLicence.objects.create(
                firm=draft.firm, regulator="VARA", jurisdiction="AE", licence_number=f"L{i}", activity="X"
            )


@pytest.mark.parametrize("kind", ["key-individuals", "beneficial-owners", "foreign-licences"])
def test_new_list_query_counts_stay_flat_from_1_to_50_rows(a, draft, kind):
    url = (
        f"{API}/foreign-licences/" if kind == "foreign-licences" else f"{API}/applications/{draft.pk}/{kind}/"
    )
    _add_rows(kind, draft, 0, 1)
    one = _count(a, url)
    _add_rows(kind, draft, 1, 49)
    fifty = _count(a, url)
    assert len(a.get(url).json()) == 50
    assert fifty <= one, f"{url}: {one} queries with one row, {fifty} with 50"


# --- Documented in the schema --------------------------------------------------------------------


def test_the_new_endpoints_are_documented_with_their_problems(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]
    base = "/api/v1/firm/applications/{id}"
    section = paths[base + "/sections/{key}/"]
    assert {"put", "patch"} <= set(section)
    assert {"200", "400", "401", "403", "404", "422", "429"} <= set(section["patch"]["responses"])
    people = paths[base + "/key-individuals/{person_id}/"]
    assert {"get", "put", "patch", "delete"} <= set(people)
    assert {"204", "401", "404", "422"} <= set(people["delete"]["responses"])
    assert {"201", "400", "422"} <= set(paths[base + "/beneficial-owners/"]["post"]["responses"])
    assert "post" in paths["/api/v1/firm/foreign-licences/"]
