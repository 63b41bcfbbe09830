"""Deadline pages: the staff list of what is due, the firm's own deadlines, and a personal
iCalendar feed (a secret link per person, so calendar programs can subscribe without a
session).

Reads go through `visible_deadlines_*` helpers that scope to the person; the feed's token is a
salted HMAC of the user's id and password hash, so no model change is needed and changing the
password revokes every old link.
"""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from licensing.staff.access import staff_required
from licensing.web.firm_context import require_membership
from portal.accounts.models import User
from portal.branding import portal_name
from portal.dates import local_today
from portal.deadlines.links import firm_link, staff_link
from portal.deadlines.models import LIVE_STATUSES, Deadline, DeadlineKind, DeadlineStatus

PAGE_SIZE = 100
FEED_SALT = "portal.deadlines.calendar-feed"
DECIDE_PERM = "licensing.decide_application"

# What a firm sees: the deadlines it must meet, and the regulator's decision date as a promise.
FIRM_ACTS = (
    DeadlineKind.ANSWER_INFORMATION_REQUEST,
    DeadlineKind.REGISTER_AML,
    DeadlineKind.NOC_VALIDITY,
    DeadlineKind.LICENCE_RENEWAL,
    DeadlineKind.APPEAL_WINDOW,
)
REGULATOR_DECIDES = (DeadlineKind.DECIDE_NOC_APPLICATION, DeadlineKind.DECIDE_LICENCE_APPLICATION)

DAYS_FILTERS = {
    "overdue": gettext_lazy("Overdue"),
    "7": gettext_lazy("Due within 7 days"),
    "30": gettext_lazy("Due within 30 days"),
}
STATUS_FILTERS = {
    "live": gettext_lazy("Open or paused"),
    **{value: label for value, label in DeadlineStatus.choices},
    "all": gettext_lazy("All"),
}


# --- Who sees which deadlines.


def staff_deadlines_queryset():
    """Regulator staff see every deadline (supervisors included: reading is not acting)."""
    return Deadline.objects.with_subjects()


def firm_deadlines_queryset(firm_ids):
    """A firm's own live deadlines: what it must do, and when the regulator aims to decide.
    Never an agreement's window (government records) nor staff-internal clocks."""
    return (
        Deadline.objects.live()
        .filter(firm_id__in=list(firm_ids), agreement__isnull=True, kind__in=[*FIRM_ACTS, *REGULATOR_DECIDES])
        .with_subjects()
    )


def feed_deadlines(user):
    """What a person's calendar feed lists: staff, the live deadlines they answer for (approvers:
    every live one); firm people, the live deadlines of each firm they belong to."""
    if user.is_regulator_staff:
        scope = Q() if user.has_perm(DECIDE_PERM) else Q(responsible=user)
        return Deadline.objects.live().filter(scope).with_subjects()
    firm_ids = [m.firm_id for m in user.memberships.filter(is_active=True)]
    return firm_deadlines_queryset(firm_ids)


# --- Presentation helpers.


def days_left(deadline, today) -> int:
    return (deadline.due_on - today).days


def decorate(deadlines, today, link):
    rows = []
    for deadline in deadlines:
        left = days_left(deadline, today)
        rows.append(
            {
                "deadline": deadline,
                "days_left": left,
                "overdue": deadline.is_live and left < 0,
                "overdue_days": -left,
                "link": link(deadline),
                "regulator_decides": deadline.kind in REGULATOR_DECIDES,
            }
        )
    return rows


def _filter(queryset, params, user, today):
    kind = params.get("kind", "")
    if kind in DeadlineKind.values:
        queryset = queryset.filter(kind=kind)
    owner = params.get("owner", "")
    if owner == "me":
        queryset = queryset.filter(responsible=user)
    elif owner == "none":
        queryset = queryset.filter(responsible__isnull=True)
    elif owner.isdigit():
        queryset = queryset.filter(responsible_id=int(owner))
    status = params.get("status", "live")
    if status == "live" or status not in STATUS_FILTERS:
        queryset = queryset.filter(status__in=LIVE_STATUSES)
    elif status != "all":
        queryset = queryset.filter(status=status)
    days = params.get("days", "")
    if days == "overdue":
        queryset = queryset.filter(due_on__lt=today, status__in=LIVE_STATUSES)
    elif days in ("7", "30"):
        queryset = queryset.filter(due_on__lte=today + datetime.timedelta(days=int(days)))
    return queryset


