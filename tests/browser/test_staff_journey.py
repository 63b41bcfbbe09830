"""The regulator staff workspace in a real browser: a full case from the queue to the NOC.

A case officer takes a submitted NOC application from the "Unassigned" queue, starts the
review and asks the firm for information; the firm answers on its own pages; the case shows
in the officer's "Changed since I last looked" queue and the case page flags the change; the
officer recommends a grant; an approver decides it from "Awaiting my decision" and the NOC
is issued with its number. On another case, an officer who is also an approver cannot
decide on their own recommendation (four-eyes), neither from the page nor by POSTing.

Each person has their own browser context and signs in through the real forms (staff with
their TOTP code); axe-core checks every page visited and fails on any violation.
"""

import datetime
import re
import string

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from licensing.models import ApplicationStatus, FirmRole, InformationRequestStatus, Noc
from licensing.models.applications import DecisionOutcome
from portal.accounts.roles import StaffRole
from portal.dates import local_today
from tests.browser.conftest import new_context, sign_in
from tests.conftest import give_mfa, totp_code
from tests.factories import FirmFactory, MembershipFactory, UserFactory
from tests.states import application_in

pytestmark = [
    pytest.mark.browser,
    # live_server makes every test transactional. The flush after each one is followed by
    # post_migrate, which puts back the staff groups, activities and deadline rules; no
    # serialized_rollback, which would insert them a second time after a plain transactional test.
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
FIRM = "Northwind Digital Assets Ltd"
OTHER_FIRM = "Eastgate Custody Ltd"
ITEMS = [
    "Audited financial statements for the last two years.",
    "The board minutes approving the AML/CFT policy.",
]
ANSWER = "Both attached: audited accounts for 2023 and 2024, and the minutes of 3 March 2026."
FOUR_EYES = "You recommended this decision; another approver must take it (four-eyes rule)."


@pytest.fixture
def new_page(browser, live_server):
    """A page in a browser context of its own (one per person), closed after the test."""
    contexts = []

    def make():
        context = new_context(browser, live_server, viewport={"width": 1200, "height": 900})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def officer_approver(db):
    """A case officer who is also an approver: the person four-eyes exists for."""
    user = UserFactory(email="officer-approver@regulator.example", full_name="Zara Officer-Approver")
    user.groups.add(
        Group.objects.get(name=StaffRole.CASE_OFFICER.value), Group.objects.get(name=StaffRole.APPROVER.value)
    )
    return give_mfa(user)


def verified(user):
    user.emailaddress_set.get_or_create(email=user.email, defaults={"verified": True, "primary": True})
    return user


def staff_sign_in(page, user):
    """The login form, then the 2FA code page; staff land on the work queues."""
    sign_in(page, user.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    page.get_by_label("Code").fill(totp_code())
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Work queues")


def open_queue(page, label: str):
    page.get_by_role("navigation", name="Queues").get_by_role(
        "link", name=re.compile("^" + re.escape(label))
    ).click()
    expect(page.locator(".queue-title")).to_have_text(label)


def queue_row(page, app):
    return page.locator(".queue-table tbody tr").filter(
        has=page.get_by_role("link", name=app.reference, exact=True)
    )


def action_button(page, name: str):
    return page.locator("#actions").get_by_role("link", name=name, exact=True)


def number_pattern(fmt: str) -> re.Pattern:
    """The shape of numbers made with `fmt` ("NOC/{year}/{seq:04d}" → NOC/\\d{4}/\\d{4,})."""
    parts = []
    for literal, field, spec, _conversion in string.Formatter().parse(fmt):
        parts.append(re.escape(literal))
        if field == "year":
            parts.append(r"\d{4}")
        elif field is not None:
            width = re.fullmatch(r"0?(\d+)d", spec or "")
            parts.append(rf"\d{{{width.group(1)},}}" if width else r"\d+")
    return re.compile("".join(parts))


def test_a_case_goes_from_the_queue_to_an_issued_noc_with_four_eyes(
    page, axe, new_page, officer, approver, officer_approver
):
    firm = FirmFactory(legal_name=FIRM)
    principal = verified(MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user)
    app = application_in(
        ApplicationStatus.SUBMITTED, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    # Another firm's case, recommended by the officer who is also an approver.
    other_firm = FirmFactory(legal_name=OTHER_FIRM)
    other_principal = MembershipFactory(firm=other_firm, role=FirmRole.PRINCIPAL).user
    own = application_in(
        ApplicationStatus.AWAITING_DECISION,
        firm=other_firm,
        submitter=other_principal,
        officer=officer_approver,
        approver=approver,
    )
    for person in (officer, approver, officer_approver):
        verified(person)
    due_on = local_today() + datetime.timedelta(days=21)

    # --- The officer signs in and lands on the queues; the case is in "Unassigned".
    staff = new_page()
    staff_sign_in(staff, officer)
    axe(staff, "officer queues")
    open_queue(staff, "Unassigned")
    expect(staff.locator(".queue-table tbody tr")).to_have_count(1)
    expect(queue_row(staff, app)).to_contain_text(FIRM)
    axe(staff, "unassigned queue")

    # --- Opens it and takes it: "Start review" (the case is now assigned to the officer).
    staff.get_by_role("link", name=app.reference, exact=True).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(f"Case {app.reference}")
    expect(staff.locator("#case-status")).to_contain_text("Submitted")
    axe(staff, "case submitted")
    action_button(staff, "Start review").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Start review")
    axe(staff, "start review")
    staff.get_by_role("button", name="Start review").click()
    expect(staff.get_by_role("status").first).to_contain_text("The case is now “Under review”")
    expect(staff.locator(".case-header")).to_contain_text(officer.full_name)
    axe(staff, "case under review")

    # --- Asks for information: an empty form first, then two items and a due date.
    action_button(staff, "Request information").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Request information")
    axe(staff, "request information")
    staff.get_by_label("What the firm must provide").fill("")
    staff.get_by_role("button", name="Request information").click()
    expect(staff.locator(".error-summary")).to_contain_text("Add at least one item.")
    axe(staff, "request information with an error")
    staff.get_by_label("What the firm must provide").fill("\n".join(ITEMS))
    staff.get_by_label("Answer by").fill(due_on.isoformat())
    staff.get_by_role("button", name="Request information").click()
    expect(staff.get_by_role("status").first).to_contain_text("The case is now “Information requested”")
    request_panel = staff.locator("#information-requests")
    expect(request_panel.locator("li")).to_have_text(ITEMS)
    expect(request_panel).to_contain_text(f"Answer due by {due_on:%-d %B %Y}")
    axe(staff, "case information requested")
    staff.goto("/staff/?queue=waiting")
    expect(queue_row(staff, app)).to_have_count(1)
    axe(staff, "waiting on the firm queue")

    # --- The firm, in its own browser, answers the request on its pages.
    sign_in(page, principal.email, PASSWORD)
    page.goto("/information-requests/")
    expect(page.locator("main")).to_contain_text("1 request is waiting for your answer.")
    axe(page, "firm information requests")
    page.get_by_role("link", name=app.reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Information request")
    expect(page.locator("main ol")).to_contain_text(ITEMS[1])
    axe(page, "firm information request")
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_role("button", name="Send answer").click()
    expect(page.get_by_role("status").first).to_contain_text("Your answer was sent.")
    axe(page, "firm information request answered")
    page.get_by_role("link", name="Back to the application").click()
    expect(page.locator(".summary-list")).to_contain_text("Being reviewed")
    axe(page, "firm application status being reviewed")

    # --- The officer's "Changed since I last looked" lists the case; the case page flags it.
    staff.goto("/staff/")
    open_queue(staff, "Changed since I last looked")
    row = queue_row(staff, app)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Changed since you looked")
    axe(staff, "changed queue")
    staff.get_by_role("link", name=app.reference, exact=True).click()
    expect(staff.locator("#case-status")).to_contain_text("Under review")
    expect(staff.locator(".notification--warning")).to_contain_text("The firm answered or changed")
    expect(request_panel).to_contain_text("New answer")
    expect(request_panel).to_contain_text(ANSWER)
    expect(staff.locator("#changes")).to_contain_text("Answered an information request")
    axe(staff, "case changed by the firm")
    # Having looked, the case leaves the officer's "changed" queue.
    staff.goto("/staff/?queue=changed")
    expect(queue_row(staff, app)).to_have_count(0)
    axe(staff, "changed queue after looking")

    # --- The officer recommends a grant, with reasons and conditions.
    staff.goto(f"/staff/cases/{app.pk}/")
    action_button(staff, "Make a recommendation").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Make a recommendation")
    axe(staff, "recommend")
    staff.get_by_label("Grant", exact=True).check()
    staff.get_by_label("Reasons").fill("Fit and proper; the audited accounts show adequate capital.")
    staff.get_by_label("Proposed conditions").fill("Not to operate until fully licensed.")
    staff.get_by_role("button", name="Make a recommendation").click()
    expect(staff.get_by_role("status").first).to_contain_text("The case is now “Awaiting decision”")
    decide = staff.locator('[data-action="decide"]')
    expect(decide.get_by_role("button", name="Record the decision")).to_be_disabled()
    expect(decide).to_contain_text("Your staff role does not include this action.")
    expect(staff.locator("#review")).to_contain_text("Not to operate until fully licensed.")
    axe(staff, "case awaiting decision")

    # --- Four-eyes: the officer who is also an approver cannot decide their own recommendation.
    own_staff = new_page()
    staff_sign_in(own_staff, officer_approver)
    axe(own_staff, "officer-approver queues")
    open_queue(own_staff, "Awaiting my decision")
    expect(queue_row(own_staff, own)).to_have_count(0)  # not their own
    expect(queue_row(own_staff, app)).to_have_count(1)  # another officer's: they may decide it
    axe(own_staff, "officer-approver awaiting my decision")
    own_staff.goto(f"/staff/cases/{own.pk}/")
    expect(own_staff.locator("#case-status")).to_contain_text("Awaiting decision")
    decide = own_staff.locator('[data-action="decide"]')
    expect(decide.get_by_role("button", name="Record the decision")).to_be_disabled()
    expect(decide.locator(".action-list__reason")).to_contain_text(FOUR_EYES)
    axe(own_staff, "own recommendation case")
    own_staff.goto(f"/staff/cases/{own.pk}/actions/decide/")
    expect(own_staff.get_by_role("heading", level=1)).to_have_text("Record the decision")
    expect(own_staff.locator("main")).to_contain_text(FOUR_EYES)
    expect(own_staff.get_by_label("Reasons")).to_have_count(0)
    axe(own_staff, "own recommendation decide page")
    csrf = next(c["value"] for c in own_staff.context.cookies() if c["name"] == "csrftoken")
    response = own_staff.request.post(
        f"/staff/cases/{own.pk}/actions/decide/",
        form={
            "csrfmiddlewaretoken": csrf,
            "expected_status": ApplicationStatus.AWAITING_DECISION,
            "outcome": DecisionOutcome.GRANT,
            "reasons": "My own recommendation.",
            "validity_months": "12",
            "confirm": "on",
        },
        headers={"Referer": own_staff.url},
        max_redirects=0,
    )
    assert response.status == 403, response.status
    assert "four-eyes" in response.text()
    own.refresh_from_db()
    assert own.status == ApplicationStatus.AWAITING_DECISION
    assert not own.decisions.exists()

    # --- The approver signs in, opens "Awaiting my decision" and grants the NOC.
    decider = new_page()
    staff_sign_in(decider, approver)
    open_queue(decider, "Awaiting my decision")
    expect(decider.locator(".queue-table tbody tr")).to_have_count(2)
    axe(decider, "approver awaiting my decision")
    decider.get_by_role("link", name=app.reference, exact=True).click()
    expect(decider.locator("#case-status")).to_contain_text("Awaiting decision")
    axe(decider, "approver case")
    action_button(decider, "Record the decision").click()
    expect(decider.get_by_role("heading", level=1)).to_have_text("Record the decision")
    expect(decider.locator("main")).to_contain_text("Fit and proper; the audited accounts")
    expect(decider.get_by_label("Conditions")).to_have_value("Not to operate until fully licensed.")
    axe(decider, "decide")
    decider.get_by_label("Grant the NOC").check()
    decider.get_by_label("Reasons").fill("Agreed with the officer's assessment.")
    decider.get_by_role("button", name="Record the decision").click()
    expect(decider.locator(".error-summary")).to_contain_text("Tick the box to confirm a grant or a refusal.")
    axe(decider, "decide with an error")
    decider.get_by_label(re.compile("^I confirm: a grant or a refusal")).check()
    decider.get_by_role("button", name="Record the decision").click()

    # --- The case is approved and the NOC issued with a number in the configured format.
    pattern = number_pattern(settings.PORTAL_NOC_NUMBER_FORMAT)
    status = decider.get_by_role("status").first
    expect(status).to_contain_text("The case is now “Approved”")
    expect(status).to_contain_text(re.compile(rf"NOC {pattern.pattern} issued"))
    expect(decider.locator("#case-status")).to_contain_text("Approved")
    noc = Noc.objects.get(application=app)
    assert pattern.fullmatch(noc.number), noc.number
    certificate = decider.locator("#review .summary-list")
    expect(certificate).to_contain_text(noc.number)
    expect(certificate).to_contain_text("Not to operate until fully licensed.")
    expect(decider.locator("#review")).to_contain_text(approver.full_name)
    axe(decider, "case approved")

    # --- The firm page and the dashboard, once.
    decider.locator(".case-header").get_by_role("link", name=FIRM).click()
    expect(decider.get_by_role("heading", level=1)).to_have_text(FIRM)
    expect(decider.locator("main")).to_contain_text(noc.number)
    axe(decider, "firm page")
    decider.get_by_role("navigation", name="Staff workspace").get_by_role(
        "link", name="Dashboard", exact=True
    ).click()
    expect(decider.get_by_role("heading", level=1)).to_have_text("Dashboard")
    axe(decider, "dashboard")

    # --- And the firm sees its NOC.
    page.reload()
    expect(page.locator(".summary-list").first).to_contain_text("Approved")
    expect(page.locator("main")).to_contain_text(noc.number)
    axe(page, "firm application approved")

    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert app.assigned_officer == officer
    assert app.information_requests.get().status == InformationRequestStatus.ANSWERED
    decision = app.decisions.get()
    assert (decision.approver, decision.recommended_by) == (approver, officer)
