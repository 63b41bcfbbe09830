"""Actions on a firm's own record and its people: registering the firm, its profile, the
licences it holds elsewhere, invitations and memberships.

Each function is keyword-only, runs in one transaction, checks the actor's rights with
`licensing.permissions.can_for_firm` (EDIT for the profile and licences, MANAGE_MEMBERS for
people), raises a `portal.errors.DomainError` with a sentence the user can act on, and
writes one audit event. Rows are locked child first, then the firm, as everywhere else;
every change to the firm's people locks the firm row, so two principals demoting each
other at once cannot leave the firm without a principal.
"""

import datetime
import hashlib
import secrets
from collections.abc import Callable

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from licensing.models import Firm, FirmMembership, FirmRole, ForeignLicence, Invitation
from licensing.models.firms import CONTACT_FIELDS, END_STAGES, IDENTITY_FIELDS, name_key
from licensing.permissions import EDIT, MANAGE_MEMBERS, MANAGE_PROFILE, can_for_firm
from portal.accounts.language import language_for
from portal.audit.chain import record
from portal.branding import portal_name
from portal.countries import is_country
from portal.dates import long_date, long_datetime
from portal.errors import NotFound, NotPermitted, RuleBroken, TransitionNotPossible
from portal.transitions import lock

INVITATION_VALIDITY = datetime.timedelta(days=7)

# What a person fills in when registering a firm, and what they may change later
# (the local company number and NTN come after local incorporation, following a NOC).
REGISTRATION_FIELDS = (
    "legal_name",
    "trading_names",
    "incorporation_country",
    "incorporation_number",
    "lei",
    "registered_address",
    "website",
    "contact_email",
    "contact_phone",
)
PROFILE_FIELDS = (*REGISTRATION_FIELDS, "local_company_number", "ntn")
assert set(PROFILE_FIELDS) == set(IDENTITY_FIELDS) | set(CONTACT_FIELDS)


def country_code_problem(value) -> str:
    """'' when `value` is an ISO 3166 two-letter country code (django-countries), else the
    sentence to show."""
    value = str(value or "")
    if not value:
        return _("Choose a country.")
    if not is_country(value):
        return _("“%(code)s” is not an ISO 3166 country code: choose the country from the list.") % {
            "code": value
        }
    return ""


def hash_token(token: str) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


# --- helpers ------------------------------------------------------------------------------


def _require(actor, firm, capability) -> None:
    allowed, reason = can_for_firm(actor, firm, capability)
    if not allowed:
        raise NotPermitted(reason)


def _require_person(actor) -> None:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise NotPermitted(_("Sign in first."))
    if actor.is_regulator_staff:
        raise NotPermitted(_("Regulator staff accounts cannot act for a firm."))


def _forget_role(user, firm_id) -> None:
    """The role cache in licensing.permissions lives on the user object; drop it after a change."""
    cache = getattr(user, "_firm_role_cache", None)
    if cache is not None:
        cache.pop(firm_id, None)


def _normalise_profile(values: dict) -> dict:
    out = {}
    for name, value in values.items():
        if name == "trading_names":
            names = []
            for item in value or ():
                item = " ".join(str(item).split())
                if item and item not in names:
                    names.append(item)
            out[name] = names
        elif name == "lei":
            cleaned = "".join(str(value or "").split()).upper()
            out[name] = cleaned or None
        elif name == "incorporation_country":
            out[name] = str(value or "").strip().upper()
        elif name in ("registered_address",):
            out[name] = str(value or "").strip()
        elif name == "contact_email":
            out[name] = str(value or "").strip().lower()
        else:
            out[name] = " ".join(str(value or "").split())
    return out


def _validate_firm(firm: Firm) -> None:
    errors = {}
    try:
        # stage is protected (only transitions change it); the legal-name constraint is
        # checked by name_problems() with a clearer message, and enforced by the database.
        firm.full_clean(exclude=["stage"], validate_constraints=False)
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    problem = country_code_problem(firm.incorporation_country)
    if problem:  # clearer than the model's "not a valid choice"
        errors["incorporation_country"] = [problem]
    if errors:
        messages = [m for field_messages in errors.values() for m in field_messages]
        raise RuleBroken(" ".join(str(m) for m in messages), field_errors=errors)


