"""Who hears about a deadline, and what they are told."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.accounts.models import User
from portal.deadlines import links
from portal.deadlines.models import Audience, Deadline, DeadlineKind

# Firm roles reminded of a firm's deadline; anyone who may answer is told of a request.
FIRM_ROLES = ("principal", "submitter")
FIRM_ROLES_BY_KIND = {DeadlineKind.ANSWER_INFORMATION_REQUEST: ("principal", "submitter", "contributor")}


def _unique(users) -> list[User]:
    seen, people = set(), []
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen.add(user.pk)
            people.append(user)
    return people


def role_members(role: str) -> list[User]:
    if not role:
        return []
    return list(User.objects.filter(groups__name=role, is_active=True).order_by("pk"))


def reminder_recipients(deadline: Deadline) -> list[User]:
    """Those who must act: the agreement's owners, the firm's people, or the responsible
    member of staff (the rule's role when nobody is responsible yet)."""
    if deadline.agreement_id:
        agreement = deadline.agreement
        return _unique([agreement.owner, *agreement.co_owners.order_by("pk")])
    if deadline.rule.audience == Audience.FIRM and deadline.firm_id:
        roles = FIRM_ROLES_BY_KIND.get(deadline.kind, FIRM_ROLES)
        return _unique(
            User.objects.filter(
                memberships__firm_id=deadline.firm_id,
                memberships__is_active=True,
                memberships__role__in=roles,
            ).order_by("pk")
        )
    if deadline.responsible_id:
        return _unique([deadline.responsible])
    return _unique(role_members(deadline.rule.staff_role))


def escalation_recipients(deadline: Deadline) -> list[User]:
    """The responsible person's manager, else the rule's escalation role; for a firm's deadline, the
    responsible member of staff too (the officer learns the firm missed it)."""
    people = []
    responsible = deadline.responsible if deadline.responsible_id else None
    if responsible is not None and deadline.rule.audience == Audience.FIRM:
        people.append(responsible)
    manager = responsible.manager if responsible is not None and responsible.manager_id else None
    if manager is not None and manager.is_active:
        people.append(manager)
    else:
        people.extend(role_members(deadline.rule.escalation_role))
    return _unique(people)


def link_for(deadline: Deadline, user: User) -> str:
    """Where the person can act: the staff page of the subject for staff (the admin's change page
    would refuse them), the application or the deadlines page for a firm's people."""
    return links.link_for(deadline, user)


def _date(day) -> str:
    return formats.date_format(day, "j F Y")


def time_zone_for(user: User) -> ZoneInfo:
    """The zone in which a person's "today" is counted. People have no time zone of their own
    in the portal, so it is the regulator's (settings.TIME_ZONE, Asia/Karachi by default)."""
    return ZoneInfo(settings.TIME_ZONE)


def days_left(due_on: datetime.date, now: datetime.datetime, zone: ZoneInfo) -> int:
    """Whole days from the reader's today (in `zone`, at `now`) to the due date: the true
    number when a reminder goes out late, not the milestone's nominal one."""
    return (due_on - now.astimezone(zone).date()).days


def _left(days: int) -> str:
    if days == 0:
        return _("it is due today")
    if days < 0:
        return _("the due date has passed")
    return ngettext("%(n)d day left", "%(n)d days left", days) % {"n": days}


def reminder_text(deadline: Deadline, days: int) -> tuple[str, str]:
    """The reminder of `deadline` for someone `days` away from its due date (see days_left)."""
    what, subject, due = deadline.get_kind_display(), deadline.subject_label, _date(deadline.due_on)
    title = _("Reminder: %(what)s by %(due)s") % {"what": what, "due": due}
    body = _("%(what)s — %(subject)s — is due on %(due)s: %(left)s.") % {
        "what": what,
        "subject": subject,
        "due": due,
        "left": _left(days),
    }
    return title, body


def missed_text(deadline: Deadline, outcome: str) -> tuple[str, str]:
    what, subject, due = deadline.get_kind_display(), deadline.subject_label, _date(deadline.due_on)
    title = _("Missed: %(what)s (%(subject)s)") % {"what": what, "subject": subject}
    body = _("%(what)s — %(subject)s — was due on %(due)s and was not met.") % {
        "what": what,
        "subject": subject,
        "due": due,
    }
    return title, f"{body}\n{outcome}" if outcome else body


def escalation_text(deadline: Deadline, outcome: str) -> tuple[str, str]:
    title, body = missed_text(deadline, outcome)
    who = deadline.responsible.get_full_name() if deadline.responsible_id else _("nobody")
    title = _("Escalation: %(title)s") % {"title": title}
    return title, body + "\n" + _("Responsible: %(who)s.") % {"who": who}
