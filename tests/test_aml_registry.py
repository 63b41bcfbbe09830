"""The AML registry: every firm with its AML status, goAML ID, MLRO and Compliance Officer,
last verification and (for AML officers and approvers) open screening alerts; its filters,
search, pages, the CSV file for the FMU, and a query count that does not grow with rows."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aml.models import AlertStatus, AmlRegistration, AmlStatus, ScreeningAlert
from aml.services import aml_registration_register, aml_registration_return, aml_registration_submit
from aml.web.registry import csv_safe
from aml.web.views_staff import PAGE_SIZE
from licensing.models import Firm, FirmStage
from tests.factories import FirmFactory, MembershipFactory
from tests.test_aml_registration import answers, open_alert

pytestmark = pytest.mark.django_db

REGISTRY = "/staff/aml/"
CSV_URL = "/staff/aml/registry.csv"


def noc_holder(name: str) -> tuple[Firm, object]:
    """A firm holding a NOC and its principal (stage set directly: test set-up only)."""
    firm = FirmFactory(legal_name=name)
    Firm.objects.filter(pk=firm.pk).update(stage=FirmStage.NOC_HOLDER)
    firm.refresh_from_db()
    return firm, MembershipFactory(firm=firm).user


def file_for(firm, principal, **changes) -> AmlRegistration:
    return aml_registration_submit(actor=principal, firm_id=firm.pk, **answers(**changes))


@pytest.fixture
def register(aml_officer, activities):
    """Four firms, one in each AML status, and an applicant firm with no registration."""
    verifier, services = aml_officer, activities

    registered, principal = noc_holder("Alpha Exchange Ltd")
    reg = file_for(
        registered,
        principal,
        goaml_org_id="GOAML-ALPHA",
        mlro_name="Ayesha Khan",
        mlro_email="ayesha@alpha.example",
        compliance_officer_name="Bilal Ahmed",
        compliance_officer_email="bilal@alpha.example",
    )
    aml_registration_register(actor=verifier, registration_id=reg.pk, service_ids=[s.pk for s in services])

    returned, principal = noc_holder("Bravo Markets Ltd")
    reg = file_for(returned, principal, goaml_org_id="GOAML-BRAVO", mlro_name="Danish Raza")
    aml_registration_return(actor=verifier, registration_id=reg.pk, remedial_actions=["Fix it."])

    submitted, principal = noc_holder("Charlie Digital Ltd")
    file_for(submitted, principal, goaml_org_id="GOAML-CHARLIE", mlro_name="Farah Siddiqui")

    draft, _principal = noc_holder("Delta Assets Ltd")
    AmlRegistration.objects.create(firm=draft, goaml_org_id="GOAML-DELTA-DRAFT")

    applicant = FirmFactory(legal_name="Echo Applicant Ltd")
    open_alert(submitted, name="Farah Siddiqui")
    open_alert(submitted, name="Someone Else")
    cleared = open_alert(returned, name="Danish Raza")
    ScreeningAlert.objects.filter(pk=cleared.pk).update(status=AlertStatus.CLEARED)
    return {
        "registered": registered,
        "returned": returned,
        "submitted": submitted,
        "draft": draft,
        "applicant": applicant,
        "services": services,
    }


def names_on(response) -> list[str]:
    return [row.firm.legal_name for row in response.context["rows"]]


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# --- The page --------------------------------------------------------------------------------


def test_every_firm_is_listed_with_its_aml_details(client, aml_officer, register):
    client.force_login(aml_officer)
    response = client.get(REGISTRY)
    assert names_on(response) == [
        "Alpha Exchange Ltd",
        "Bravo Markets Ltd",
        "Charlie Digital Ltd",
        "Delta Assets Ltd",
        "Echo Applicant Ltd",
    ]
    rows = {row.firm.legal_name: row for row in response.context["rows"]}
    assert [rows[n].status for n in names_on(response)] == [
        AmlStatus.REGISTERED,
        AmlStatus.RETURNED,
        AmlStatus.SUBMITTED,
        AmlStatus.NOT_STARTED,
        AmlStatus.NOT_STARTED,
    ]
    assert rows["Echo Applicant Ltd"].registration is None
    assert [rows[n].open_alerts for n in names_on(response)] == [0, 0, 2, 0, 0]

    page = response.content.decode()
    for text in (
        "GOAML-ALPHA",
        "Ayesha Khan",
        'href="mailto:ayesha@alpha.example"',
        "Bilal Ahmed",
        "bilal@alpha.example",
        "Virtual-asset exchange",
        "Custody and safekeeping of virtual assets",
        "Open screening alerts",
        "<strong>2</strong>",
        reverse("staff_aml_registration", args=[register["registered"].aml_registration.pk]),
    ):
        assert text in page, text
    assert page.count("Never") == 3  # last verified: submitted, draft, no registration


@pytest.mark.parametrize(
    ("role", "sees_alerts"),
    [("aml_officer", True), ("approver", True), ("officer", False), ("supervisor", False)],
)
def test_open_alerts_are_shown_only_to_aml_officers_and_approvers(
    client, request, register, role, sees_alerts
):
    client.force_login(request.getfixturevalue(role))
    response = client.get(REGISTRY, {"alerts": "yes"})
    page = response.content.decode()
    assert ("Open screening alerts" in page) is sees_alerts
    assert ('name="alerts"' in page) is sees_alerts
    if sees_alerts:
        assert names_on(response) == ["Charlie Digital Ltd"]
    else:  # the filter is ignored, and the counts are never computed
        assert len(names_on(response)) == 5
        assert {row.open_alerts for row in response.context["rows"]} == {None}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "registered"}, ["Alpha Exchange Ltd"]),
        ({"status": "returned"}, ["Bravo Markets Ltd"]),
        ({"status": "submitted"}, ["Charlie Digital Ltd"]),
        ({"status": "not_started"}, ["Delta Assets Ltd", "Echo Applicant Ltd"]),
        ({"stage": "aml_registered"}, ["Alpha Exchange Ltd"]),
        ({"stage": "applicant"}, ["Echo Applicant Ltd"]),
        ({"stage": "noc_holder", "status": "not_started"}, ["Delta Assets Ltd"]),
        ({"alerts": "yes"}, ["Charlie Digital Ltd"]),
        ({"alerts": "no", "stage": "noc_holder"}, ["Bravo Markets Ltd", "Delta Assets Ltd"]),
        ({"q": "goaml-bravo"}, ["Bravo Markets Ltd"]),
        ({"q": "ayesha@alpha"}, ["Alpha Exchange Ltd"]),
        ({"q": "farah"}, ["Charlie Digital Ltd"]),
        ({"q": "bilal ahmed"}, ["Alpha Exchange Ltd"]),
        ({"q": "Echo"}, ["Echo Applicant Ltd"]),
        ({"q": "nobody at all"}, []),
        ({"status": "bogus", "q": "delta"}, ["Delta Assets Ltd"]),  # an unknown value is ignored
    ],
)
def test_filters_and_search(client, aml_officer, register, filters, expected):
    client.force_login(aml_officer)
    response = client.get(REGISTRY, filters)
    assert response.status_code == 200
    assert names_on(response) == expected
    if not expected:
        assert "No firm matches." in response.content.decode()


def test_the_registry_pages_through_fifty_firms_at_a_time(client, supervisor):
    for n in range(PAGE_SIZE + 1):
        FirmFactory(legal_name=f"Firm {n:03d} Ltd")
    client.force_login(supervisor)
    first = client.get(REGISTRY, {"q": "Firm "})
    assert len(names_on(first)) == PAGE_SIZE
    assert "Showing 1 to 50 of 51 firms" in first.content.decode()
    assert "?q=Firm+&amp;page=2" in first.content.decode()
    second = client.get(REGISTRY, {"q": "Firm ", "page": 2})
    assert names_on(second) == [f"Firm {PAGE_SIZE:03d} Ltd"]


# --- The CSV file ----------------------------------------------------------------------------


def test_the_csv_has_every_column_for_the_fmu(client, aml_officer, register):
    client.force_login(aml_officer)
    response = client.get(CSV_URL)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="aml-registry-')
    header, *rows = read_csv(response)
    assert header == [
        "Firm",
        "Regulator reference",
        "LEI",
        "Authorisation stage",
        "AML registration status",
        "goAML organisation ID",
        "goAML registration date",
        "Compliance Officer",
        "Compliance Officer email",
        "MLRO",
        "MLRO email",
        "AML-registered services",
        "Last submitted",
        "Last verified",
        "Open screening alerts",
    ]
    alpha = dict(zip(header, rows[0], strict=True))
    registration = register["registered"].aml_registration
    assert alpha["Firm"] == "Alpha Exchange Ltd"
    assert alpha["LEI"] == register["registered"].lei
    assert alpha["Authorisation stage"] == "AML-registered"
    assert alpha["AML registration status"] == "Registered"
    assert alpha["goAML organisation ID"] == "GOAML-ALPHA"
    assert alpha["goAML registration date"] == registration.goaml_registered_on.isoformat()
    assert (alpha["MLRO"], alpha["MLRO email"]) == ("Ayesha Khan", "ayesha@alpha.example")
    assert alpha["AML-registered services"] == (
        "Custody and safekeeping of virtual assets; Virtual-asset exchange"
    )
    assert alpha["Last verified"] and alpha["Last submitted"]
    assert [r[-1] for r in rows] == ["0", "0", "2", "0", "0"]
    assert rows[-1][:6] == [
        "Echo Applicant Ltd",
        "",
        register["applicant"].lei,
        "Applicant",
        "Not started",
        "",
    ]


def test_the_csv_follows_the_filters_and_leaves_alerts_out_for_others(client, supervisor, register):
    client.force_login(supervisor)
    header, *rows = read_csv(client.get(CSV_URL, {"status": "not_started", "alerts": "yes"}))
    assert "Open screening alerts" not in header
    assert [r[0] for r in rows] == ["Delta Assets Ltd", "Echo Applicant Ltd"]


def test_csv_cells_cannot_run_as_formulas(client, aml_officer):
    firm, principal = noc_holder('=HYPERLINK("http://evil.example","Click")')
    file_for(firm, principal, mlro_name="+Mallory", compliance_officer_name="@Trudy", goaml_org_id="-1+1")
    client.force_login(aml_officer)
    header, row = read_csv(client.get(CSV_URL))
    cells = dict(zip(header, row, strict=True))
    assert cells["Firm"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert (cells["MLRO"], cells["Compliance Officer"], cells["goAML organisation ID"]) == (
        "'+Mallory",
        "'@Trudy",
        "'-1+1",
    )
    assert [csv_safe(v) for v in ("\tx", "\rx", "ok", None, 3)] == ["'\tx", "'\rx", "ok", "", "3"]


# --- Query counts ----------------------------------------------------------------------------


def _many(count: int, verifier, services, *, start: int = 0):
    for n in range(start, start + count):
        firm, principal = noc_holder(f"Query Firm {n:03d} Ltd")
        reg = file_for(firm, principal, goaml_org_id=f"GOAML-Q{n}")
        aml_registration_register(
            actor=verifier, registration_id=reg.pk, service_ids=[s.pk for s in services]
        )
        open_alert(firm, name=f"Person {n}")


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [REGISTRY, CSV_URL])
def test_the_query_count_is_flat_from_one_firm_to_fifty(client, aml_officer, activities, url):
    client.force_login(aml_officer)
    _many(1, aml_officer, activities)
    one = _queries(client, url, {"q": "Query Firm"})
    _many(PAGE_SIZE - 1, aml_officer, activities, start=1)  # names are unique among active firms
    fifty = _queries(client, url, {"q": "Query Firm"})
    assert fifty == one, f"{one} queries for 1 firm, {fifty} for {PAGE_SIZE}"
