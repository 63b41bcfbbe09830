"""The one way a state changes: lock, check, transition, save, audit.

Service functions call `lock()` for every row they will change (child rows before the
firm), then `take()` for each transition. `take()` checks, in this order, that the
transition exists from the current state (409), that the actor may take it (403, with
the reason), and that the data rules hold (422, with each unmet rule), before it changes
anything; then it saves only the state fields and writes exactly one audit event.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import CaseChanged, NotFound, NotPermitted, RuleBroken, TransitionNotPossible


def condition(message):
    """Mark a django-fsm condition with the sentence a user sees when it is not met."""

    def wrap(fn):
        fn.message = message
        return fn

    return wrap


def unmet_conditions(instance, transition_method) -> list[str]:
    meta = transition_method._django_fsm
    transition = meta.get_transition(meta.field.get_state(instance))
    if transition is None:
        return []
    return [
        str(getattr(cond, "message", cond.__name__)) for cond in transition.conditions if not cond(instance)
    ]


def why_not(transition_method, user) -> tuple[bool, str]:
    """(allowed, reason) for `user` taking a bound transition now, leaving state aside.

    Guards built for `permission=` carry `guard.why(instance, user) -> (allowed, reason)`.
    """
    meta = transition_method._django_fsm
    instance = transition_method.__self__
    transition = meta.get_transition(meta.field.get_state(instance))
    if transition is None or transition.permission is None:
        return True, ""
    why = getattr(transition.permission, "why", None)
    if why is None:
        return bool(transition.has_perm(instance, user)), _("You are not permitted to do this.")
    return why(instance, user)


def lock(queryset, pk, *, expected_state=None, state_field="status"):
    """Fetch a row FOR UPDATE. Must run inside transaction.atomic()."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() needs an atomic block")
    try:
        obj = queryset.select_for_update().get(pk=pk)
    except queryset.model.DoesNotExist:
        what = queryset.model._meta.verbose_name.capitalize()
        raise NotFound(_("%(what)s not found.") % {"what": what}) from None
    if expected_state is not None:
        current = getattr(obj, state_field)
        if current != expected_state:
            raise CaseChanged(
                _("This case changed: it is now “%(state)s”.") % {"state": _display(obj, state_field)}
            )
    return obj


def _display(obj, field_name):
    return getattr(obj, f"get_{field_name}_display")()


def check(obj, name: str, *, actor, state_only: bool = False):
    """Raise the right DomainError if `actor` cannot take transition `name` now.

    With `state_only`, only whether the transition exists from the current state."""
    method = getattr(obj, name)
    meta = method._django_fsm
    field_name = meta.field.name
    current = getattr(obj, field_name)
    if not meta.has_transition(current):
        raise TransitionNotPossible(
            _("“%(action)s” is not possible: this %(what)s is now “%(state)s”.")
            % {
                "action": name.replace("_", " ").capitalize(),
                "what": obj._meta.verbose_name,
                "state": _display(obj, field_name),
            }
        )
    if state_only:
        return method, field_name, current
    allowed, reason = why_not(method, actor)
    if not allowed:
        raise NotPermitted(reason)
    unmet = unmet_conditions(obj, method)
    if unmet:
        raise RuleBroken(" ".join(unmet), field_errors={"__all__": unmet})
    return method, field_name, current


def take(obj, name: str, *, actor, reason: str = "", details=None, extra_fields=(), firm=None):
    """Check and take transition `name` on a locked `obj`; save and audit. Returns the event."""
    from portal.audit.chain import record

    method, field_name, before = check(obj, name, actor=actor)
    method()
    after = getattr(obj, field_name)
    fields = [field_name, *extra_fields]
    changed_at = f"{field_name}_changed_at"
    if hasattr(obj, changed_at):
        setattr(obj, changed_at, timezone.now())
        fields.append(changed_at)
    obj.save(update_fields=list(dict.fromkeys(fields)))
    return record(
        actor=actor,
        action=f"{obj._meta.model_name}.{name}",
        obj=obj,
        firm=firm,
        from_state=before,
        to_state=after,
        reason=reason,
        details=details,
    )