# --- Pages.


@require_GET
@staff_required
def staff_deadlines(request):
    today = local_today()
    params = request.GET
    queryset = _filter(staff_deadlines_queryset(), params, request.user, today)
    page = Paginator(queryset.order_by("due_on", "pk"), PAGE_SIZE).get_page(params.get("page"))
    owners = User.objects.filter(
        pk__in=Deadline.objects.live().exclude(responsible__isnull=True).values("responsible")
    ).order_by("full_name", "email")
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "deadlines/staff_list.html",
        {
            "staff_section": "deadlines",
            "rows": decorate(page.object_list, today, staff_link),
            "page": page,
            "query": query.urlencode(),
            "kinds": DeadlineKind.choices,
            "owners": owners,
            "days_filters": DAYS_FILTERS.items(),
            "status_filters": STATUS_FILTERS.items(),
            "selected": {
                "kind": params.get("kind", ""),
                "owner": params.get("owner", ""),
                "days": params.get("days", ""),
                "status": params.get("status", "live"),
            },
            "today": today,
        },
    )


@require_GET
@login_required
def firm_deadlines(request):
    membership = require_membership(request)
    today = local_today()
    rows = decorate(firm_deadlines_queryset([membership.firm_id]).order_by("due_on", "pk"), today, firm_link)
    return render(
        request,
        "deadlines/firm_list.html",
        {
            "firm": membership.firm,
            "to_do": [row for row in rows if not row["regulator_decides"]],
            "decisions": [row for row in rows if row["regulator_decides"]],
            "today": today,
        },
    )


# --- The calendar feed.


def _key(user) -> str:
    return salted_hmac(FEED_SALT, f"{user.pk}|{user.password}", algorithm="sha256").hexdigest()[:40]


def feed_token(user) -> str:
    return f"{user.pk}-{_key(user)}"


def user_for_token(token: str):
    user_id, _sep, key = token.partition("-")
    if not user_id.isdigit() or not key:
        return None
    user = User.objects.filter(pk=int(user_id), is_active=True).first()
    if user is None or not constant_time_compare(key, _key(user)):
        return None
    return user


@require_GET
@login_required
def deadlines_calendar(request):
    path = reverse("deadlines_ics", args=[feed_token(request.user)])
    return render(
        request,
        "deadlines/calendar.html",
        {"feed_url": request.build_absolute_uri(path), "webcal_url": "webcal://" + request.get_host() + path},
    )


def ical_escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ical_fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _absolute(path: str) -> str:
    return settings.PORTAL_SITE_URL.rstrip("/") + path if path.startswith("/") else path


def ical_document(deadlines, *, user, name: str) -> str:
    domain = settings.PORTAL_SITE_URL.split("//")[-1].split("/")[0].split(":")[0] or "portal.invalid"
    staff = user.is_regulator_staff
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Licensing portal//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ical_escape(name)}",
    ]
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    for deadline in deadlines:
        link = _absolute(staff_link(deadline) if staff else firm_link(deadline))
        if not staff and deadline.kind in REGULATOR_DECIDES:
            summary = _("We aim to decide by this date: %(subject)s") % {"subject": deadline.subject_label}
        else:
            summary = f"{deadline.get_kind_display()}: {deadline.subject_label}"
        description = _("Due on %(due)s (%(status)s).") % {
            "due": deadline.due_on.isoformat(),
            "status": deadline.get_status_display(),
        }
        description += "\n" + link
        lines += [
            "BEGIN:VEVENT",
            f"UID:deadline-{deadline.pk}@{domain}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{deadline.due_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{deadline.due_on + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ical_escape(summary)}",
            f"DESCRIPTION:{ical_escape(description)}",
            f"URL:{link}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(ical_fold(line) + "\r\n" for line in lines)


@require_GET
def deadlines_ics(request, token):
    user = user_for_token(token)
    if user is None:
        raise Http404
    deadlines = feed_deadlines(user).order_by("due_on", "pk")
    body = ical_document(deadlines, user=user, name=_("Deadlines — %(portal)s") % {"portal": portal_name()})
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
