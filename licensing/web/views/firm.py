"""The firm's own pages: dashboard, registration, profile and licences held elsewhere, people
and invitations, activity, and switching between firms.

Every page that shows firm data takes the firm from `require_membership(request)` (404 for
anyone without a current firm) and fetches rows only through that firm. Changes go through
licensing.services.firm_admin; a DomainError comes back as a form error or a message.
"""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from licensing import activity
from licensing.models import (
    ApplicationStatus,
    Call,
    Firm,
    FirmMembership,
    FirmRole,
    ForeignLicence,
    Invitation,
)
from licensing.models.applications import REQUIRED_SECTIONS
from licensing.permissions import EDIT, MANAGE_MEMBERS, MANAGE_PROFILE, can_for_firm
from licensing.services import firm_admin
from licensing.web import firm_context
from licensing.web.firm_context import current_membership, require_membership
from licensing.web.forms_firm import (
    FirmRegistrationForm,
    ForeignLicenceForm,
    InvitationForm,
    ProfileEditForm,
    RemoveMemberForm,
    RoleForm,
    add_domain_error,
)
from portal.errors import DomainError

# Applications that no longer count as "the firm's application under this call".
CLOSED_APPLICATION_STATUSES = {
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.REFUSED,
    ApplicationStatus.LAPSED,
}

ACTIVITY_PAGE_SIZE = 50


def _application_link(pk) -> str:
    try:
        return reverse("application_detail", args=[pk])
    except NoReverseMatch:  # the application pages are not wired in (yet)
        return ""


# --- dashboard ----------------------------------------------------------------------------


def _verified_emails(user) -> list[str]:
    return list(EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True))


@login_required
def dashboard(request):
    membership = current_membership(request)
    if membership is None:
        invitations = (
            Invitation.objects.pending()
            .filter(email__in=[e.lower() for e in _verified_emails(request.user)])
            .select_related("firm", "invited_by")
        )
        return render(request, "applicant/firm/no_firm.html", {"invitations": invitations})

    firm = membership.firm
    applications = list(firm.applications.select_related("call").order_by("-created_at", "-pk"))
    for app in applications:
        app.sections_total = len(REQUIRED_SECTIONS[app.kind])
        app.sections_done = app.sections_total - len(app.incomplete_sections())
    by_call = {
        app.call_id: app
        for app in reversed(applications)
        if app.call_id and app.status not in CLOSED_APPLICATION_STATUSES
    }
    eligible_calls, other_calls = [], []
    for call in Call.objects.open_now().prefetch_related("eligible_activities").order_by("closes_at"):
        call.existing_application = by_call.get(call.pk)
        call.eligible, call.reason = call.eligibility(firm)
        (eligible_calls if call.eligible else other_calls).append(call)
    return render(
        request,
        "applicant/firm/dashboard.html",
        {
            "firm": firm,
            "membership": membership,
            "not_permitted": not firm.may_operate,
            "applications": applications,
            "eligible_calls": eligible_calls,
            "other_calls": other_calls,
            # A licence application in progress (a draft or under review) is continued,
            # not started again.
            "licence_application": next(
                (
                    app
                    for app in applications
                    if app.kind == "licence" and app.status not in ("withdrawn", "refused", "lapsed")
                ),
                None,
            ),
        },
    )


# --- registering a firm, switching ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def firm_register(request):
    form = FirmRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            firm = firm_admin.firm_register(actor=request.user, **form.service_kwargs())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            request.__dict__.pop("_portal_memberships", None)
            firm_context.set_current_firm(request, firm.pk)
            messages.success(
                request,
                _("%(firm)s is registered, and you are its principal.") % {"firm": firm.legal_name},
            )
            return redirect("dashboard")
    return render(request, "applicant/firm/register.html", {"form": form})


@login_required
@require_POST
def firm_switch(request):
    try:
        firm_id = int(request.POST.get("firm", ""))
    except ValueError:
        raise Http404 from None
    membership = firm_context.set_current_firm(request, firm_id)
    messages.info(request, _("You are now acting for %(firm)s.") % {"firm": membership.firm.legal_name})
    return redirect("dashboard")


