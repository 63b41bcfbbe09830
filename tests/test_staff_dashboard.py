"""The staff dashboard (figures, charts with tables beside them) and the register of decisions
as CSV: numbers on a known dataset, percentiles, the empty database, accessibility of the
charts, CSV escaping, access, and query counts that do not grow with the number of cases."""

import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    Firm,
    FirmRole,
    InformationRequest,
    InformationRequestStatus,
    Recommendation,
)
from licensing.models.applications import DecisionOutcome
from licensing.staff import stats as figures
from licensing.staff.charts import WIDTH, Series, bar_chart
from licensing.staff.models import DecisionReversal
from licensing.staff.views.dashboard import csv_safe
from portal.accounts.roles import StaffRole
from portal.dates import local_today
from tests.conftest import give_mfa
from tests.factories import FirmFactory, MembershipFactory, UserFactory
from tests.states import application_in

pytestmark = pytest.mark.django_db

DASHBOARD = "staff_dashboard"
DECISIONS_CSV = "staff_decisions_csv"


@pytest.fixture(autouse=True)
def _live_figures(settings, tmp_path):
    """Figures straight from the database (the minute cache is tested on its own)."""
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 0
    settings.MEDIA_ROOT = tmp_path / "media"


def days_ago(n: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


def make_case(status, *, officer, approver, legal_name=None):
    """A NOC application of a firm of its own (one firm cannot hold two NOCs)."""
    firm = FirmFactory(**({"legal_name": legal_name} if legal_name else {}))
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    return application_in(status, firm=firm, submitter=principal, officer=officer, approver=approver)


def decided(status, days, *, officer, approver, legal_name=None):
    """A decided application that took `days` days from submission to decision."""
    app = make_case(status, officer=officer, approver=approver, legal_name=legal_name)
    submitted = days_ago(days + 5)
    Application.objects.filter(pk=app.pk).update(
        submitted_at=submitted, decided_at=submitted + datetime.timedelta(days=days)
    )
    return app


def page(client, user, name=DASHBOARD):
    client.force_login(user)
    return client.get(reverse(name))


def text_of(response) -> str:
    return response.content.decode()


# --- Figures on a known dataset.


@pytest.fixture
def known(officer, officer2, approver):
    """3 approved (10, 20 and 70 days) and 1 refused (40 days), all NOC; one case under review
    for 70 days (past the 60-day deadline); one with an information request 3 days overdue."""
    for days in (10, 20, 70):
        decided(ApplicationStatus.APPROVED, days, officer=officer, approver=approver)
    decided(ApplicationStatus.REFUSED, 40, officer=officer, approver=approver)
    late = make_case(
        ApplicationStatus.UNDER_REVIEW, officer=officer, approver=approver, legal_name="Late Ltd"
    )
    Application.objects.filter(pk=late.pk).update(submitted_at=days_ago(70))
    asked = make_case(ApplicationStatus.INFORMATION_REQUESTED, officer=officer, approver=approver)
    InformationRequest.objects.filter(application=asked, status=InformationRequestStatus.OPEN).update(
        due_on=local_today() - datetime.timedelta(days=3)
    )
    return {"late": late, "asked": asked}


def test_figures_on_a_known_dataset(known, officer, officer2):
    stats = figures.compute_dashboard_stats()

    assert stats.pipeline == {
        ("approved", "noc"): 3,
        ("refused", "noc"): 1,
        ("under_review", "noc"): 1,
        ("information_requested", "noc"): 1,
    }
    assert stats.open_applications == 2
    assert stats.decisions_total(DecisionOutcome.GRANT) == 3
    assert stats.decisions_total(DecisionOutcome.REFUSE) == 1

    noc = stats.timing["noc"]
    assert noc.decided == 4
    assert noc.median_days == pytest.approx(30)  # even count: between 20 and 40
    assert noc.p90_days == pytest.approx(61)  # 40 + 0.7 × (70 - 40)
    assert noc.within_deadline == 3  # 70 days is past the 60-day NOC deadline
    assert noc.share_within == pytest.approx(0.75)
    assert stats.timing["all"].median_days == pytest.approx(30)
    licence = stats.timing["licence"]
    assert (licence.decided, licence.median_days, licence.share_within) == (0, None, None)

    assert stats.overdue_requests == 1
    assert stats.overdue_request_items[0].application_id == known["asked"].pk
    assert stats.overdue_request_items[0].days_overdue == 3
    assert stats.overdue_applications == {"noc": 1, "licence": 0}
    item = stats.overdue_application_items[0]
    assert (item.application_id, item.firm, item.days_open, item.days_over) == (
        known["late"].pk,
        "Late Ltd",
        70,
        10,
    )

    loads = {load.name: load for load in stats.workload}
    assert loads[officer.full_name].open == 2
    assert loads[officer.full_name].information_requested == 1
    assert loads[officer.full_name].past_deadline == 1
    assert loads[officer2.full_name].open == 0  # listed although idle
    assert [load.name for load in stats.workload][0] == officer.full_name


def test_percentiles_with_an_odd_number_of_decisions(officer, approver):
    for days in (10, 20, 40):
        decided(ApplicationStatus.APPROVED, days, officer=officer, approver=approver)
    timing = figures.compute_dashboard_stats().timing["noc"]
    assert timing.median_days == pytest.approx(20)
    assert timing.p90_days == pytest.approx(36)  # 20 + 0.8 × (40 - 20)


def test_one_decision_is_its_own_median_and_90th_percentile(officer, approver):
    decided(ApplicationStatus.APPROVED, 12.5, officer=officer, approver=approver)
    timing = figures.compute_dashboard_stats().timing["all"]
    assert timing.median_days == pytest.approx(12.5)
    assert timing.p90_days == pytest.approx(12.5)


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.9, 7.0),
        ([1.0, 2.0, 3.0], 0.5, 2.0),
        ([1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
        ([10.0, 20.0, 40.0, 70.0], 0.9, 61.0),
        ([0.0, 10.0], 0.9, 9.0),
    ],
)
def test_python_percentile_matches_postgresql_percentile_cont(values, fraction, expected):
    assert figures.percentile_cont(values, fraction) == pytest.approx(expected)


