"""The staff work queues: which case is in which queue, counts, filters, search, sorting,
pagination, the CSV export, assigning cases, and flat query counts."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing import scenarios
from licensing.models import (
    Activity,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Firm,
    FirmRole,
    FirmStage,
    InformationRequest,
    InformationRequestStatus,
    Recommendation,
)
from licensing.staff import queries
from licensing.staff.models import AssignmentChange, CaseView
from licensing.staff.services import application_assign, application_unassign, case_viewed
from licensing.staff.views.queues import csv_cell
from portal.accounts.roles import StaffRole
from portal.audit.chain import verify_chain
from portal.audit.models import AuditEvent
from portal.dates import local_today
from portal.errors import CaseChanged, NotPermitted, RuleBroken, TransitionNotPossible
from tests.conftest import give_mfa
from tests.factories import FirmFactory, MembershipFactory, UserFactory
from tests.states import application_in

pytestmark = pytest.mark.django_db

QUEUES_URL = reverse("staff_queues")
CSV_URL = reverse("staff_queue_csv")


def assign_url(app) -> str:
    return reverse("staff_assign", args=[app.pk])


def pks(response) -> list[int]:
    return [row.pk for row in response.context["rows"]]


def total(response) -> int:
    return response.context["page"].paginator.count


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def dual(db):
    """A case officer who is also an approver."""
    user = UserFactory(email="dual@regulator.example", full_name="Dual Role")
    user.groups.add(Group.objects.get(name=StaffRole.CASE_OFFICER.value))
    user.groups.add(Group.objects.get(name=StaffRole.APPROVER.value))
    return give_mfa(user)


def new_firm(name: str, **extra) -> tuple[Firm, object]:
    firm = FirmFactory(legal_name=name, **extra)
    return firm, MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user


def case(status, name, *, officer, approver=None):
    """A NOC application of a new firm, walked to `status` through the services."""
    firm, principal = new_firm(name)
    app = application_in(status, firm=firm, submitter=principal, officer=officer, approver=approver)
    app.principal = principal
    return app


# --- Queue membership (table-driven), through the services as real users get there.


@pytest.fixture
def world(officer, officer2, approver, dual):
    """One case per situation. Officer holds b, d, e, f, g, j; officer2 holds c; dual holds h."""
    today = local_today()
    cases = {
        "a_submitted": case(ApplicationStatus.SUBMITTED, "Alpha Ltd", officer=officer),
        "b_reviewing": case(ApplicationStatus.UNDER_REVIEW, "Bravo Ltd", officer=officer),
        "c_other_officer": case(ApplicationStatus.UNDER_REVIEW, "Charlie Ltd", officer=officer2),
        "d_asked": case(ApplicationStatus.INFORMATION_REQUESTED, "Delta Ltd", officer=officer),
        "e_answered": case(ApplicationStatus.INFORMATION_REQUESTED, "Echo Ltd", officer=officer),
        "f_answered_seen": case(ApplicationStatus.INFORMATION_REQUESTED, "Foxtrot Ltd", officer=officer),
        "g_recommended": case(ApplicationStatus.AWAITING_DECISION, "Golf Ltd", officer=officer),
        "h_recommended_by_dual": case(ApplicationStatus.AWAITING_DECISION, "Hotel Ltd", officer=dual),
        "i_approved": case(ApplicationStatus.APPROVED, "India Ltd", officer=officer, approver=approver),
        "j_overdue_answer": case(ApplicationStatus.INFORMATION_REQUESTED, "Juliet Ltd", officer=officer),
        "k_decision_due_soon": case(ApplicationStatus.SUBMITTED, "Kilo Ltd", officer=officer),
    }
    for key in ("e_answered", "f_answered_seen"):
        scenarios.answer_information_request(cases[key], actor=cases[key].principal)
    case_viewed(user=officer, application=cases["f_answered_seen"])
    InformationRequest.objects.filter(application=cases["j_overdue_answer"]).update(
        due_on=today - datetime.timedelta(days=1)
    )
    # Submitted 55 days ago: a NOC decision (60 days) falls due in 5 days.
    Application.objects.filter(pk=cases["k_decision_due_soon"].pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=55)
    )
    return {key: Application.objects.get(pk=app.pk) for key, app in cases.items()}


ALL_OPEN = {
    "a_submitted",
    "b_reviewing",
    "c_other_officer",
    "d_asked",
    "e_answered",
    "f_answered_seen",
    "g_recommended",
    "h_recommended_by_dual",
    "j_overdue_answer",
    "k_decision_due_soon",
}
MEMBERSHIP = [
    # (who looks, queue, the cases in it)
    ("officer", "unassigned", {"a_submitted", "k_decision_due_soon"}),
    (
        "officer",
        "mine",
        {"b_reviewing", "d_asked", "e_answered", "f_answered_seen", "g_recommended", "j_overdue_answer"},
    ),
    ("officer2", "mine", {"c_other_officer"}),
    ("officer", "waiting", {"d_asked", "j_overdue_answer"}),
    ("officer", "changed", {"e_answered"}),
    ("officer2", "changed", {"e_answered", "f_answered_seen"}),
    ("officer", "deadlines", {"j_overdue_answer", "k_decision_due_soon"}),
    ("officer", "open", ALL_OPEN),
    ("officer", "all", ALL_OPEN | {"i_approved"}),
    ("approver", "decision", {"g_recommended", "h_recommended_by_dual"}),
    ("dual", "decision", {"g_recommended"}),
    ("supervisor", "unassigned", {"a_submitted", "k_decision_due_soon"}),
    ("supervisor", "open", ALL_OPEN),
]


@pytest.mark.parametrize(("who", "slug", "expected"), MEMBERSHIP, ids=[f"{w}-{s}" for w, s, _e in MEMBERSHIP])
def test_each_queue_holds_exactly_its_cases(request, world, who, slug, expected, client):
    user = request.getfixturevalue(who)
    assert {app.pk for app in queries.queue(slug, user)} == {world[key].pk for key in expected}
    client.force_login(user)
    response = client.get(QUEUES_URL, {"queue": slug})
    assert response.status_code == 200
    assert response.context["queue"].slug == slug
    assert set(pks(response)) == {world[key].pk for key in expected}


def test_counts_of_every_queue_come_from_one_query(world, officer, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = queries.queue_counts(officer)
    expected = {slug: len(cases) for who, slug, cases in MEMBERSHIP if who == "officer" and slug != "all"}
    assert counts == expected


def test_the_page_shows_each_queue_with_its_count(world, officer, client):
    client.force_login(officer)
    response = client.get(QUEUES_URL)
    tabs = {tab["queue"].slug: tab["count"] for tab in response.context["tabs"]}
    assert tabs["unassigned"] == 2 and tabs["mine"] == 6 and tabs["changed"] == 1
    assert tabs["all"] is None  # not counted: it covers every closed case too
    assert "decision" not in tabs  # an officer does not decide
    assert response.context["queue"].slug == "mine"  # an officer starts on their own cases
    page = response.content.decode()
    assert f'href="/staff/cases/{world["b_reviewing"].pk}/"' in page


def test_approvers_start_on_their_decisions_and_supervisors_on_all_open_cases(
    world, approver, supervisor, client
):
    client.force_login(approver)
    assert client.get(QUEUES_URL).context["queue"].slug == "decision"
    client.force_login(supervisor)
    response = client.get(QUEUES_URL)
    assert response.context["queue"].slug == "open"
    assert {tab["queue"].slug for tab in response.context["tabs"]} == {
        "unassigned",
        "changed",
        "waiting",
        "deadlines",
        "open",
        "all",
    }


def test_a_queue_the_user_does_not_have_falls_back_to_their_default(world, officer, client):
    client.force_login(officer)
    assert client.get(QUEUES_URL, {"queue": "decision"}).context["queue"].slug == "mine"
    assert client.get(QUEUES_URL, {"queue": "nonsense"}).context["queue"].slug == "mine"


def test_rows_are_flagged_changed_and_overdue(world, officer, client):
    client.force_login(officer)
    response = client.get(QUEUES_URL, {"queue": "mine"})
    rows = {row.pk: row for row in response.context["rows"]}
    assert rows[world["e_answered"].pk].is_changed
    assert not rows[world["f_answered_seen"].pk].is_changed
    assert rows[world["j_overdue_answer"].pk].is_overdue
    assert not rows[world["d_asked"].pk].is_overdue and not rows[world["d_asked"].pk].is_due_soon
    page = response.content.decode()
    assert "Changed since you looked" in page and "Overdue: due" in page


def test_looking_at_a_case_takes_it_out_of_changed_since_i_last_looked(world, officer):
    assert world["e_answered"] in queries.changed_since_viewed(officer)
    case_viewed(user=officer, application=world["e_answered"])
    case_viewed(user=officer, application=world["e_answered"])  # a second look updates the same row
    assert CaseView.objects.filter(user=officer, application=world["e_answered"]).count() == 1
    assert world["e_answered"] not in queries.changed_since_viewed(officer)


def test_a_firm_answering_again_after_the_look_brings_the_case_back(world, officer):
    app = world["f_answered_seen"]
    Application.objects.filter(pk=app.pk).update(
        firm_changed_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    assert app in queries.changed_since_viewed(officer)


def test_case_viewed_ignores_people_who_are_not_staff(world, principal):
    assert case_viewed(user=principal, application=world["a_submitted"]) is None
    assert not CaseView.objects.filter(user=principal).exists()


def test_decision_clock_settings_move_the_deadline_queue(world, officer, settings):
    settings.PORTAL_NOC_DECISION_DAYS = 200
    assert world["k_decision_due_soon"] not in queries.near_deadline(officer)
    settings.PORTAL_NOC_DECISION_DAYS = 30
    assert world["k_decision_due_soon"] in queries.near_deadline(officer)
    queries.decorate([world["k_decision_due_soon"]])
    assert world["k_decision_due_soon"].is_overdue


# --- Filters, search, sorting and pagination (rows made directly: only their fields matter).


def row(name, *, status=ApplicationStatus.SUBMITTED, kind=ApplicationKind.NOC, days_ago=1, **fields):
    firm_fields = {k.removeprefix("firm__"): v for k, v in fields.items() if k.startswith("firm__")}
    app_fields = {k: v for k, v in fields.items() if not k.startswith("firm__")}
    firm = FirmFactory(legal_name=name, **firm_fields)
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return Application.objects.create(
        firm=firm,
        kind=kind,
        status=status,
        submitted_at=when,
        status_changed_at=when,
        reference=f"APP-{kind.upper()}-2026-{Application.objects.count() + 1:05d}",
        **app_fields,
    )


@pytest.fixture
def rows(officer, officer2):
    exchange = Activity.objects.get(code="exchange")
    made = {
        "north": row(
            "Northwind Exchange Ltd", firm__trading_names=["Lantern"], assigned_officer=officer, days_ago=3
        ),
        "south": row(
            "Southgate Custody Ltd",
            kind=ApplicationKind.LICENCE,
            status=ApplicationStatus.UNDER_REVIEW,
            assigned_officer=officer2,
            firm__lei="5493001KJTIIGC8Y1R12",
            days_ago=2,
        ),
        "east": row("Eastbay Brokerage Ltd", status=ApplicationStatus.AWAITING_DECISION, days_ago=1),
    }
    made["east"].activities.add(exchange)
    Firm.objects.filter(pk=made["south"].firm_id).update(stage=FirmStage.AML_REGISTERED)
    return made


@pytest.fixture
def looking(client, supervisor):
    client.force_login(supervisor)

    def get(**params):
        response = client.get(QUEUES_URL, {"queue": "open", **params})
        assert response.status_code == 200
        return response

    return get


FILTERS = [
    ({"kind": "licence"}, {"south"}),
    ({"kind": "noc"}, {"north", "east"}),
    ({"status": "under_review"}, {"south"}),
    ({"stage": "aml_registered"}, {"south"}),
    ({"officer": "none"}, {"east"}),
    ({"activity": "exchange"}, {"east"}),
    ({"kind": "noc", "officer": "none"}, {"east"}),
    ({"kind": "not-a-kind"}, {"north", "south", "east"}),  # an invalid value is ignored
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_filters(rows, looking, params, expected):
    assert set(pks(looking(**params))) == {rows[key].pk for key in expected}


def test_officer_filter(rows, looking, officer2):
    assert pks(looking(officer=str(officer2.pk))) == [rows["south"].pk]


SEARCHES = [
    ("northwind", {"north"}),  # legal name, any case
    ("lantern", {"north"}),  # trading name
    ("5493001KJTIIGC8Y1R12", {"south"}),  # LEI
    ("5493001kjt", {"south"}),  # part of an LEI
    ("Ltd", {"north", "south", "east"}),
    ("nothing like it", set()),
]


@pytest.mark.parametrize(("text", "expected"), SEARCHES)
def test_search(rows, looking, text, expected):
    assert set(pks(looking(q=text))) == {rows[key].pk for key in expected}


def test_search_by_reference(rows, looking):
    reference = rows["east"].reference
    assert pks(looking(q=reference.lower())) == [rows["east"].pk]
    assert pks(looking(q=f"  {reference}  ")) == [rows["east"].pk]


SORTS = [
    ("submitted", ["north", "south", "east"]),
    ("-submitted", ["east", "south", "north"]),
    ("status_changed", ["north", "south", "east"]),
    ("-status_changed", ["east", "south", "north"]),
    ("firm", ["east", "north", "south"]),
    ("-firm", ["south", "north", "east"]),
]


@pytest.mark.parametrize(("sort", "expected"), SORTS)
def test_sorting(rows, looking, sort, expected):
    assert pks(looking(sort=sort)) == [rows[key].pk for key in expected]


def test_column_headers_link_to_the_other_direction(rows, looking):
    links = looking(sort="firm").context["sort_links"]
    assert links["firm"]["aria_sort"] == "ascending" and "sort=-firm" in links["firm"]["url"]
    assert links["submitted"]["aria_sort"] == "none"


def test_pagination_25_per_page_keeps_the_filters(looking):
    for i in range(30):
        row(f"Paged {i:02d} Ltd", days_ago=40 - i)
    first = looking(q="Paged")
    assert total(first) == 30 and len(pks(first)) == 25
    assert "q=Paged" in first.context["next_url"] and "page=2" in first.context["next_url"]
    second = looking(q="Paged", page=2)
    assert len(pks(second)) == 5
    assert set(pks(first)).isdisjoint(pks(second))
    assert pks(looking(q="Paged", page=99)) == pks(second)  # past the end: the last page
    assert pks(looking(q="Paged", page="x")) == pks(first)
    assert "Showing 1 to 25 of 30 cases" in first.content.decode()


def test_an_empty_queue_says_so(looking):
    assert "This queue is empty." in looking().content.decode()
    row("Someone Ltd")
    assert "No cases in this queue match these filters." in looking(q="zzz").content.decode()


# --- CSV export.


def test_csv_export_has_every_row_of_the_filtered_queue(rows, client, supervisor):
    for i in range(30):
        row(f"Paged {i:02d} Ltd")
    client.force_login(supervisor)
    response = client.get(CSV_URL, {"queue": "open", "q": "Paged", "sort": "firm"})
    assert response["Content-Type"].startswith("text/csv")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="queue-open-{local_today().isoformat()}.csv"'
    )
    table = csv_rows(response)
    assert table[0][:4] == ["Reference", "Firm", "Trading names", "LEI"]
    assert [line[1] for line in table[1:]] == [f"Paged {i:02d} Ltd" for i in range(30)]


def test_csv_export_row_content(rows, client, officer):
    client.force_login(officer)
    table = csv_rows(client.get(CSV_URL, {"queue": "open", "kind": "licence"}))
    assert len(table) == 2
    line = dict(zip(table[0], table[1], strict=True))
    app = rows["south"]
    assert line["Reference"] == app.reference
    assert line["Firm"] == "Southgate Custody Ltd"
    assert line["LEI"] == "5493001KJTIIGC8Y1R12"
    assert line["Kind"] == "Full licence"
    assert line["Status"] == "Under review"
    assert line["Case officer"] == str(app.assigned_officer)
    assert line["Days open"] == "2"
    assert line["Changed since I last looked"] == "no"


def test_csv_export_defuses_spreadsheet_formulas(client, supervisor):
    row('=HYPERLINK("http://evil.example","x")', firm__trading_names=["+1 Exchange", "@SUM(A1)"])
    row("-2 Markets Ltd")
    client.force_login(supervisor)
    table = csv_rows(client.get(CSV_URL, {"queue": "open", "sort": "firm"}))
    firms = [line[1] for line in table[1:]]
    assert firms == ["'-2 Markets Ltd", '\'=HYPERLINK("http://evil.example","x")']
    assert table[2][2] == "'+1 Exchange; @SUM(A1)"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_csv_cell(value, safe):
    assert csv_cell(value) == safe


# --- Assigning.


@pytest.fixture
def submitted(officer):
    return case(ApplicationStatus.SUBMITTED, "Assignable Ltd", officer=officer)


@pytest.fixture
def held(officer):
    """Under review, held by `officer`."""
    return case(ApplicationStatus.UNDER_REVIEW, "Held Ltd", officer=officer)


def post_assign(client, app, **data):
    return client.post(assign_url(app), {"action": "assign", **data})


def test_an_officer_takes_an_unassigned_case(client, officer, submitted):
    client.force_login(officer)
    next_url = f"{QUEUES_URL}?queue=unassigned"
    response = post_assign(client, submitted, officer=officer.pk, expected_officer="none", next=next_url)
    assert response.status_code == 302 and response["Location"] == next_url
    submitted.refresh_from_db()
    assert submitted.assigned_officer == officer
    change = AssignmentChange.objects.get(application=submitted)
    assert (change.from_officer, change.to_officer, change.changed_by) == (None, officer, officer)
    event = AuditEvent.objects.filter(action="application.assign").get()
    assert event.actor == officer and event.details["to_officer"] == officer.email
    assert verify_chain().ok


def test_an_approver_reassigns_with_a_reason(client, approver, officer, officer2, held):
    client.force_login(approver)
    response = post_assign(
        client, held, officer=officer2.pk, reason="Officer on leave", expected_officer=officer.pk
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.assigned_officer == officer2
    change = AssignmentChange.objects.get(application=held)
    assert (change.from_officer, change.to_officer, change.reason) == (officer, officer2, "Officer on leave")
    event = AuditEvent.objects.get(action="application.reassign")
    assert event.reason == "Officer on leave"
    assert event.details == {"from_officer": officer.email, "to_officer": officer2.email}


def test_an_approver_unassigns_with_a_reason(client, approver, officer, held):
    client.force_login(approver)
    response = client.post(assign_url(held), {"action": "unassign", "reason": "Back to the pool"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.assigned_officer is None
    assert held in queries.unassigned(approver)
    change = AssignmentChange.objects.get(application=held)
    assert (change.from_officer, change.to_officer) == (officer, None)
    assert AuditEvent.objects.get(action="application.unassign").reason == "Back to the pool"


def test_an_officer_hands_over_their_own_case_with_a_reason(officer, officer2, held):
    application_assign(
        actor=officer, application_id=held.pk, officer_id=officer2.pk, reason="Conflict of interest"
    )
    held.refresh_from_db()
    assert held.assigned_officer == officer2


def test_the_assign_page_shows_the_form_and_the_history(client, approver, officer, officer2, held):
    application_assign(actor=approver, application_id=held.pk, officer_id=officer2.pk, reason="Workload")
    client.force_login(approver)
    page = client.get(assign_url(held)).content.decode()
    assert 'name="reason"' in page and 'value="unassign"' in page
    assert "reassigned it from" in page and "Workload" in page


def test_the_assign_page_tells_a_supervisor_why_they_cannot(client, supervisor, held):
    client.force_login(supervisor)
    response = client.get(assign_url(held))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="reason"' not in page
    assert "can look at cases but not assign them" in page


def test_assigning_twice_to_the_same_officer_changes_nothing(officer, submitted):
    application_assign(actor=officer, application_id=submitted.pk, officer_id=officer.pk)
    application_assign(actor=officer, application_id=submitted.pk, officer_id=officer.pk)
    assert AssignmentChange.objects.filter(application=submitted).count() == 1


# The four refusals the issue names, through the page.


def test_refused_supervisor_gets_403(client, supervisor, officer, submitted):
    client.force_login(supervisor)
    assert post_assign(client, submitted, officer=officer.pk).status_code == 403
    assert client.post(assign_url(submitted), {"action": "unassign", "reason": "x"}).status_code == 403
    _assert_unchanged(submitted)


def test_refused_applicant_gets_403(client, officer, submitted):
    client.force_login(submitted.principal)
    assert post_assign(client, submitted, officer=officer.pk).status_code == 403
    _assert_unchanged(submitted)


def test_refused_target_is_not_a_case_officer(client, approver, aml_officer, submitted):
    client.force_login(approver)
    response = post_assign(client, submitted, officer=aml_officer.pk)
    assert response.status_code == 422
    assert "Cases can only be assigned to a case officer." in response.content.decode()
    _assert_unchanged(submitted)


def test_refused_reassigning_without_a_reason(client, approver, officer2, held):
    client.force_login(approver)
    response = post_assign(client, held, officer=officer2.pk, reason="   ")
    assert response.status_code == 422
    assert response.context["form"].errors["reason"] == ["Give a reason."]
    held.refresh_from_db()
    assert held.assigned_officer.email == "officer@regulator.example"
    assert not AssignmentChange.objects.exists()


def _assert_unchanged(app):
    app.refresh_from_db()
    assert app.assigned_officer is None
    assert not AssignmentChange.objects.filter(application=app).exists()
    assert not AuditEvent.objects.filter(
        action__startswith="application.", action__endswith="assign"
    ).exists()


# More refusals, at the service.


def test_an_officer_cannot_take_a_colleagues_case(officer2, held):
    with pytest.raises(NotPermitted, match="only an approver can reassign"):
        application_assign(actor=officer2, application_id=held.pk, officer_id=officer2.pk, reason="Mine now")


def test_an_officer_cannot_give_an_unassigned_case_to_someone_else(officer, officer2, submitted):
    with pytest.raises(NotPermitted, match="only for themselves"):
        application_assign(actor=officer, application_id=submitted.pk, officer_id=officer2.pk)


@pytest.mark.parametrize("who", ["supervisor", "aml_officer", "principal"])
def test_roles_that_do_not_assign_are_refused_by_the_service(request, who, officer, submitted):
    actor = submitted.principal if who == "principal" else request.getfixturevalue(who)
    with pytest.raises(NotPermitted):
        application_assign(actor=actor, application_id=submitted.pk, officer_id=officer.pk)


def test_unassigning_needs_a_reason(approver, held):
    with pytest.raises(RuleBroken) as refused:
        application_unassign(actor=approver, application_id=held.pk, reason="")
    assert refused.value.field_errors == {"reason": ["Give a reason."]}


def test_a_closed_case_cannot_be_assigned(approver, officer2):
    app = case(ApplicationStatus.APPROVED, "Closed Ltd", officer=officer2, approver=approver)
    with pytest.raises(TransitionNotPossible):
        application_assign(actor=approver, application_id=app.pk, officer_id=officer2.pk, reason="x")


def test_someone_else_took_the_case_meanwhile(client, officer, officer2, approver, submitted):
    application_assign(actor=officer2, application_id=submitted.pk, officer_id=officer2.pk)
    with pytest.raises(CaseChanged, match="now assigned to"):
        application_assign(
            actor=approver, application_id=submitted.pk, officer_id=officer.pk, expected_officer_id=None
        )
    client.force_login(approver)
    response = post_assign(client, submitted, officer=officer.pk, expected_officer="none")
    assert response.status_code == 409
    page = response.content.decode()
    assert "This case changed: it is now assigned to" in page
    assert f'name="expected_officer" value="{officer2.pk}"' in page  # resubmitting acts on what is there now
    submitted.refresh_from_db()
    assert submitted.assigned_officer == officer2


def test_take_button_on_the_unassigned_queue(client, officer, submitted):
    client.force_login(officer)
    page = client.get(QUEUES_URL, {"queue": "unassigned"}).content.decode()
    assert f'action="{assign_url(submitted)}"' in page and "Take" in page


def test_next_must_stay_in_the_staff_workspace(client, officer, submitted):
    client.force_login(officer)
    response = post_assign(client, submitted, officer=officer.pk, next="https://evil.example/staff/")
    assert response["Location"] == QUEUES_URL


# --- Query counts stay flat from 1 to 50 cases in every queue.


def add_cases(n, *, officer, approver, start=0):
    """n cases of three kinds, between them in every queue: assigned and waiting on the firm
    (answered earlier, overdue, viewed long ago); unassigned with a decision due; recommended.
    Numbered from `start`: legal names are unique among active firms."""
    long_ago = timezone.now() - datetime.timedelta(days=80)
    exchange = Activity.objects.get(code="exchange")
    for i in range(start, start + n):
        waiting = row(
            f"Waiting {i} Ltd",
            status=ApplicationStatus.INFORMATION_REQUESTED,
            assigned_officer=officer,
            firm_changed_at=timezone.now(),
            firm__trading_names=[f"W{i}"],
        )
        InformationRequest.objects.create(
            application=waiting,
            raised_by=officer,
            items=["More."],
            due_on=local_today() - datetime.timedelta(days=2),
            status=InformationRequestStatus.OPEN,
        )
        CaseView.objects.create(user=officer, application=waiting, last_viewed_at=long_ago)
        waiting.activities.add(exchange)
        row(f"Unassigned {i} Ltd", days_ago=80, firm_changed_at=timezone.now())
        recommended = row(
            f"Recommended {i} Ltd", status=ApplicationStatus.AWAITING_DECISION, assigned_officer=officer
        )
        Recommendation.objects.create(
            application=recommended, officer=officer, outcome="grant", reasons="Fine."
        )


QUERY_BOUND = 14
PAGES = [
    ("officer", "mine"),
    ("officer", "unassigned"),
    ("officer", "waiting"),
    ("officer", "changed"),
    ("officer", "deadlines"),
    ("officer", "open"),
    ("officer", "all"),
    ("approver", "decision"),
]


@pytest.mark.parametrize(("who", "slug"), PAGES, ids=[slug for _w, slug in PAGES])
def test_queue_page_queries_do_not_grow_from_1_to_50_cases(
    request, client, officer, approver, who, slug, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    params = {"queue": slug, "activity": "", "q": "Ltd"}
    measured = []
    for start, n in ((0, 1), (1, 49)):
        add_cases(n, officer=officer, approver=approver, start=start)
        client.get(QUEUES_URL, params)  # warm the session
        with django_assert_max_num_queries(QUERY_BOUND) as captured:
            response = client.get(QUEUES_URL, params)
        assert response.status_code == 200
        assert response.context["rows"]
        measured.append(len(captured))
    assert measured[0] == measured[1], measured
    assert total(response) >= 50


@pytest.mark.parametrize("slug", ["mine", "unassigned", "all"])
def test_csv_queries_do_not_grow_from_1_to_50_cases(
    client, officer, approver, slug, django_assert_max_num_queries
):
    client.force_login(officer)
    measured = []
    for start, n in ((0, 1), (1, 49)):
        add_cases(n, officer=officer, approver=approver, start=start)
        with django_assert_max_num_queries(QUERY_BOUND) as captured:
            table = csv_rows(client.get(CSV_URL, {"queue": slug}))
        measured.append(len(captured))
    assert measured[0] == measured[1], measured
    assert len(table) > 50


def test_assign_page_queries_do_not_grow_with_history(
    client, approver, officer, officer2, held, django_assert_max_num_queries
):
    client.force_login(approver)
    client.get(assign_url(held))
    with CaptureQueriesContext(connection) as one:
        assert client.get(assign_url(held)).status_code == 200
    for i in range(10):
        application_assign(
            actor=approver,
            application_id=held.pk,
            officer_id=(officer2 if i % 2 == 0 else officer).pk,
            reason=f"Swap {i}",
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(assign_url(held)).status_code == 200
