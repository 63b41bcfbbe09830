"""Domain errors: one base class, one shape.

Service functions raise these; the web UI shows `detail` to the user, the API renders
them as RFC 7807 problem documents (see portal.api_errors), the admin as a message.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every error a user can cause and be told about."""

    status_code = 400
    type = "invalid-request"
    title = _("The request could not be carried out.")

    def __init__(self, detail=None, *, field_errors=None):
        self.detail = str(detail) if detail is not None else str(self.title)
        self.field_errors = field_errors or {}
        super().__init__(self.detail)

    def as_problem(self) -> dict:
        problem = {
            "type": f"/problems/{self.type}",
            "title": str(self.title),
            "status": self.status_code,
            "detail": self.detail,
        }
        if self.field_errors:
            problem["errors"] = {k: [str(m) for m in v] for k, v in self.field_errors.items()}
        return problem


class NotPermitted(DomainError):
    """The actor's role does not allow this action on this object."""

    status_code = 403
    type = "not-permitted"
    title = _("You are not permitted to do this.")


class NotFound(DomainError):
    status_code = 404
    type = "not-found"
    title = _("Not found.")


class TransitionNotPossible(DomainError):
    """The object is not (or no longer) in a state from which the action can be taken."""

    status_code = 409
    type = "transition-not-possible"
    title = _("This action is no longer possible.")


class CaseChanged(TransitionNotPossible):
    """Somebody else changed the object since the actor looked at it."""

    type = "case-changed"
    title = _("This case changed.")


class RuleBroken(DomainError):
    """The object's data does not meet a rule the action needs (e.g. an incomplete section)."""

    status_code = 422
    type = "rule-broken"
    title = _("The rules for this action are not met.")


class FourEyesViolation(NotPermitted):
    type = "four-eyes"
    title = _("A decision must be taken by someone other than the person who recommended it.")
