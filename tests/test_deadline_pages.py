"""Deadline pages: the staff list and its filters, the firm's own deadlines, and the personal
iCalendar feed (format, scoping and tokens)."""

import datetime

import pytest
from django.urls import reverse

from licensing.models import ApplicationStatus
from portal.dates import local_today
from portal.deadlines import services as deadlines
from portal.deadlines.models import Deadline, DeadlineKind, DeadlineStatus
from portal.deadlines.web import feed_token, ical_escape, ical_fold
from tests.factories import FirmFactory
from tests.states import application_in

pytestmark = pytest.mark.django_db
TODAY = local_today()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def open_deadline(kind, *, due_on, responsible=None, **subject):
    return deadlines.open_for(kind, responsible=responsible, due_on=due_on, **subject)


@pytest.fixture
def case(firm, principal, officer, approver):
    return application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )


# --- The staff list.


def test_staff_list_shows_live_deadlines_with_links_to_their_subjects(client, officer, case, firm):
    renewal = open_deadline(DeadlineKind.LICENCE_RENEWAL, firm=firm, due_on=days(20))
    client.force_login(officer)
    page = client.get(reverse("staff_deadlines")).content.decode()
    assert reverse("staff_case", args=[case.pk]) in page
    assert reverse("staff_firm", args=[firm.pk]) in page
    assert renewal.get_kind_display() in page
    assert "20 days left" in page


def test_staff_list_filters_by_kind_owner_days_and_status(client, officer, officer2, firm, other_firm):
    mine = open_deadline(DeadlineKind.REGISTER_AML, firm=firm, due_on=days(5), responsible=officer)
    theirs = open_deadline(
        DeadlineKind.LICENCE_RENEWAL, firm=other_firm, due_on=days(25), responsible=officer2
    )
    late = open_deadline(DeadlineKind.NOC_VALIDITY, firm=firm, due_on=days(-3))
    done = open_deadline(DeadlineKind.NOC_VALIDITY, firm=other_firm, due_on=days(40))
    deadlines.close(DeadlineKind.NOC_VALIDITY, outcome=DeadlineStatus.MET, firm=other_firm)
    client.force_login(officer)

    def shown(**params):
        rows = client.get(reverse("staff_deadlines"), params).context["rows"]
        return {row["deadline"].pk for row in rows}

    assert shown() == {mine.pk, theirs.pk, late.pk}
    assert shown(kind=DeadlineKind.LICENCE_RENEWAL) == {theirs.pk}
    assert shown(owner="me") == {mine.pk}
    assert shown(owner=str(officer2.pk)) == {theirs.pk}
    assert shown(owner="none") == {late.pk}
    assert shown(days="7") == {mine.pk, late.pk}
    assert shown(days="30") == {mine.pk, theirs.pk, late.pk}
    assert shown(days="overdue") == {late.pk}
    assert shown(status="met") == {done.pk}
    assert shown(status="all") == {mine.pk, theirs.pk, late.pk, done.pk}
    page = client.get(reverse("staff_deadlines"), {"days": "overdue"}).content.decode()
    assert "Overdue by 3 days" in page and "deadline-row--overdue" in page


@pytest.mark.parametrize("rows", [1, 50])
def test_staff_list_query_count_is_flat(client, officer, django_assert_max_num_queries, rows):
    for n in range(rows):
        open_deadline(DeadlineKind.LICENCE_RENEWAL, firm=FirmFactory(), due_on=days(n), responsible=officer)
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("staff_deadlines"))
    assert len(response.context["rows"]) == rows


# --- The firm's deadlines.


def test_firm_sees_its_own_deadlines_and_the_decision_date_as_a_promise(
    client, principal, case, firm, other_firm
):
    open_deadline(DeadlineKind.REGISTER_AML, firm=firm, due_on=days(10))
    open_deadline(DeadlineKind.LICENCE_RENEWAL, firm=other_firm, due_on=days(10))
    client.force_login(principal)
    response = client.get(reverse("firm_deadlines"))
    assert response.status_code == 200
    page = response.content.decode()
    kinds = {row["deadline"].kind for row in response.context["to_do"]}
    assert kinds == {DeadlineKind.REGISTER_AML}  # nothing of other firms, nothing staff-internal
    assert "We aim to decide by" in page
    assert not any(
        row["deadline"].kind == DeadlineKind.ACKNOWLEDGE_SUBMISSION for row in response.context["decisions"]
    )


def test_firm_never_sees_an_agreement_window_even_as_the_counterparty(client, principal, firm, approver):
    from tests.test_agreement_pages import record

    record(approver, counterparty_firm_id=firm.pk, counterparty_name="")
    client.force_login(principal)
    response = client.get(reverse("firm_deadlines"))
    assert not response.context["to_do"] and not response.context["decisions"]


