"""Every link in every e-mail the portal sends opens, for the person it was sent to.

The e-mails: the deadline engine's reminders, missed-deadline notices and escalations (one
notification template, `notifications/email.txt` and `.html`, for every deadline kind and every
person the engine tells), a colleague's invitation, the application receipt, and the password
reset. Each is produced the way the code produces it; every `href` of the HTML part and every
URL of the text part is requested as the recipient (signed in, staff with their second factor
as in the other tests) and must end, following redirects, in a 200: never a 403, 404 or 405.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from licensing.models import ApplicationStatus
from licensing.services import firm_admin
from licensing.services.agreements import agreement_record
from portal.deadlines import services as deadlines
from portal.deadlines.actions import process_reminder
from portal.deadlines.models import Deadline, DeadlineKind, Reminder
from portal.deadlines.schedule import OVERDUE
from portal.notifications.models import Notification, NotificationKind
from portal.notifications.services import build_email
from tests.states import application_in

pytestmark = pytest.mark.django_db
HREF = re.compile(r'href="([^"]+)"')
URL = re.compile(r"https?://[^\s<>\"]+")


def links_in(message) -> set[str]:
    found = set(URL.findall(message.body))
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            found |= set(HREF.findall(content))
    return found


def path_of(link: str) -> str:
    parts = urlsplit(link)
    if parts.scheme:  # the portal's address, or the host the request came to (allauth's links)
        portal = (settings.PORTAL_SITE_URL.rstrip("/"), "http://testserver")
        assert link.startswith(portal), f"{link} leaves the portal"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def assert_opens(client, link: str, *, as_user, what: str):
    client.logout()
    if as_user is not None:
        client.force_login(as_user)
    response = client.get(path_of(link), follow=True)
    hops = [status for _url, status in response.redirect_chain]
    assert response.status_code == 200, (
        f"{what}: {link} gave {response.status_code} to {as_user} (via {hops})"
    )
    assert all(status in (301, 302, 303, 307, 308) for status in hops), (what, link, hops)


def subjects(firm, other_firm, principal, officer, approver):
    """A live deadline of every kind, about the subject the services give it."""
    case = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    asked = application_in(
        ApplicationStatus.INFORMATION_REQUESTED,
        firm=other_firm,
        submitter=other_firm.memberships.get().user,
        officer=officer,
        approver=approver,
    )
    agreement = agreement_record(
        actor=approver,
        title="MoU on tokenising state assets",
        scope="Advisory on tokenising sovereign bonds.",
        counterparty_name="Fictional Global Exchange Ltd",
        signed_on=timezone.localdate(),
        owner_id=approver.pk,
    )
    about = {
        DeadlineKind.ACKNOWLEDGE_SUBMISSION: {"application": case},
        DeadlineKind.DECIDE_NOC_APPLICATION: {"application": case},
        DeadlineKind.DECIDE_LICENCE_APPLICATION: {"application": case},
        DeadlineKind.REGISTER_AML: {"firm": firm},
        DeadlineKind.NOC_VALIDITY: {"firm": firm},
        DeadlineKind.LICENCE_RENEWAL: {"firm": firm},
        DeadlineKind.APPEAL_WINDOW: {"firm": firm},
    }
    found = {}
    for kind, subject in about.items():
        found[kind] = Deadline.objects.live().filter(kind=kind, **subject).first() or deadlines.open_for(
            kind, due_on=timezone.localdate(), responsible=officer, **subject
        )
    found[DeadlineKind.ANSWER_INFORMATION_REQUEST] = Deadline.objects.get(
        kind=DeadlineKind.ANSWER_INFORMATION_REQUEST, application=asked
    )
    found[DeadlineKind.DEFINITIVE_AGREEMENT] = Deadline.objects.get(agreement=agreement)
    return found


def send_every_milestone(deadline):
    """The engine's d-0 reminder, then the overdue milestone (missed notices and escalations)."""
    for milestone in ("d-0", OVERDUE):
        reminder, _created = Reminder.objects.get_or_create(
            deadline=deadline,
            milestone=milestone,
            defaults={"scheduled_for": timezone.now(), "queued_at": timezone.now()},
        )
        process_reminder(reminder.pk)


def test_every_link_in_every_deadline_e_mail_opens_for_its_recipient(
    client, firm, other_firm, principal, outsider, officer, approver, supervisor, aml_officer
):
    found = subjects(firm, other_firm, principal, officer, approver)
    assert set(found) == set(DeadlineKind.values)  # a new kind must be added here
    for deadline in found.values():
        deadline.refresh_from_db()
        send_every_milestone(deadline)
    notifications = list(Notification.objects.select_related("user").order_by("pk"))
    assert {n.kind for n in notifications} >= {
        NotificationKind.REMINDER,
        NotificationKind.MISSED,
        NotificationKind.ESCALATION,
    }
    assert any(n.user.is_regulator_staff for n in notifications)
    assert any(not n.user.is_regulator_staff for n in notifications)
    checked = set()
    for notification in notifications:
        links = links_in(build_email(notification))
        assert links, f"{notification.subject} to {notification.user} has no link"
        for link in links:
            if (link, notification.user.pk) in checked:
                continue
            checked.add((link, notification.user.pk))
            assert_opens(client, link, as_user=notification.user, what=notification.subject)