def test_licence_deadline_is_90_days_and_configurable(settings, officer, approver):
    app = decided(ApplicationStatus.APPROVED, 70, officer=officer, approver=approver)
    Application.objects.filter(pk=app.pk).update(kind=ApplicationKind.LICENCE)
    assert figures.compute_dashboard_stats().timing["licence"].within_deadline == 1
    settings.PORTAL_LICENCE_DECISION_DAYS = 60
    stats = figures.compute_dashboard_stats()
    assert stats.timing["licence"].within_deadline == 0
    assert stats.deadline_days["licence"] == 60


def test_decisions_of_earlier_months_are_not_counted_this_month(officer, approver):
    first = decided(ApplicationStatus.APPROVED, 10, officer=officer, approver=approver)
    decided(ApplicationStatus.APPROVED, 10, officer=officer, approver=approver)
    Decision.objects.filter(application=first).update(created_at=days_ago(40))
    stats = figures.compute_dashboard_stats()
    assert stats.decisions_total(DecisionOutcome.GRANT) == 1
    assert stats.decisions_this_month == {("grant", "noc"): 1}


def test_the_dashboard_shows_the_figures_in_tables(client, known, supervisor):
    response = page(client, supervisor)
    assert response.status_code == 200
    html = text_of(response)
    timing = re.search(r'<table class="numbers" id="table-timing">.*?</table>', html, re.S).group(0)
    noc_row = re.search(
        r'<th scope="row">NOC<span class="hint">deadline 60 days</span></th>(.*?)</tr>', timing, re.S
    )
    cells = re.findall(r'<td class="num">(.*?)</td>', noc_row.group(1), re.S)
    assert [re.sub(r"\s+", " ", re.sub(r"<.*?>", " ", c)).strip() for c in cells] == [
        "4",
        "30.0",
        "61.0",
        "75.0% 3 of 4",
    ]
    pipeline = re.search(r'id="table-pipeline">.*?</table>', html, re.S).group(0)
    assert re.search(
        r"Approved</th><td class=\"num\">3</td><td class=\"num\">0</td><td class=\"num\">3</td>", pipeline
    )
    assert "Late Ltd" in html  # the overdue application is listed, with a link to its case page
    assert f'href="{reverse("staff_case", args=[known["late"].pk])}"' in html
    assert f'href="{reverse("staff_case", args=[known["asked"].pk])}"' in html