# --- profile and licences held elsewhere ---------------------------------------------------


@login_required
def firm_profile(request):
    membership = require_membership(request)
    firm = membership.firm
    can_edit, why_not = can_for_firm(request.user, firm, EDIT)
    can_edit_profile, why_not_profile = can_for_firm(request.user, firm, MANAGE_PROFILE)
    return render(
        request,
        "applicant/firm/profile.html",
        {
            "firm": firm,
            "licences": ForeignLicence.objects.filter(firm=firm),
            "can_edit": can_edit,
            "why_not": why_not,
            "can_edit_profile": can_edit_profile,
            "why_not_profile": why_not_profile,
            "identity_locked": firm.identity_is_locked,
            "not_permitted": not firm.may_operate,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_profile_edit(request):
    membership = require_membership(request)
    can_edit, why_not = can_for_firm(request.user, membership.firm, MANAGE_PROFILE)
    if not can_edit:
        messages.error(request, why_not)
        return redirect("firm_profile")
    # A fresh copy: a form that fails must not change the firm the rest of the page shows.
    instance = Firm.objects.get(pk=membership.firm_id)
    form = ProfileEditForm(
        request.POST or None, instance=instance, editable=firm_admin.editable_profile_fields(instance)
    )
    if request.method == "POST" and form.is_valid():
        try:
            firm_admin.firm_update_profile(
                actor=request.user, firm_id=membership.firm_id, **form.service_kwargs()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("The firm's profile is saved."))
            return redirect("firm_profile")
    return render(
        request,
        "applicant/firm/profile_edit.html",
        {"form": form, "firm": membership.firm, "identity_locked": membership.firm.identity_is_locked},
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_licence_add(request):
    membership = require_membership(request)
    can_edit, why_not = can_for_firm(request.user, membership.firm, EDIT)
    if not can_edit:
        messages.error(request, why_not)
        return redirect("firm_profile")
    form = ForeignLicenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            licence = firm_admin.foreign_licence_add(
                actor=request.user, firm_id=membership.firm_id, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Added: %(regulator)s licence %(number)s.")
                % {"regulator": licence.regulator, "number": licence.licence_number},
            )
            return redirect("firm_profile")
    return render(request, "applicant/firm/licence_add.html", {"form": form, "firm": membership.firm})


@login_required
@require_POST
def firm_licence_remove(request, pk):
    membership = require_membership(request)
    licence = get_object_or_404(ForeignLicence, pk=pk, firm_id=membership.firm_id)
    try:
        firm_admin.foreign_licence_remove(
            actor=request.user, firm_id=membership.firm_id, licence_id=licence.pk
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("Removed: %(regulator)s licence %(number)s.")
            % {"regulator": licence.regulator, "number": licence.licence_number},
        )
    return redirect("firm_profile")


# --- people -------------------------------------------------------------------------------


def _people_page(request, membership, *, invite_form=None):
    firm = membership.firm
    can_manage, why_not = can_for_firm(request.user, firm, MANAGE_MEMBERS)
    members = list(
        FirmMembership.objects.filter(firm=firm, is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    principals = sum(1 for m in members if m.role == FirmRole.PRINCIPAL)
    for member in members:
        member.is_last_principal = member.role == FirmRole.PRINCIPAL and principals == 1
        member.role_form = RoleForm(initial={"role": member.role}, prefix=f"m{member.pk}")
    invitations = Invitation.objects.pending().filter(firm=firm).select_related("invited_by")
    return render(
        request,
        "applicant/firm/people.html",
        {
            "firm": firm,
            "members": members,
            "invitations": invitations,
            "can_manage": can_manage,
            "why_not": why_not,
            "form": invite_form if invite_form is not None else (InvitationForm() if can_manage else None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def firm_people(request):
    """The firm's people; a principal invites someone from here (POST)."""
    membership = require_membership(request)
    if request.method == "GET":
        return _people_page(request, membership)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = firm_admin.invitation_create(
                actor=request.user,
                firm_id=membership.firm_id,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                build_link=lambda token: request.build_absolute_uri(
                    reverse("invitation_accept", args=[token])
                ),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("We emailed an invitation to %(email)s. It is valid for 7 days.")
                % {"email": invitation.email},
            )
            return redirect("firm_people")
    return _people_page(request, membership, invite_form=form)


@login_required
@require_POST
def firm_member_role(request, pk):
    membership = require_membership(request)
    member = get_object_or_404(
        FirmMembership.objects.select_related("user"), pk=pk, firm_id=membership.firm_id, is_active=True
    )
    form = RoleForm(request.POST, prefix=f"m{member.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return redirect("firm_people")
    try:
        changed = firm_admin.membership_change_role(
            actor=request.user,
            firm_id=membership.firm_id,
            membership_id=member.pk,
            role=form.cleaned_data["role"],
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("%(person)s is now %(role)s.")
            % {"person": member.user.get_full_name(), "role": changed.get_role_display()},
        )
    return redirect("firm_people")


@login_required
@require_http_methods(["GET", "POST"])
def firm_member_remove(request, pk):
    """GET asks to confirm; POST removes (deactivates) the membership."""
    membership = require_membership(request)
    member = get_object_or_404(
        FirmMembership.objects.select_related("user"), pk=pk, firm_id=membership.firm_id, is_active=True
    )
    form = RemoveMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            firm_admin.membership_remove(
                actor=request.user,
                firm_id=membership.firm_id,
                membership_id=member.pk,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            messages.success(
                request,
                _("%(person)s no longer acts for %(firm)s.")
                % {"person": member.user.get_full_name(), "firm": membership.firm.legal_name},
            )
            if member.user_id == request.user.pk:
                return redirect("dashboard")
        return redirect("firm_people")
    can_manage, why_not = can_for_firm(request.user, membership.firm, MANAGE_MEMBERS)
    return render(
        request,
        "applicant/firm/member_remove.html",
        {
            "member": member,
            "firm": membership.firm,
            "form": form,
            "can_manage": can_manage,
            "why_not": why_not,
        },
    )


@login_required
@require_POST
def firm_invitation_revoke(request, pk):
    membership = require_membership(request)
    invitation = get_object_or_404(Invitation, pk=pk, firm_id=membership.firm_id)
    try:
        firm_admin.invitation_revoke(
            actor=request.user, firm_id=membership.firm_id, invitation_id=invitation.pk
        )
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
    return redirect("firm_people")


# --- invitations, from the invitee's side -------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = (
        Invitation.objects.select_related("firm", "invited_by")
        .filter(token_hash=firm_admin.hash_token(token))
        .first()
    )
    if request.method == "POST":
        try:
            joined = firm_admin.invitation_accept(actor=request.user, token=token)
        except DomainError as error:
            messages.error(request, error.detail)
        else:
            request.__dict__.pop("_portal_memberships", None)
            firm_context.set_current_firm(request, joined.firm_id)
            messages.success(
                request,
                _("You now act for %(firm)s as %(role)s.")
                % {"firm": joined.firm.legal_name, "role": joined.get_role_display()},
            )
            return redirect("dashboard")
    problem = firm_admin.invitation_problem(invitation, request.user)
    status = 404 if invitation is None else 200
    return render(
        request,
        "applicant/firm/invitation.html",
        {"invitation": invitation, "problem": problem},
        status=status,
    )


# --- activity -----------------------------------------------------------------------------


@login_required
def firm_activity(request):
    """Who did what on the firm's record, newest first: only the actions declared visible to
    the firm (licensing.activity). People of the firm are named; regulator staff appear as
    "the regulator", and staff reasons stay internal."""
    membership = require_membership(request)
    firm = membership.firm
    page = Paginator(activity.firm_activity(firm), ACTIVITY_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in activity.describe_for_firm(page.object_list, firm):
        event.link = _application_link(event.application_id) if event.application_id else ""
    return render(request, "applicant/firm/activity.html", {"firm": firm, "page": page})
