"""Actions of the staff workspace that are not status transitions: who holds a case, and
when a staff member last looked at it.

Assignment rules (each refusal carries its reason):
- only staff who review (case officers) or decide (approvers; superusers) manage assignments;
  read-only supervisors and AML officers do not;
- a case officer may take an unassigned case for themselves, and hand over or release a case
  they hold; taking someone else's case, or giving an unassigned case to someone else, is for
  approvers;
- the new holder must be an active case officer;
- only an open case can be assigned;
- changing or removing an existing assignment needs a reason.
Every change writes an `AssignmentChange` row and one audit event.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from licensing.models import Application
from licensing.models.applications import OPEN_STATUSES
from licensing.staff.models import AssignmentChange, CaseView
from portal.accounts.models import User
from portal.accounts.roles import StaffRole
from portal.audit.chain import record
from portal.errors import CaseChanged, NotPermitted, RuleBroken, TransitionNotPossible
from portal.transitions import lock

# `expected_officer_id` left out: the caller did not show the person who holds the case.
UNCHECKED = object()


def may_manage_assignments(user) -> tuple[bool, str]:
    """Whether `user` may assign cases at all (the rules per case come on top)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False, _("Sign in first.")
    if not user.is_regulator_staff:
        return False, _("Only the regulator's staff assign cases.")
    if user.has_perm("licensing.review_application") or user.has_perm("licensing.decide_application"):
        return True, ""
    return False, _("Your staff role can look at cases but not assign them.")


def _is_senior(user) -> bool:
    return user.has_perm("licensing.decide_application")


def can_assign(user, application, officer_id) -> tuple[bool, str]:
    """Whether `user` may give `application` to the officer `officer_id` (None: release it)."""
    allowed, reason = may_manage_assignments(user)
    if not allowed:
        return allowed, reason
    if _is_senior(user):
        return True, ""
    holder_id = application.assigned_officer_id
    if holder_id is None:
        if officer_id == user.pk:
            return True, ""
        return False, _(
            "A case officer may take an unassigned case only for themselves; an approver assigns it "
            "to someone else."
        )
    if holder_id == user.pk:
        return True, ""
    return False, _("This case is assigned to another officer; only an approver can reassign it.")


def is_case_officer(user) -> bool:
    return user.is_active and user.has_role(StaffRole.CASE_OFFICER)


def _check_expected(app: Application, expected_officer_id) -> None:
    if expected_officer_id is UNCHECKED or app.assigned_officer_id == expected_officer_id:
        return
    holder = User.objects.filter(pk=app.assigned_officer_id).first()
    raise CaseChanged(
        _("This case changed: it is now assigned to %(officer)s.") % {"officer": holder}
        if holder is not None
        else _("This case changed: it no longer has an officer.")
    )


def _change(app: Application, *, actor, to_officer, reason: str) -> Application:
    from_officer = app.assigned_officer
    if from_officer is not None and not reason:
        raise RuleBroken(
            _("Give a reason for changing who holds this case."),
            field_errors={"reason": [_("Give a reason.")]},
        )
    app.assigned_officer = to_officer
    app.save(update_fields=["assigned_officer"])
    AssignmentChange.objects.create(
        application=app,
        from_officer=from_officer,
        to_officer=to_officer,
        changed_by=actor,
        reason=reason,
    )
    if to_officer is None:
        action = "application.unassign"
    elif from_officer is None:
        action = "application.assign"
    else:
        action = "application.reassign"
    record(
        actor=actor,
        action=action,
        obj=app,
        reason=reason,
        details={
            "from_officer": from_officer.email if from_officer else None,
            "to_officer": to_officer.email if to_officer else None,
        },
    )
    return app


def _lock_open_case(*, actor, application_id, expected_officer_id) -> Application:
    allowed, why = may_manage_assignments(actor)
    if not allowed:
        raise NotPermitted(why)
    app = lock(Application.objects, application_id)
    _check_expected(app, expected_officer_id)
    if app.status not in OPEN_STATUSES:
        raise TransitionNotPossible(
            _("Only an open case can be assigned: this one is “%(status)s”.")
            % {"status": app.get_status_display()}
        )
    return app


@transaction.atomic
def application_assign(
    *, actor, application_id: int, officer_id: int, reason: str = "", expected_officer_id=UNCHECKED
) -> Application:
    """Give the case to a case officer (assign, or reassign with a reason).

    `expected_officer_id` is the holder the actor saw (None: nobody); if someone changed it
    meanwhile the actor is told (409) instead of overriding a colleague unknowingly.
    Assigning the case to the officer who already holds it changes nothing."""
    reason = (reason or "").strip()
    app = _lock_open_case(actor=actor, application_id=application_id, expected_officer_id=expected_officer_id)
    officer = User.objects.filter(pk=officer_id).first() if officer_id else None
    if officer is None or not is_case_officer(officer):
        raise RuleBroken(
            _("Cases can only be assigned to a case officer."),
            field_errors={"officer": [_("Cases can only be assigned to a case officer.")]},
        )
    if app.assigned_officer_id == officer.pk:
        return app
    allowed, why = can_assign(actor, app, officer.pk)
    if not allowed:
        raise NotPermitted(why)
    return _change(app, actor=actor, to_officer=officer, reason=reason)


@transaction.atomic
def application_unassign(
    *, actor, application_id: int, reason: str, expected_officer_id=UNCHECKED
) -> Application:
    """Take the case away from its officer, back to the unassigned queue (reason required)."""
    reason = (reason or "").strip()
    app = _lock_open_case(actor=actor, application_id=application_id, expected_officer_id=expected_officer_id)
    if app.assigned_officer_id is None:
        raise RuleBroken(_("This case has no officer to unassign."))
    allowed, why = can_assign(actor, app, None)
    if not allowed:
        raise NotPermitted(why)
    return _change(app, actor=actor, to_officer=None, reason=reason)


def case_viewed(*, user, application):
    """Remember that `user` looked at `application` now (drives "changed since I last
    looked"); returns the time recorded. The case page calls it on every view; only staff
    views are recorded (None for anybody else)."""
    if user is None or not user.is_authenticated or not user.is_regulator_staff:
        return None
    application_id = getattr(application, "pk", application)
    now = timezone.now()
    views = CaseView.objects.filter(user=user, application_id=application_id)
    if views.update(last_viewed_at=now):
        return now
    try:
        with transaction.atomic():
            CaseView.objects.create(user=user, application_id=application_id, last_viewed_at=now)
    except IntegrityError:  # another tab recorded its first view meanwhile
        views.update(last_viewed_at=now)
    return now