# --- Empty database.


def test_an_empty_database_shows_zeros_without_error(client, supervisor):
    stats = figures.compute_dashboard_stats()
    assert stats.open_applications == 0
    assert stats.timing["all"].decided == 0
    assert stats.timing["all"].share_within is None
    assert stats.overdue_requests == 0
    response = page(client, supervisor)
    assert response.status_code == 200
    html = text_of(response)
    assert 'dashboard-headline__number">0</span>' in html
    assert "No case officers and no open cases yet." in html
    assert html.count('role="img"') == 5  # every chart but workload is still drawn


# --- Charts: accessible, escaped, with the numbers.


def test_the_chart_is_an_image_with_a_name_a_description_and_the_numbers():
    svg = bar_chart(
        chart_id="c1",
        title="Cases",
        description="Cases by status.",
        categories=["Open", "Closed"],
        series=[Series("NOC", [3, 0]), Series("Licence", [12, None], "info")],
    )
    assert svg.startswith("<svg ")
    assert 'role="img"' in svg
    assert 'aria-labelledby="c1-title"' in svg and 'aria-describedby="c1-desc"' in svg
    assert '<title id="c1-title">Cases</title>' in svg
    assert '<desc id="c1-desc">Cases by status.</desc>' in svg
    values = re.findall(r"<text [^>]*>([^<]*)</text>", svg)
    assert {"3", "0", "12", "–", "NOC", "Licence"} <= set(values)
    assert ">Open</text>" in svg and ">Closed</text>" in svg
    assert "#00573d" in svg and "#1d70b8" in svg  # brand and info colours
    assert "<script" not in svg


def test_chart_labels_are_escaped():
    svg = bar_chart(
        chart_id="x",
        title='<script>alert("t")</script>',
        description="a & b",
        categories=['<img src=x onerror="alert(1)">'],
        series=[Series("<b>", [1])],
    )
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "a &amp; b" in svg and "&lt;img src=x" in svg


def test_chart_is_mirrored_for_right_to_left():
    kwargs = {
        "chart_id": "m",
        "title": "t",
        "description": "d",
        "categories": ["A"],
        "series": [Series("s", [5])],
    }
    ltr = bar_chart(**kwargs)
    rtl = bar_chart(**kwargs, rtl=True)
    bar = r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"'
    ltr_x, width = map(float, re.search(bar, ltr).groups())
    rtl_x, _ = map(float, re.search(bar, rtl).groups())
    assert rtl_x == pytest.approx(WIDTH - ltr_x - width)
    assert 'text-anchor="end">5<' in rtl


def test_a_series_needs_one_value_per_category():
    with pytest.raises(ValueError, match="one value per category"):
        bar_chart(chart_id="e", title="t", description="d", categories=["A", "B"], series=[Series("s", [1])])


def test_every_chart_on_the_page_has_a_table_beside_it(client, known, supervisor):
    html = text_of(page(client, supervisor))
    pairs = html.split('<div class="dashboard-pair">')[1:]
    assert len(pairs) == 5
    for pair in pairs:
        block = pair.split("</section>")[0]
        assert 'role="img"' in block
        assert "<table" in block and "<caption>" in block
    for chart_id in ("pipeline", "decisions", "days", "within", "overdue", "workload"):
        assert f'<title id="chart-{chart_id}-title">' in html
    # The pipeline chart carries the numbers too.
    chart = re.search(r"<svg .*?aria-labelledby=\"chart-pipeline-title\".*?</svg>", html, re.S).group(0)
    assert re.search(r">3</text>", chart)


def test_the_dashboard_is_mirrored_in_urdu(client, known, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse(DASHBOARD), HTTP_ACCEPT_LANGUAGE="ur")
    assert response.status_code == 200
    assert 'dir="rtl"' in text_of(response)