def test_the_mou_reminder_sends_the_owner_to_the_agreements_staff_page(approver):
    agreement = agreement_record(
        actor=approver,
        title="MoU",
        scope="Advisory.",
        counterparty_name="Another Ltd",
        signed_on=timezone.localdate(),
        owner_id=approver.pk,
    )
    send_every_milestone(Deadline.objects.get(agreement=agreement))
    reminder = Notification.objects.filter(user=approver, kind=NotificationKind.REMINDER).get()
    assert reminder.link == reverse("staff_agreement", args=[agreement.pk])
    assert "/admin/" not in " ".join(links_in(build_email(reminder)))


def test_the_invitation_link_opens_for_the_invitee_signed_out_and_signed_in(
    client, firm, principal, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    invitee = UserFactory(email="new.colleague@exchange.example")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        firm_admin.invitation_create(
            actor=principal,
            firm_id=firm.pk,
            email=invitee.email,
            role="contributor",
            build_link=lambda token: (
                settings.PORTAL_SITE_URL.rstrip("/") + reverse("invitation_accept", args=[token])
            ),
        )
    (message,) = mail.outbox
    links = links_in(message)
    assert links
    for link in links:
        assert_opens(client, link, as_user=None, what="invitation")
        assert_opens(client, link, as_user=invitee, what="invitation")


def test_the_application_receipt_and_password_reset_links_open(
    client, firm, principal, officer, approver, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application_in(
            ApplicationStatus.SUBMITTED, firm=firm, submitter=principal, officer=officer, approver=approver
        )
    receipts = [m for m in mail.outbox if principal.email in m.to]
    assert receipts
    for message in receipts:
        for link in links_in(message):
            assert_opens(client, link, as_user=principal, what=message.subject)
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": principal.email})
    (reset,) = mail.outbox
    links = links_in(reset)
    assert links
    for link in links:
        assert_opens(client, link, as_user=None, what="password reset")


def test_the_access_change_notices_link_only_where_the_recipient_may_go(client, administrator, approver):
    """A role change tells the person and the other administrators: the admin's page of the person
    opens for the administrators; the person, who may not change people, gets no link there."""
    from django.contrib.auth.models import Group

    from portal.accounts.roles import StaffRole
    from portal.accounts.services import user_roles_change

    second_admin = _staff_admin("second.admin@regulator.example")
    user_roles_change(
        actor=administrator,
        person=approver,
        groups=[*approver.groups.all(), Group.objects.get(name=StaffRole.AML_OFFICER.value)],
        reason="Covers AML registrations while the AML officer is away.",
    )
    notices = list(Notification.objects.filter(user__in=[approver, second_admin]).select_related("user"))
    assert {n.user for n in notices} == {approver, second_admin}
    for notice in notices:
        for link in links_in(build_email(notice)):
            assert_opens(client, link, as_user=notice.user, what=notice.subject)
    (to_person,) = [n for n in notices if n.user == approver]
    assert "/admin/" not in " ".join(links_in(build_email(to_person)))


def test_the_identity_change_decision_links_open_for_the_firms_people(
    client, firm, principal, officer, approver
):
    from licensing.services.change_requests import firm_change_request_approve, firm_change_request_create

    application_in(
        ApplicationStatus.SUBMITTED, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    request = firm_change_request_create(
        actor=principal,
        firm_id=firm.pk,
        changes={"legal_name": "Owner Exchange (Pakistan) Ltd"},
        reason="Renamed after local incorporation.",
    )
    firm_change_request_approve(actor=officer, request_id=request.pk)
    notices = list(Notification.objects.filter(user=principal).select_related("user"))
    assert notices
    for notice in notices:
        links = links_in(build_email(notice))
        assert links
        for link in links:
            assert_opens(client, link, as_user=principal, what=notice.subject)


def _staff_admin(email):
    from portal.accounts.roles import StaffRole
    from tests.conftest import _staff

    user = _staff(StaffRole.ADMINISTRATOR, email)
    user.is_staff = True
    user.save()
    return user


# Every place the code sends e-mail, and the test above that checks its links. A new one fails
# here until its links are checked too.
SENDERS_CHECKED = {
    (
        "licensing/services/applications.py",
        "send_mail(",
    ): "test_the_application_receipt_and_password_reset_links_open",
    (
        "licensing/services/firm_admin.py",
        "send_mail(",
    ): "test_the_invitation_link_opens_for_the_invitee_signed_out_and_signed_in",
    (
        "portal/deadlines/actions.py",
        "notify(",
    ): "test_every_link_in_every_deadline_e_mail_opens_for_its_recipient",
    (
        "licensing/services/change_requests.py",
        "notify(",
    ): "test_the_identity_change_decision_links_open_for_the_firms_people",
    (
        "portal/accounts/services.py",
        "notify(",
    ): "test_the_access_change_notices_link_only_where_the_recipient_may_go",
}


def test_every_place_that_sends_e_mail_has_its_links_checked():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    found = set()
    for package in ("licensing", "aml", "portal"):
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for call in ("send_mail(", "notify(", "EmailMessage(", "EmailMultiAlternatives("):
                for line in text.splitlines():
                    stripped = line.strip()
                    if call in stripped and not stripped.startswith(("def ", "#", "from ", "import ")):
                        found.add((str(path.relative_to(root)), call))
    # notify() itself (its e-mail is the notification template checked above).
    found -= {
        ("portal/notifications/services.py", "EmailMultiAlternatives("),
        ("portal/notifications/services.py", "notify("),
    }
    assert found == set(SENDERS_CHECKED), (
        f"check the links of the e-mails sent at {found - set(SENDERS_CHECKED)}"
    )
