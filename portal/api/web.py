"""The firm's API tokens page: the principal creates (the key is shown once) and revokes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from licensing.models import FirmRole
from licensing.web.firm_context import require_membership
from licensing.web.forms_firm import add_domain_error
from portal.errors import DomainError

from .models import ApiToken
from .services import api_token_create, api_token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What the token is for"),
        max_length=100,
        help_text=gettext_lazy("For example: compliance reporting system."),
    )


def _page(request, membership, form=None, new_key=None, status=200):
    tokens = ApiToken.objects.filter(firm_id=membership.firm_id).select_related("created_by", "revoked_by")
    context = {
        "firm": membership.firm,
        "is_principal": membership.role == FirmRole.PRINCIPAL,
        "tokens": tokens,
        "form": form or TokenForm(),
        "new_key": new_key,
    }
    return render(request, "api/tokens.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def firm_api_tokens(request):
    membership = require_membership(request)
    if request.method == "GET":
        return _page(request, membership)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, key = api_token_create(
                actor=request.user, firm_id=membership.firm_id, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            add_domain_error(form, error)
            return _page(request, membership, form, status=403 if error.status_code == 403 else 200)
        # Rendered, not redirected: the key exists only in this response.
        return _page(request, membership, new_key=key)
    return _page(request, membership, form)


@login_required
@require_POST
def firm_api_token_revoke(request, pk):
    membership = require_membership(request)
    try:
        token = api_token_revoke(actor=request.user, firm_id=membership.firm_id, token_id=pk)
    except DomainError as error:
        if error.status_code == 404:
            raise Http404 from error
        messages.error(request, error.detail)
    else:
        messages.success(
            request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name}
        )
    return redirect("firm_api_tokens")