def name_problems(firm: Firm) -> dict:
    """Field errors for names `firm` would share with another firm not in an end state.

    A legal or trading name may be neither the legal name nor a trading name of any other
    firm still on its way or on the register (case and spacing ignored): the public must be
    able to tell firms apart. Firms in an end state (lapsed, refused, revoked, surrendered)
    free their names."""
    own = {name_key(firm.legal_name): "legal_name"}
    for name in firm.trading_names or ():
        own.setdefault(name_key(name), "trading_names")
    own.pop("", None)
    if not own:
        return {}
    errors: dict[str, list] = {}
    others = Firm.objects.exclude(stage__in=sorted(END_STAGES)).values_list("legal_name", "trading_names")
    if firm.pk:
        others = others.exclude(pk=firm.pk)
    taken = set()
    for legal_name, trading_names in others.iterator(chunk_size=2000):
        taken.add(name_key(legal_name))
        taken.update(name_key(n) for n in trading_names or ())
    for key, field in own.items():
        if key in taken:
            shown = (
                firm.legal_name
                if field == "legal_name"
                else next(n for n in firm.trading_names if name_key(n) == key)
            )
            errors.setdefault(field, []).append(
                _(
                    "“%(name)s” is already the name of another firm on the register. Choose a name "
                    "that tells your firm apart."
                )
                % {"name": shown}
            )
    return errors


def _check_names(firm: Firm) -> None:
    errors = name_problems(firm)
    if errors:
        raise RuleBroken(
            " ".join(str(m) for messages in errors.values() for m in messages), field_errors=errors
        )


def editable_profile_fields(firm: Firm) -> tuple[str, ...]:
    """What the firm's principal may change directly now: everything before the first
    submission; afterwards the contact details only (identity needs a change request)."""
    return CONTACT_FIELDS if firm.identity_is_locked else PROFILE_FIELDS


def identity_locked_error(fields) -> RuleBroken:
    names = [str(Firm._meta.get_field(f).verbose_name) for f in fields]
    detail = _(
        "Your firm has applied to the regulator, so these details change only through a change "
        "request the regulator approves: %(fields)s. Ask for the change under “Request a change "
        "to the firm's identity” (API: POST /api/v1/firm/change-requests/)."
    ) % {"fields": ", ".join(names)}
    return RuleBroken(
        detail,
        field_errors={
            f: [_("Changes only through a change request the regulator approves.")] for f in fields
        },
    )


# --- the firm -----------------------------------------------------------------------------


