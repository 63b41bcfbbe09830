"""Changes to people's access, each audited and told (issue 14, item 5).

Granting or removing a role (group membership, `is_staff`, `is_superuser`), setting someone's
password and resetting their second factor are the ways one administrator could take over
another person's account, an approver's above all. Each goes through one function here, which
checks the actor may do it (no one raises their own access; only a superuser touches
superusers or grants `is_superuser`; a role is granted only by someone who holds all of its
permissions), writes one audit event, and notifies the person and every other administrator, so
nothing of the kind happens unseen. The Django admin calls these functions; it never shows or
edits a second factor's secret.
"""

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.language import language_for
from portal.accounts.models import User
from portal.accounts.roles import StaffRole
from portal.audit.chain import record
from portal.errors import NotPermitted
from portal.notifications.services import notify
from portal.transitions import lock


def administrators():
    """People who administer the portal: superusers and the Administrator role, active."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=StaffRole.ADMINISTRATOR.value))
        .distinct()
        .order_by("pk")
    )


def _permissions_of(group: Group) -> set[str]:
    pairs = group.permissions.values_list("content_type__app_label", "codename")
    return {f"{app}.{code}" for app, code in pairs}


def roles_change_allowed(actor, person, *, add_groups=(), remove_groups=(), is_staff=None, is_superuser=None):
    """(allowed, reason) for `actor` changing `person`'s roles as described."""
    changing = (
        add_groups
        or remove_groups
        or (is_staff is not None and is_staff != person.is_staff)
        or (is_superuser is not None and is_superuser != person.is_superuser)
    )
    if actor.is_superuser or not changing:
        return True, ""
    if person.pk == actor.pk:
        return False, gettext_lazy("Nobody may change their own roles: ask another administrator.")
    if person.is_superuser:
        return False, gettext_lazy("Only a superuser may change a superuser's roles.")
    if is_superuser is not None and is_superuser != person.is_superuser:
        return False, gettext_lazy("Only a superuser may grant or remove superuser status.")
    if not actor.has_perm("accounts.change_user"):
        return False, gettext_lazy("You may not change people's roles.")
    held = actor.get_all_permissions()
    for group in [*add_groups, *remove_groups]:
        if not _permissions_of(group) <= held:
            return False, gettext_lazy(
                "You may not grant or remove the role %(role)s: it has permissions you do not hold."
            ) % {"role": group.name}
    return True, ""


def _may_act_on(actor, person) -> None:
    if person.is_superuser and not actor.is_superuser:
        raise NotPermitted(gettext_lazy("Only a superuser may change a superuser's account."))
    if not (actor.is_superuser or actor.has_perm("accounts.change_user")):
        raise NotPermitted(gettext_lazy("You may not change people's accounts."))


def _tell(*, actor, person, subject, body) -> None:
    """The person and every other administrator, each in their own language, on commit."""
    recipients = [person, *[a for a in administrators() if a.pk not in (person.pk, actor.pk)]]
    link = reverse("admin:accounts_user_change", args=[person.pk])
    for user in recipients:
        with translation.override(language_for(user)):
            notify(
                user,
                subject=subject(),
                body=body(),
                statutory=True,  # security notices reach the person whatever their preferences
                # The admin's page of the person, only for those the admin lets in to change people.
                link=link if user.is_staff and user.has_perm("accounts.change_user") else "",
            )


@transaction.atomic
def user_roles_change(*, actor, person, groups=None, is_staff=None, is_superuser=None, reason: str = ""):
    """Set `person`'s roles (groups), staff and superuser status; what changed, or {} if nothing."""
    person = lock(User.objects.all(), person.pk)
    current = set(person.groups.all())
    wanted = set(groups) if groups is not None else current
    add, remove = wanted - current, current - wanted
    allowed, why = roles_change_allowed(
        actor, person, add_groups=add, remove_groups=remove, is_staff=is_staff, is_superuser=is_superuser
    )
    if not allowed:
        raise NotPermitted(why)
    changes = {}
    if add:
        changes["roles_added"] = sorted(g.name for g in add)
    if remove:
        changes["roles_removed"] = sorted(g.name for g in remove)
    fields = []
    for name, value in (("is_staff", is_staff), ("is_superuser", is_superuser)):
        if value is not None and value != getattr(person, name):
            changes[name] = [getattr(person, name), value]
            setattr(person, name, value)
            fields.append(name)
    if not changes:
        return {}
    if fields:
        person.save(update_fields=fields)
    if add or remove:
        person.groups.remove(*remove)
        person.groups.add(*add)
    record(actor=actor, action="user.roles_change", obj=person, reason=reason, details=changes)

    def names(groups):
        return ", ".join(sorted(_(g.name) for g in groups))  # the role names are translated

    def summary():
        parts = []
        if add:
            parts.append(_("roles granted: %(roles)s") % {"roles": names(add)})
        if remove:
            parts.append(_("roles removed: %(roles)s") % {"roles": names(remove)})
        if "is_staff" in changes:
            parts.append(_("staff status: %(value)s") % {"value": _("yes") if is_staff else _("no")})
        if "is_superuser" in changes:
            parts.append(_("superuser status: %(value)s") % {"value": _("yes") if is_superuser else _("no")})
        return "; ".join(parts)

    _tell(
        actor=actor,
        person=person,
        subject=lambda: _("Access changed for %(person)s") % {"person": person.email},
        body=lambda: (
            _(
                "%(actor)s changed the access of %(person)s: %(changes)s. If this was not expected, "
                "tell the regulator's security officer at once."
            )
            % {"actor": actor.email, "person": person.email, "changes": summary()}
        ),
    )
    return changes


@transaction.atomic
def user_password_set(*, actor, person, password: str | None):
    """Set `person`'s password (None: no password, sign-in by other means only)."""
    person = lock(User.objects.all(), person.pk)
    _may_act_on(actor, person)
    if password is None:
        person.set_unusable_password()
    else:
        person.set_password(password)
    person.save(update_fields=["password"])
    record(
        actor=actor,
        action="user.password_set",
        obj=person,
        details={"usable": password is not None, "own": actor.pk == person.pk},
    )
    _tell(
        actor=actor,
        person=person,
        subject=lambda: _("Password set for %(person)s") % {"person": person.email},
        body=lambda: (
            _(
                "%(actor)s set a new password for %(person)s in the administration. If this was not "
                "expected, tell the regulator's security officer at once."
            )
            % {"actor": actor.email, "person": person.email}
        ),
    )
    return person


@transaction.atomic
def user_mfa_reset(*, actor, person, reason: str = ""):
    """Remove every second factor of `person` (TOTP, recovery codes, security keys): staff must
    enrol again at their next sign-in. Secrets are never shown; this is the only change."""
    person = lock(User.objects.all(), person.pk)
    _may_act_on(actor, person)
    types = sorted(Authenticator.objects.filter(user=person).values_list("type", flat=True))
    Authenticator.objects.filter(user=person).delete()
    record(actor=actor, action="user.mfa_reset", obj=person, reason=reason, details={"removed": types})
    _tell(
        actor=actor,
        person=person,
        subject=lambda: _("Two-factor authentication reset for %(person)s") % {"person": person.email},
        body=lambda: (
            _(
                "%(actor)s removed the two-factor authentication of %(person)s; a new authenticator "
                "must be set up at the next sign-in. If this was not expected, tell the regulator's "
                "security officer at once."
            )
            % {"actor": actor.email, "person": person.email}
        ),
    )
    return types