@pytest.mark.parametrize("rows", [1, 50])
def test_firm_list_query_count_is_flat(client, principal, firm, django_assert_max_num_queries, rows):
    for n in range(rows):
        Deadline.objects.create(
            kind=DeadlineKind.REGISTER_AML,
            rule=deadlines.rule_for(DeadlineKind.REGISTER_AML),
            firm=firm,
            started_at=deadlines.timezone.now(),
            due_on=days(n),
            due_at=deadlines.calendar.end_of(days(n)),
            original_due_on=days(n),
        )
    client.force_login(principal)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("firm_deadlines"))
    assert len(response.context["to_do"]) == rows


def test_access_to_the_deadline_pages(client, principal, supervisor, officer, approver):
    staff_url, firm_url = reverse("staff_deadlines"), reverse("firm_deadlines")
    assert client.get(staff_url).status_code == 302
    assert client.get(firm_url).status_code == 302
    client.force_login(principal)
    assert client.get(staff_url).status_code == 403
    assert client.get(firm_url).status_code == 200
    for person in (supervisor, officer, approver):
        client.force_login(person)
        assert client.get(staff_url).status_code == 200
        assert client.get(firm_url).status_code == 404  # staff act for no firm


# --- The calendar feed.


def ics_lines(response):
    body = response.content.decode()
    assert body.endswith("\r\n")
    raw = body.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in raw)
    assert all(len(line.encode()) <= 75 for line in raw)
    unfolded = []
    for line in raw:
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    return unfolded


def events(lines):
    found, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            key, _sep, value = line.partition(":")
            current[key] = value
    return found


def test_the_calendar_page_shows_the_feed_url(client, principal):
    client.force_login(principal)
    page = client.get(reverse("deadlines_calendar")).content.decode()
    assert reverse("deadlines_ics", args=[feed_token(principal)]) in page


def test_a_firm_users_feed_lists_their_firms_deadlines_as_all_day_events(client, principal, firm, other_firm):
    aml = open_deadline(DeadlineKind.REGISTER_AML, firm=firm, due_on=days(10))
    open_deadline(DeadlineKind.REGISTER_AML, firm=other_firm, due_on=days(10))
    url = reverse("deadlines_ics", args=[feed_token(principal)])
    response = client.get(url)  # no session needed
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    lines = ics_lines(response)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    found = events(lines)
    assert len(found) == 1
    event = found[0]
    assert event["DTSTART;VALUE=DATE"] == days(10).strftime("%Y%m%d")
    assert event["DTEND;VALUE=DATE"] == days(11).strftime("%Y%m%d")
    assert event["UID"].startswith(f"deadline-{aml.pk}@")
    assert "/deadlines/" in event["DESCRIPTION"]
    # The UID is stable: the same on the next fetch and after the due date moves.
    deadlines.reschedule(DeadlineKind.REGISTER_AML, firm=firm, due_on=days(12))
    assert events(ics_lines(client.get(url)))[0]["UID"] == event["UID"]


def test_staff_feeds_list_what_they_answer_for_and_approvers_see_all(
    client, officer, officer2, approver, firm
):
    open_deadline(DeadlineKind.REGISTER_AML, firm=firm, due_on=days(3), responsible=officer)
    open_deadline(DeadlineKind.LICENCE_RENEWAL, firm=firm, due_on=days(3), responsible=officer2)
    assert len(events(ics_lines(client.get(reverse("deadlines_ics", args=[feed_token(officer)]))))) == 1
    assert len(events(ics_lines(client.get(reverse("deadlines_ics", args=[feed_token(approver)]))))) == 2


def test_a_tampered_or_foreign_token_gets_nothing(client, principal, outsider):
    token = feed_token(principal)
    user_id, key = token.split("-", 1)
    for bad in (
        f"{outsider.pk}-{key}",  # another user's id with this key
        f"{user_id}-{key[:-1]}0" if not key.endswith("0") else f"{user_id}-{key[:-1]}1",
        f"{user_id}-",
        "nonsense",
    ):
        assert client.get(reverse("deadlines_ics", args=[bad])).status_code == 404, bad


def test_changing_the_password_revokes_the_old_feed(client, principal):
    url = reverse("deadlines_ics", args=[feed_token(principal)])
    principal.set_password("a-new-long-password-123")
    principal.save()
    assert client.get(url).status_code == 404


def test_ical_text_is_escaped_and_long_lines_are_folded_at_75_octets():
    assert ical_escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "ش" * 60  # two octets each: folding must not split a character
    folded = ical_fold(line).split("\r\n")
    assert all(len(part.encode()) <= 75 for part in folded)
    assert "".join([folded[0], *(part[1:] for part in folded[1:])]) == line
    assert all(part.startswith(" ") for part in folded[1:])


def test_feed_summary_is_escaped(client, approver, firm):
    firm.legal_name = "Comma, Semicolon; Back\\slash Ltd"
    firm.save()
    open_deadline(DeadlineKind.REGISTER_AML, firm=firm, due_on=days(3))
    event = events(ics_lines(client.get(reverse("deadlines_ics", args=[feed_token(approver)]))))[0]
    assert "Comma\\, Semicolon\\; Back\\\\slash Ltd" in event["SUMMARY"]