# --- The register of decisions as CSV.


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_register_of_decisions_lists_every_decision(client, officer, approver, supervisor):
    granted = decided(
        ApplicationStatus.APPROVED, 10, officer=officer, approver=approver, legal_name="Alpha Ltd"
    )
    refused = decided(
        ApplicationStatus.REFUSED, 20, officer=officer, approver=approver, legal_name="Beta Ltd"
    )
    Decision.objects.filter(application=refused).update(created_at=days_ago(1))
    Decision.objects.filter(application=granted).update(created_at=days_ago(2))
    DecisionReversal.objects.create(
        decision=Decision.objects.get(application=refused), reversed_by=approver, reason="Appeal upheld"
    )

    response = page(client, supervisor, DECISIONS_CSV)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="decisions-')
    rows = read_csv(response)
    assert rows[0] == [
        "Decision date",
        "Application reference",
        "Firm",
        "Firm reference",
        "Kind",
        "Outcome",
        "Approver",
        "Recommended by",
        "Reversed on",
    ]
    granted.refresh_from_db()
    firm = Firm.objects.get(pk=granted.firm_id)
    assert rows[1] == [
        timezone.localtime(days_ago(2)).date().isoformat(),
        granted.reference,
        "Alpha Ltd",
        firm.reference_number,
        "NOC",
        "Granted",
        approver.full_name,
        officer.full_name,
        "",
    ]
    assert rows[2][2] == "Beta Ltd"
    assert rows[2][5] == "Refused"
    assert rows[2][8] == local_today().isoformat()
    assert len(rows) == 3


def test_register_cells_cannot_run_as_spreadsheet_formulas(client, officer, approver, supervisor):
    decided(
        ApplicationStatus.APPROVED, 10, officer=officer, approver=approver, legal_name='=HYPERLINK("x","y")'
    )
    rows = read_csv(page(client, supervisor, DECISIONS_CSV))
    assert rows[1][2] == '\'=HYPERLINK("x","y")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+92 300", "'+92 300"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Alpha = Beta", "Alpha = Beta"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected


# --- Access.


@pytest.mark.parametrize("name", [DASHBOARD, DECISIONS_CSV])
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", [DASHBOARD, DECISIONS_CSV])
def test_applicant_users_are_refused(client, principal, name):
    assert page(client, principal, name).status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "officer", "approver", "aml_officer"])
@pytest.mark.parametrize("name", [DASHBOARD, DECISIONS_CSV])
def test_every_member_of_staff_may_look(client, request, role, name):
    assert page(client, request.getfixturevalue(role), name).status_code == 200


def test_the_dashboard_is_read_only(client, supervisor):
    client.force_login(supervisor)
    assert client.post(reverse(DASHBOARD)).status_code == 405
    assert client.post(reverse(DECISIONS_CSV)).status_code == 405


# --- The minute cache.


def test_figures_are_shared_for_the_cache_period(
    client, settings, supervisor, officer, approver, django_assert_max_num_queries
):
    from django.core.cache import cache

    cache.clear()
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 60
    now = timezone.now()
    first = figures.dashboard_stats(now)
    decided(ApplicationStatus.APPROVED, 10, officer=officer, approver=approver)
    with django_assert_max_num_queries(0):
        again = figures.dashboard_stats(now)
    assert again.pipeline == first.pipeline == {}
    later = figures.dashboard_stats(now + datetime.timedelta(seconds=61))
    assert later.pipeline == {("approved", "noc"): 1}
    cache.clear()


def test_a_periodic_refresh_stores_the_figures_for_the_period(
    settings, officer, approver, django_assert_max_num_queries
):
    from django.core.cache import cache

    cache.clear()
    settings.PORTAL_DASHBOARD_CACHE_SECONDS = 60
    now = timezone.now()
    assert figures.dashboard_stats(now).pipeline == {}
    decided(ApplicationStatus.APPROVED, 10, officer=officer, approver=approver)
    figures.refresh_dashboard_stats(now)
    with django_assert_max_num_queries(0):
        assert figures.dashboard_stats(now).pipeline == {("approved", "noc"): 1}
    cache.clear()


# --- Query counts do not grow with the number of cases.


