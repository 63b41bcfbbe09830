"""Who may see each audited action: one declaration per action name, in one registry.

Every action the services record in the audit chain (`portal.audit.chain.record`) is declared
here once, by the app that writes it, with its audience and its name in plain words:

- `INTERNAL`: the regulator's staff only (internal notes, recommendations, assignments,
  screening, sign-ins, reminders…);
- `FIRM`: also the people of the firm the event belongs to (their own changes, the steps of
  their case the regulator tells them about);
- `PUBLIC`: anyone (what the public register shows anyway, such as a stage change).

Each audience sees its own and every wider one: the firm sees FIRM and PUBLIC actions.
Every firm-facing list (the firm's activity page and API, the application timeline) reads
`AuditEvent.objects.visible_to_firm(firm)` or `firm_visible_actions()`, never a list of its
own. An action nobody declared is INTERNAL (the rule fails closed), and
`tests/test_audit_visibility.py` fails for every action the code can record without a
declaration.

Apps declare their actions in their `ready()` (`portal/audit/actions.py` for the kernel's,
`licensing/audit_actions.py`, `aml/audit_actions.py`).
"""

import logging
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Regulator staff only")
    FIRM = "firm", _("The firm and the regulator")
    PUBLIC = "public", _("Anyone")


# Who sees what: an audience sees the actions declared for it and for every wider audience.
_SEEN_BY = {
    Visibility.INTERNAL: (Visibility.INTERNAL, Visibility.FIRM, Visibility.PUBLIC),
    Visibility.FIRM: (Visibility.FIRM, Visibility.PUBLIC),
    Visibility.PUBLIC: (Visibility.PUBLIC,),
}


@dataclass(frozen=True)
class ActionDeclaration:
    action: str
    visibility: Visibility
    label: object = None  # the action in plain words ("submitted an application"), lazy
    declared_by: str = ""


_REGISTRY: dict[str, ActionDeclaration] = {}
_BY_AUDIENCE: dict[Visibility, frozenset[str]] = {}


class ConflictingDeclaration(Exception):
    """One action declared twice with different audiences."""


def declare(action: str, visibility: Visibility, label=None, *, declared_by: str = "") -> None:
    """Declare who may see `action`. Declaring it again the same way changes nothing."""
    visibility = Visibility(visibility)
    existing = _REGISTRY.get(action)
    if existing is not None and existing.visibility != visibility:
        raise ConflictingDeclaration(
            f"audit action {action!r} is declared {existing.visibility} by {existing.declared_by or '?'} "
            f"and {visibility} by {declared_by or '?'}"
        )
    if existing is not None and label is None:
        label = existing.label
    _REGISTRY[action] = ActionDeclaration(action, visibility, label, declared_by)
    _BY_AUDIENCE.clear()


def declare_many(visibility: Visibility, actions: dict, *, declared_by: str = "") -> None:
    """Declare several actions with one audience: `{action: label or None}`."""
    for action, label in actions.items():
        declare(action, visibility, label, declared_by=declared_by)


def is_declared(action: str) -> bool:
    return action in _REGISTRY


def declarations() -> dict[str, ActionDeclaration]:
    """Every declared action (a copy)."""
    return dict(_REGISTRY)


def visibility_of(action: str) -> Visibility:
    """The audience of `action`; INTERNAL when nobody declared it."""
    declaration = _REGISTRY.get(action)
    return declaration.visibility if declaration is not None else Visibility.INTERNAL


def actions_seen_by(audience: Visibility) -> frozenset[str]:
    """Every declared action `audience` may see."""
    audience = Visibility(audience)
    if audience not in _BY_AUDIENCE:
        allowed = _SEEN_BY[audience]
        _BY_AUDIENCE[audience] = frozenset(a for a, d in _REGISTRY.items() if d.visibility in allowed)
    return _BY_AUDIENCE[audience]


def firm_visible_actions() -> frozenset[str]:
    """The actions the firm an event belongs to may see (FIRM and PUBLIC)."""
    return actions_seen_by(Visibility.FIRM)


def may_see(audience: Visibility, action: str) -> bool:
    return action in actions_seen_by(audience)


def declared_label(action: str):
    """The declared plain-words label of `action`, or None."""
    declaration = _REGISTRY.get(action)
    return declaration.label if declaration is not None else None


def label_of(action: str) -> str:
    """The action in plain words, in the reader's language; an undeclared or unlabelled code
    tidied up ("case note: add")."""
    declaration = _REGISTRY.get(action)
    if declaration is not None and declaration.label is not None:
        return str(declaration.label)
    return action.replace(".", ": ").replace("_", " ")


def warn_if_undeclared(action: str) -> None:
    """Called by `record()`: an undeclared action is kept internal, and said so in the log."""
    if action not in _REGISTRY:
        logger.warning("audit action %r has no visibility declaration: treated as internal", action)
