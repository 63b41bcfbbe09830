"""Deadline pages and calendar feeds read a fixed number of queries however many deadlines they
list, for every kind of subject a deadline can have (an application, an information request, a
NOC, a licence, an AML registration, an agreement): a row's label reads its application's or
agreement's firm, which must come with the row, not one query per row."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from licensing.models import Agreement, Application, ApplicationKind, InformationRequest
from portal.businessdays import calendar
from portal.dates import local_today
from portal.deadlines import services as deadlines
from portal.deadlines.models import Deadline, DeadlineKind
from portal.deadlines.web import feed_token
from tests.factories import FirmFactory

pytestmark = pytest.mark.django_db
TODAY = local_today()

# Subject kind -> the deadline kind that has such a subject.
SUBJECTS = {
    "application": DeadlineKind.DECIDE_NOC_APPLICATION,
    "licence application": DeadlineKind.DECIDE_LICENCE_APPLICATION,
    "information request": DeadlineKind.ANSWER_INFORMATION_REQUEST,
    "NOC": DeadlineKind.NOC_VALIDITY,
    "licence": DeadlineKind.LICENCE_RENEWAL,
    "AML registration": DeadlineKind.REGISTER_AML,
    "agreement": DeadlineKind.DEFINITIVE_AGREEMENT,
}
FIRM_SUBJECTS = [name for name in SUBJECTS if name != "agreement"]  # a firm never sees an MoU window


def make_deadline(subject: str, *, firm, officer, n: int) -> Deadline:
    """One live deadline about `subject`, shaped as the services shape it (firm always set)."""
    kind = SUBJECTS[subject]
    due_on = TODAY + datetime.timedelta(days=n + 1)
    fields = {"firm": firm}
    if subject in ("application", "licence application", "information request"):
        app_kind = ApplicationKind.LICENCE if subject == "licence application" else ApplicationKind.NOC
        fields["application"] = Application.objects.create(kind=app_kind, firm=firm)
    if subject == "information request":
        fields["information_request"] = InformationRequest.objects.create(
            application=fields["application"], raised_by=officer, items=["Audited accounts"], due_on=due_on
        )
    if subject == "agreement":
        fields["agreement"] = Agreement.objects.create(
            title=f"MoU {n}",
            counterparty_firm=firm,
            signed_on=TODAY,
            definitive_due_on=due_on,
            owner=officer,
        )
    return Deadline.objects.create(
        kind=kind,
        rule=deadlines.rule_for(kind),
        responsible=officer,
        started_at=timezone.now(),
        due_on=due_on,
        due_at=calendar.end_of(due_on),
        original_due_on=due_on,
        **fields,
    )


def queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content.decode()


def grow(subject, *, officer, firm=None, to: int) -> None:
    while Deadline.objects.filter(kind=SUBJECTS[subject]).count() < to:
        n = Deadline.objects.count()
        make_deadline(subject, firm=firm or FirmFactory(), officer=officer, n=n)


@pytest.mark.parametrize("subject", list(SUBJECTS))
def test_staff_deadline_list_reads_as_many_queries_for_50_deadlines_as_for_1(client, officer, subject):
    client.force_login(officer)
    grow(subject, officer=officer, to=1)
    one, _page = queries(client, reverse("staff_deadlines"))
    grow(subject, officer=officer, to=50)
    fifty, page = queries(client, reverse("staff_deadlines"))
    assert page.count('class="deadline-row') == 50
    assert fifty == one, f"{subject}: {one} queries for 1 deadline, {fifty} for 50"


@pytest.mark.parametrize("subject", FIRM_SUBJECTS)
def test_firm_deadline_page_reads_as_many_queries_for_50_deadlines_as_for_1(
    client, principal, firm, officer, subject
):
    client.force_login(principal)
    grow(subject, officer=officer, firm=firm, to=1)
    one, _page = queries(client, reverse("firm_deadlines"))
    grow(subject, officer=officer, firm=firm, to=50)
    fifty, page = queries(client, reverse("firm_deadlines"))
    assert str(firm) in page
    assert fifty == one, f"{subject}: {one} queries for 1 deadline, {fifty} for 50"


FEEDS = [
    *((who, subject) for who in ("officer", "approver") for subject in SUBJECTS),
    *(("principal", subject) for subject in FIRM_SUBJECTS),
]


@pytest.mark.parametrize(("who", "subject"), FEEDS)
def test_calendar_feeds_read_as_many_queries_for_50_deadlines_as_for_1(
    client, officer, approver, principal, firm, subject, who
):
    user = {"officer": officer, "approver": approver, "principal": principal}[who]
    url = reverse("deadlines_ics", args=[feed_token(user)])
    same_firm = firm if who == "principal" else None
    grow(subject, officer=officer, firm=same_firm, to=1)
    one, _body = queries(client, url)
    grow(subject, officer=officer, firm=same_firm, to=50)
    fifty, body = queries(client, url)
    assert body.count("BEGIN:VEVENT") == 50
    assert fifty == one, f"{subject} ({who}): {one} queries for 1 deadline, {fifty} for 50"