def bulk_cases(n: int, approver, start: int = 0):
    """`n` cases straight into the tables (fast), every status, each with its own case officer
    and firm; decided ones with a recommendation, a decision and sometimes a reversal; those
    awaiting an answer with an overdue information request."""
    officer_group = Group.objects.get(name=StaffRole.CASE_OFFICER.value)
    statuses = list(ApplicationStatus.values)
    for i in range(start, start + n):
        officer = give_mfa(UserFactory(email=f"bulk-officer{i}@regulator.example", full_name=f"Officer {i}"))
        officer.groups.add(officer_group)
        firm = FirmFactory()
        status = statuses[i % len(statuses)]
        submitted = None if status == ApplicationStatus.DRAFT else days_ago(30 + 3 * i)
        app = Application.objects.create(
            kind=ApplicationKind.NOC if i % 3 else ApplicationKind.LICENCE,
            firm=firm,
            reference=f"APP-BULK-{i:05d}",
            status=status,
            submitted_at=submitted,
            decided_at=days_ago(i % 20) if status in ("approved", "refused") else None,
            assigned_officer=None if status in ("draft", "submitted") else officer,
        )
        if status in ("approved", "refused"):
            rec = Recommendation.objects.create(
                application=app,
                officer=officer,
                outcome="grant" if status == "approved" else "refuse",
                reasons="r",
            )
            decision = Decision.objects.create(
                application=app,
                recommendation=rec,
                recommended_by=officer,
                approver=approver,
                outcome="grant" if status == "approved" else "refuse",
                reasons="d",
            )
            if i % 4 == 0:
                DecisionReversal.objects.create(decision=decision, reversed_by=approver, reason="x")
        if status == "information_requested":
            InformationRequest.objects.create(
                application=app,
                raised_by=officer,
                items=["x"],
                due_on=local_today() - datetime.timedelta(days=i),
            )


# The same bound for 1 and for 50 cases: session, user, second factor, groups, ~10 figures.
DASHBOARD_MAX_QUERIES = 18  # incl. the staff nav (screening alerts?) and the unread notifications count
CSV_MAX_QUERIES = 8


@pytest.mark.parametrize("cases", [1, 50])
def test_dashboard_query_count_does_not_grow_with_cases(
    client, supervisor, approver, cases, django_assert_max_num_queries
):
    bulk_cases(cases, approver)
    client.force_login(supervisor)
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        response = client.get(reverse(DASHBOARD))
    assert response.status_code == 200
    if cases == 50:
        assert "Officer 49" in text_of(response)


def test_dashboard_runs_the_same_queries_for_1_and_for_50_cases(client, supervisor, approver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(supervisor)
    bulk_cases(1, approver)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(DASHBOARD))
    bulk_cases(49, approver, start=1)
    with CaptureQueriesContext(connection) as fifty:
        client.get(reverse(DASHBOARD))
    assert Application.objects.count() == 50
    assert len(fifty) == len(one)


@pytest.mark.parametrize("cases", [1, 50])
def test_register_query_count_does_not_grow_with_cases(
    client, supervisor, approver, cases, django_assert_max_num_queries
):
    bulk_cases(cases, approver)
    client.force_login(supervisor)
    with django_assert_max_num_queries(CSV_MAX_QUERIES):
        response = client.get(reverse(DECISIONS_CSV))
        rows = read_csv(response)
    assert len(rows) == 1 + Decision.objects.count()


def test_the_dashboard_says_what_the_case_page_and_the_deadline_engine_do_with_an_information_request(
    client, officer, approver
):
    """The decision clock stops while an information request is open: the deadline engine
    pauses it, the case page says so, and the dashboard says it too (it once said the clock
    was "not yet stopped")."""
    from portal.deadlines import services as deadlines
    from portal.deadlines.models import Deadline, DeadlineStatus

    app = make_case(ApplicationStatus.INFORMATION_REQUESTED, officer=officer, approver=approver)
    clock = Deadline.objects.get(application=app, kind=deadlines.decision_kind(app))
    assert clock.status == DeadlineStatus.PAUSED

    client.force_login(officer)
    case = client.get(reverse("staff_case", args=[app.pk])).content.decode()
    assert "The decision clock is stopped." in case
    dashboard = page(client, officer).content.decode()
    assert "The statutory decision clock stops while an information request is open" in dashboard
    assert "not yet stopped" not in dashboard