@transaction.atomic
def firm_register(
    *,
    actor,
    legal_name: str,
    incorporation_country: str,
    trading_names=(),
    incorporation_number: str = "",
    lei: str | None = None,
    registered_address: str = "",
    website: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> Firm:
    """A signed-in person registers a new firm and becomes its first principal."""
    _require_person(actor)
    values = _normalise_profile(
        {
            "legal_name": legal_name,
            "trading_names": trading_names,
            "incorporation_country": incorporation_country,
            "incorporation_number": incorporation_number,
            "lei": lei,
            "registered_address": registered_address,
            "website": website,
            "contact_email": contact_email,
            "contact_phone": contact_phone,
        }
    )
    firm = Firm(**values)
    _validate_firm(firm)
    _check_names(firm)
    firm.save()
    FirmMembership.objects.create(firm=firm, user=actor, role=FirmRole.PRINCIPAL)
    _forget_role(actor, firm.pk)
    record(
        actor=actor,
        action="firm.register",
        obj=firm,
        to_state=firm.stage,
        details={"role": FirmRole.PRINCIPAL, "lei": firm.lei, "country": str(firm.incorporation_country)},
    )
    return firm


@transaction.atomic
def firm_update_profile(*, actor, firm_id: int, **changes) -> Firm:
    """The principal changes any of PROFILE_FIELDS; an unchanged profile writes nothing.

    From the firm's first submission on, the identity fields are refused (422, naming them):
    they change only through `firm_change_request_create` and the regulator's approval."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"firm_update_profile() got unexpected fields: {', '.join(sorted(unknown))}")
    firm = lock(Firm.objects, firm_id)
    _require(actor, firm, MANAGE_PROFILE)
    values = _normalise_profile(changes)
    changed = {}
    for name, value in values.items():
        before = getattr(firm, name)
        if before != value:
            changed[name] = [before, value]
            setattr(firm, name, value)
    if not changed:
        return firm
    locked = [name for name in changed if name not in editable_profile_fields(firm)]
    if locked:
        raise identity_locked_error(locked)
    _validate_firm(firm)
    if "legal_name" in changed or "trading_names" in changed:
        _check_names(firm)
    firm.save(update_fields=[*changed, "updated_at"])
    record(actor=actor, action="firm.update_profile", obj=firm, details={"changed": changed})
    return firm


# --- licences held elsewhere --------------------------------------------------------------


@transaction.atomic
def foreign_licence_add(
    *, actor, firm_id: int, regulator: str, jurisdiction: str, licence_number: str, activity: str
) -> ForeignLicence:
    firm = lock(Firm.objects, firm_id)
    _require(actor, firm, EDIT)
    licence = ForeignLicence(
        firm=firm,
        regulator=" ".join((regulator or "").split()),
        jurisdiction=(jurisdiction or "").strip().upper(),
        licence_number=(licence_number or "").strip(),
        activity=" ".join((activity or "").split()),
    )
    errors = {}
    try:
        licence.full_clean()
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    problem = country_code_problem(licence.jurisdiction)
    if problem:  # clearer than the model's "not a valid choice"
        errors["jurisdiction"] = [problem]
    if not errors and (
        ForeignLicence.objects.filter(
            firm=firm,
            jurisdiction=licence.jurisdiction,
            licence_number__iexact=licence.licence_number,
        ).exists()
    ):
        errors["licence_number"] = [
            _("Your firm already lists licence %(number)s in %(jurisdiction)s.")
            % {"number": licence.licence_number, "jurisdiction": licence.jurisdiction}
        ]
    if errors:
        raise RuleBroken(
            " ".join(str(m) for messages in errors.values() for m in messages), field_errors=errors
        )
    licence.save()
    record(
        actor=actor,
        action="foreign_licence.add",
        obj=licence,
        details={
            "regulator": licence.regulator,
            "jurisdiction": str(licence.jurisdiction),
            "licence_number": licence.licence_number,
            "activity": licence.activity,
        },
    )
    return licence


@transaction.atomic
def foreign_licence_remove(*, actor, firm_id: int, licence_id: int) -> None:
    licence = lock(ForeignLicence.objects.filter(firm_id=firm_id), licence_id)
    firm = lock(Firm.objects, firm_id)
    _require(actor, firm, EDIT)
    record(
        actor=actor,
        action="foreign_licence.remove",
        obj=licence,
        details={
            "regulator": licence.regulator,
            "jurisdiction": str(licence.jurisdiction),
            "licence_number": licence.licence_number,
            "activity": licence.activity,
        },
    )
    licence.delete()


# --- invitations --------------------------------------------------------------------------


def _send_invitation(invitation_id: int, link: str) -> None:
    invitation = Invitation.objects.select_related("firm", "invited_by").get(pk=invitation_id)
    inviter = invitation.invited_by
    # In the invited person's language when they already have an account, else the inviter's.
    invitee = get_user_model().objects.filter(email__iexact=invitation.email).first()
    with translation.override(language_for(invitee or inviter)):
        _send_invitation_email(invitation, inviter, link)


def _send_invitation_email(invitation, inviter, link: str) -> None:
    values = {
        "inviter": inviter.get_full_name(),
        "inviter_email": inviter.email,
        "firm": invitation.firm.legal_name,
        "role": invitation.get_role_display(),
        "portal": portal_name(),
        "email": invitation.email,
        "link": link,
        "expires": long_datetime(invitation.expires_at),
    }
    send_mail(
        subject=_("%(inviter)s invited you to act for %(firm)s") % values,
        message=_(
            "%(inviter)s (%(inviter_email)s) has invited you to act for %(firm)s on the %(portal)s, "
            "with the role: %(role)s.\n\n"
            "To accept, open this link and sign in, or create an account, with this email "
            "address (%(email)s):\n\n%(link)s\n\n"
            "The invitation expires on %(expires)s (Pakistan time). If you did not expect it, "
            "you can ignore this email.\n"
        )
        % values,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_create(
    *, actor, firm_id: int, email: str, role: str, build_link: Callable[[str], str]
) -> Invitation:
    """Invite a colleague by email. Only the token's SHA-256 is stored; the raw token goes
    out once, in the emailed link (`build_link(token)` makes the absolute URL). The returned
    invitation carries the raw token as `.token` for the caller, never saved."""
    firm = lock(Firm.objects, firm_id)
    _require(actor, firm, MANAGE_MEMBERS)
    email = (email or "").strip().lower()
    if not email:
        raise RuleBroken(_("Enter an email address."), field_errors={"email": [_("Enter an email address.")]})
    if role not in FirmRole.values:
        raise RuleBroken(_("Choose a role."), field_errors={"role": [_("Choose a role.")]})
    if FirmMembership.objects.filter(firm=firm, user__email__iexact=email, is_active=True).exists():
        message = _("%(email)s is already one of your firm's people.") % {"email": email}
        raise RuleBroken(message, field_errors={"email": [message]})
    if Invitation.objects.pending().filter(firm=firm, email__iexact=email).exists():
        message = _(
            "An invitation to %(email)s is already waiting to be accepted. "
            "Revoke it first if you want to send a new one."
        ) % {"email": email}
        raise RuleBroken(message, field_errors={"email": [message]})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        firm=firm,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    record(
        actor=actor,
        action="invitation.create",
        obj=invitation,
        details={"email": email, "role": role, "expires_at": invitation.expires_at},
    )
    link = build_link(token)
    transaction.on_commit(lambda: _send_invitation(invitation.pk, link))
    invitation.token = token
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, firm_id: int, invitation_id: int) -> Invitation:
    """Withdraw an invitation that has not been accepted. Revoking twice changes nothing."""
    invitation = lock(Invitation.objects.filter(firm_id=firm_id), invitation_id)
    firm = lock(Firm.objects, firm_id)
    _require(actor, firm, MANAGE_MEMBERS)
    if invitation.accepted_at is not None:
        raise TransitionNotPossible(
            _("%(email)s has already accepted this invitation; change or remove their membership instead.")
            % {"email": invitation.email}
        )
    if invitation.revoked_at is not None:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        actor=actor,
        action="invitation.revoke",
        obj=invitation,
        details={"email": invitation.email, "role": invitation.role},
    )
    return invitation


def invitation_problem(invitation: Invitation | None, user) -> str:
    """'' when `user` may accept `invitation` now, else the sentence saying why not."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link from the email.")
    if invitation.revoked_at is not None:
        return _("%(firm)s withdrew this invitation. Ask them to invite you again if you need access.") % {
            "firm": invitation.firm.legal_name
        }
    if invitation.accepted_at is not None:
        return _("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation expired on %(date)s. Ask %(firm)s to send you a new one.") % {
            "date": long_date(invitation.expires_at),
            "firm": invitation.firm.legal_name,
        }
    if user is None or not user.is_authenticated:
        return _("Sign in to accept this invitation.")
    if user.is_regulator_staff:
        return _("Regulator staff accounts cannot act for a firm.")
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        return _(
            "This invitation was sent to %(email)s, but you are signed in as %(me)s. "
            "Sign in with the address it was sent to (and verify it) to accept it."
        ) % {"email": invitation.email, "me": user.email}
    return ""


