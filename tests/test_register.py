"""The public register: search, filters, a page per firm with its banner and history, the
downloads, and nothing private on any of them."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from aml.models import EntryKind, ListEntry, ListVersion, SanctionsList, ScreeningAlert
from licensing.models import Application, ApplicationKind, Document, FirmStage, KeyIndividual
from licensing.models.people import IdentityType, KeyRole
from licensing.scenarios import PROPOSED_CONDITIONS
from tests.factories import FirmFactory, MembershipFactory
from tests.public_states import firm_at

pytestmark = pytest.mark.django_db

ALL_STAGES = [s.value for s in FirmStage]


@pytest.fixture
def people(officer, approver, aml_officer, activities):
    return {"officer": officer, "approver": approver, "aml_officer": aml_officer, "activities": activities}


def make_firm(stage, people, **firm_fields):
    firm = FirmFactory(**firm_fields)
    principal = MembershipFactory(firm=firm).user
    return firm_at(stage, firm, principal=principal, **people)


def body(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


def test_a_firm_that_never_submitted_is_not_on_the_register(client, firm):
    response = client.get(reverse("register_index"))
    assert response.status_code == 200
    assert firm.legal_name not in response.content.decode()


def test_register_lists_firms_and_searches_by_name_trading_name_reference_and_lei(client, people):
    alpha = make_firm(FirmStage.APPLICANT, people, legal_name="Alpha Exchange Ltd", trading_names=["AlphaX"])
    beta = make_firm(FirmStage.NOC_HOLDER, people, legal_name="Beta Markets Ltd", trading_names=["BetaTrade"])
    index = reverse("register_index")
    page = client.get(index).content.decode()
    assert "Alpha Exchange Ltd" in page and "Beta Markets Ltd" in page
    for query, found, missing in [
        ("alpha", alpha, beta),
        ("betatrade", beta, alpha),
        (alpha.reference_number, alpha, beta),
        (beta.lei, beta, alpha),
    ]:
        page = client.get(index, {"q": query}).content.decode()
        assert found.legal_name in page, query
        assert missing.legal_name not in page, query


def test_register_filters_by_stage_and_permitted_activity(client, people, activities):
    applicant = make_firm(FirmStage.APPLICANT, people)
    licensed = make_firm(FirmStage.LICENSED, people)
    index = reverse("register_index")
    page = client.get(index, {"stage": "licensed"}).content.decode()
    assert licensed.legal_name in page and applicant.legal_name not in page
    page = client.get(index, {"activity": activities[0].code}).content.decode()
    assert licensed.legal_name in page and applicant.legal_name not in page
    page = client.get(index, {"activity": "tokenisation"}).content.decode()
    assert licensed.legal_name not in page


BANNER_WORDS = {
    FirmStage.APPLICANT: "is not permitted to operate",
    FirmStage.NOC_HOLDER: "not an operating licence",
    FirmStage.AML_REGISTERED: "may offer only AML-registered services",
    FirmStage.SUSPENDED: "licence is suspended",
    FirmStage.NOC_LAPSED: "NOC lapsed",
    FirmStage.REFUSED: "application was refused",
    FirmStage.REVOKED: "licence was revoked",
    FirmStage.SURRENDERED: "surrendered its licence",
    FirmStage.EXPIRED: "licence expired on",
}


@pytest.mark.parametrize("stage", ALL_STAGES)
def test_each_stage_shows_the_right_banner(client, people, stage):
    firm = make_firm(stage, people)
    page = client.get(reverse("register_firm", args=[firm.reference_number])).content.decode()
    if stage == FirmStage.LICENSED:
        assert "register-banner" not in page
    else:
        assert 'class="register-banner' in page
        assert BANNER_WORDS[stage] in page


def test_a_licensed_firms_page_shows_the_entry_and_dated_history(client, people, activities):
    with_history = make_firm(
        FirmStage.SUSPENDED, people, legal_name="Gamma Ltd", local_company_number="SECP-42"
    )
    page = client.get(reverse("register_firm", args=[with_history.reference_number])).content.decode()
    for text in ["Gamma Ltd", with_history.reference_number, with_history.lei, "SECP-42", "LIC/", "NOC/"]:
        assert text in page
    for activity in activities:
        assert activity.name in page
    history = with_history.stage_changes.order_by("effective_at")
    assert history.count() == 4
    for change in history:
        assert timezone.localtime(change.effective_at).strftime("%Y-%m-%d") in page  # <time datetime=…>
    assert "Enforcement actions" in page and "Suspended" in page
    assert PROPOSED_CONDITIONS[ApplicationKind.LICENCE] in page  # the licence's public conditions
    assert "Not to operate until fully licensed." not in page  # the NOC's, no longer in force


def test_unknown_reference_is_404(client):
    assert client.get(reverse("register_firm", args=["VASP-0000-0000"])).status_code == 404


def _plant_private_data(firm, people):
    """Private things around a firm that must never reach the register."""
    app = Application.objects.filter(firm=firm, status="approved").first()
    person = KeyIndividual.objects.create(
        application=app,
        role=KeyRole.MLRO,
        full_name="Ayesha Khan",
        identity_type=IdentityType.CNIC,
        cnic="35202-1234567-1",
        nationality="PK",
        date_of_birth=datetime.date(1980, 5, 17),
        email="ayesha.private@firm.example",
    )
    Document.objects.create(
        firm=firm,
        application=app,
        doc_type="business_plan",
        original_name="secret-business-plan.pdf",
        file="documents/x/secret",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=people["officer"],
    )
    sanctions = SanctionsList.objects.create(code="un", name="UN list", source_format="un-xml")
    version = ListVersion.objects.create(sanctions_list=sanctions, source_name="un.xml", sha256="1" * 64)
    entry = ListEntry.objects.create(
        sanctions_list=sanctions,
        reference="QDi.999",
        kind=EntryKind.PERSON,
        name="Ayesha Kahn Listed",
        content_hash="2" * 64,
        added_in=version,
        changed_in=version,
    )
    ScreeningAlert.objects.create(
        firm=firm,
        key_individual=person,
        subject_name="Ayesha Khan",
        subject_fingerprint="3" * 64,
        entry=entry,
        entry_hash="2" * 64,
        score="91.50",
        reasons=["name similarity"],
    )
    return person


PRIVATE_TEXTS = [
    "35202-1234567-1",
    "1980-05-17",
    "17 May 1980",
    "ayesha.private@firm.example",
    "secret-business-plan.pdf",
    "QDi.999",
    "Ayesha Kahn Listed",
    "91.50",
    "Internal note",
    "Assessment complete; see the case notes.",
    "Agreed with the officer's assessment.",
    "mlro@example.com",
    "GOAML-",
]


def test_nothing_private_leaks_on_pages_downloads_or_api(client, people):
    firm = make_firm(FirmStage.SUSPENDED, people, contact_email="private-contact@firm.example")
    _plant_private_data(firm, people)
    urls = [
        reverse("register_index"),
        reverse("register_firm", args=[firm.reference_number]),
        reverse("register_csv"),
        reverse("register_json"),
        "/api/v1/register/",
        f"/api/v1/register/{firm.reference_number}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        for private in [*PRIVATE_TEXTS, "private-contact@firm.example"]:
            assert private not in text, (url, private)
    page = body(client.get(reverse("register_firm", args=[firm.reference_number])))
    assert (
        "Ayesha Khan" in page and "Money Laundering Reporting Officer" in page
    )  # names and roles are public


def test_csv_download_has_every_firm_and_defuses_formulas(client, people):
    make_firm(FirmStage.LICENSED, people, legal_name="=HYPERLINK(1) Ltd")
    make_firm(FirmStage.APPLICANT, people, legal_name="Plain Ltd")
    response = client.get(reverse("register_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body(response))))
    names = {row["legal_name"] for row in rows}
    assert names == {"'=HYPERLINK(1) Ltd", "Plain Ltd"}
    licensed = next(r for r in rows if r["stage"] == "licensed")
    assert licensed["licence_number"].startswith("LIC/")
    assert licensed["operating_status"] == "permitted"


def test_json_download_is_the_whole_register(client, people):
    make_firm(FirmStage.AML_REGISTERED, people)
    make_firm(FirmStage.REVOKED, people)
    data = json.loads(body(client.get(reverse("register_json"))))
    assert {f["stage"] for f in data["firms"]} == {"aml_registered", "revoked"}
    revoked = next(f for f in data["firms"] if f["stage"] == "revoked")
    assert revoked["banner"]["kind"] == "not_permitted"
    assert [a["action"] for a in revoked["enforcement_actions"]] == ["revocation"]


def test_register_index_query_count_is_flat(client, people, django_assert_max_num_queries):
    for _ in range(2):
        make_firm(FirmStage.LICENSED, people)
    with django_assert_max_num_queries(8):
        client.get(reverse("register_index"))
    for n in range(50):
        FirmFactory(reference_number=f"VASP-2099-{n:04d}")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("register_index")).status_code == 200


def test_register_nav_link_is_on_every_page(client):
    assert reverse("register_index") in client.get(reverse("home")).content.decode()


def test_the_country_of_incorporation_is_shown_by_name_and_the_api_keeps_the_code(client, people):
    firm = make_firm(FirmStage.LICENSED, people, incorporation_country="KY")
    page = body(client.get(reverse("register_firm", args=[firm.reference_number])))
    assert "Cayman Islands" in page
    api = client.get(f"/api/v1/register/{firm.reference_number}/").json()
    assert api["incorporation_country"] == "KY" and api["incorporation_country_name"] == "Cayman Islands"
    rows = list(csv.DictReader(io.StringIO(body(client.get(reverse("register_csv"))))))
    assert rows[0]["incorporation_country"] == "KY"
    assert rows[0]["incorporation_country_name"] == "Cayman Islands"
    data = json.loads(body(client.get(reverse("register_json"))))
    assert data["firms"][0]["incorporation_country_name"] == "Cayman Islands"


def test_a_name_typed_in_urdu_keeps_its_own_direction_on_the_register(client, people):
    """Typed names are isolated (<bdi>, direction from their own letters), never forced left to
    right: a firm's Urdu name reads right to left in an English page and the other way round."""
    firm = make_firm(
        FirmStage.NOC_HOLDER, people, legal_name="کراچی ڈیجیٹل ایکسچینج لمیٹڈ", trading_names=["KDX"]
    )
    for url in (reverse("register_index"), reverse("register_firm", args=[firm.reference_number])):
        page = client.get(url).content.decode()
        assert f"<bdi>{firm.legal_name}</bdi>" in page, url
        assert f'<bdi dir="ltr" class="ltr-value">{firm.legal_name}' not in page, url