@transaction.atomic
def invitation_accept(*, actor, token: str) -> FirmMembership:
    """The signed-in person whose verified email the invitation was sent to joins the firm
    with the invited role (a former member is reactivated)."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("firm")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise NotFound(invitation_problem(None, actor))
    if invitation.accepted_at is not None and invitation.accepted_by_id == getattr(actor, "pk", None):
        membership = FirmMembership.objects.filter(
            firm_id=invitation.firm_id, user=actor, is_active=True
        ).first()
        if membership is not None:
            return membership  # a second click on "Accept"
    problem = invitation_problem(invitation, actor)
    if problem:
        if invitation.revoked_at or invitation.accepted_at or invitation.expires_at <= timezone.now():
            raise TransitionNotPossible(problem)
        raise NotPermitted(problem)
    lock(Firm.objects, invitation.firm_id)
    membership = (
        FirmMembership.objects.select_for_update().filter(firm_id=invitation.firm_id, user=actor).first()
    )
    if membership is not None and membership.is_active:
        raise RuleBroken(
            _("You already act for %(firm)s, as %(role)s.")
            % {"firm": invitation.firm.legal_name, "role": membership.get_role_display()}
        )
    reactivated = membership is not None
    if membership is None:
        membership = FirmMembership.objects.create(
            firm_id=invitation.firm_id, user=actor, role=invitation.role
        )
    else:
        membership.role = invitation.role
        membership.is_active = True
        membership.save(update_fields=["role", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _forget_role(actor, invitation.firm_id)
    record(
        actor=actor,
        action="invitation.accept",
        obj=invitation,
        to_state=invitation.role,
        details={"email": invitation.email, "membership": membership.pk, "reactivated": reactivated},
    )
    return membership


# --- memberships --------------------------------------------------------------------------


def _lock_membership(firm_id: int, membership_id: int) -> tuple[FirmMembership, Firm]:
    # No select_related here: FOR UPDATE would lock the joined user row too, and the audit
    # insert of another transaction (which references its actor's user row) would deadlock.
    membership = lock(FirmMembership.objects.filter(firm_id=firm_id, is_active=True), membership_id)
    firm = lock(Firm.objects, firm_id)
    return membership, firm


def _refuse_if_last_principal(membership: FirmMembership, *, removing: bool) -> None:
    if membership.role != FirmRole.PRINCIPAL:
        return
    others = (
        FirmMembership.objects.filter(firm_id=membership.firm_id, role=FirmRole.PRINCIPAL, is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )
    if others:
        return
    values = {"person": membership.user.get_full_name()}
    if removing:
        message = _(
            "%(person)s is the firm's only principal and cannot be removed: a firm must always "
            "have at least one principal. Make someone else a principal first."
        )
    else:
        message = _(
            "%(person)s is the firm's only principal, so their role cannot change: a firm must "
            "always have at least one principal. Make someone else a principal first."
        )
    raise RuleBroken(message % values)


@transaction.atomic
def membership_change_role(*, actor, firm_id: int, membership_id: int, role: str) -> FirmMembership:
    membership, firm = _lock_membership(firm_id, membership_id)
    _require(actor, firm, MANAGE_MEMBERS)
    if role not in FirmRole.values:
        raise RuleBroken(_("Choose a role."), field_errors={"role": [_("Choose a role.")]})
    before = membership.role
    if before == role:
        return membership
    if role != FirmRole.PRINCIPAL:
        _refuse_if_last_principal(membership, removing=False)
    membership.role = role
    membership.save(update_fields=["role"])
    _forget_role(membership.user, firm.pk)
    _forget_role(actor, firm.pk)
    record(
        actor=actor,
        action="membership.change_role",
        obj=membership,
        from_state=before,
        to_state=role,
        details={"person": membership.user.email},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, firm_id: int, membership_id: int, reason: str = "") -> FirmMembership:
    """Take a person off the firm. The membership is deactivated, never deleted: the record
    of who acted for the firm stays."""
    membership, firm = _lock_membership(firm_id, membership_id)
    _require(actor, firm, MANAGE_MEMBERS)
    _refuse_if_last_principal(membership, removing=True)
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    _forget_role(membership.user, firm.pk)
    _forget_role(actor, firm.pk)
    record(
        actor=actor,
        action="membership.remove",
        obj=membership,
        from_state=membership.role,
        reason=(reason or "").strip(),
        details={"person": membership.user.email},
    )
    return membership
