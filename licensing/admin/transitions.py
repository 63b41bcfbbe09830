"""State transitions in the admin, declared once and served by one view.

A ModelAdmin lists its transitions as `Transition` records. `TransitionAdminMixin` turns
each into a button on the change page and, unless it is a decision, an action on the
changelist; both lead to the same confirmation page, whose small form collects the reason
and whatever else the service needs, then calls the service function the rest of the
portal calls. The admin never calls a model's transition method and never writes a state
field itself.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.accounts.reauth import require_recent_authentication
from portal.errors import DomainError
from portal.transitions import unmet_conditions, why_not

# At most this many records in one bulk transition (the ids travel in the query string).
BULK_LIMIT = 100


@dataclass(frozen=True)
class Transition:
    """One action an administrator may take from the admin.

    `name` is the URL segment and, unless `guard` names another one, the model's
    django-fsm transition that decides when the action applies and who may take it.
    `service` is called as `service(actor=user, <id_kwarg>=obj.pk, **to_kwargs(cleaned_data))`.
    """

    name: str
    label: str
    service: Callable
    form_class: type[forms.Form]
    guard: str = ""
    to_kwargs: Callable[[dict], dict] = dict
    # A decision: needs a sign-in or re-authentication within PORTAL_STAFF_REAUTH_MINUTES, and
    # is taken one object at a time (its own reason each), never as a changelist bulk action.
    decision: bool = False

    @property
    def bulk(self) -> bool:
        """Whether the changelist offers it for several objects at once with one form."""
        return not self.decision

    def fsm_method(self, obj):
        return getattr(obj, self.guard or self.name)

    def applies_to(self, obj) -> bool:
        """Whether the object's current state is among the transition's sources."""
        meta = self.fsm_method(obj)._django_fsm
        return meta.has_transition(meta.field.get_state(obj))

    def availability(self, obj, user) -> tuple[bool, str]:
        """(allowed, reason) for `user` taking this action on `obj` now."""
        method = self.fsm_method(obj)
        if not self.applies_to(obj):
            return False, _("Not possible while it is “%(state)s”.") % {"state": state_label(obj, self)}
        allowed, reason = why_not(method, user)
        if not allowed:
            return False, str(reason)
        unmet = unmet_conditions(obj, method)
        if unmet:
            return False, " ".join(unmet)
        return True, ""

    def state_field(self, obj) -> str:
        return self.fsm_method(obj)._django_fsm.field.name

    def run(self, obj, *, actor, id_kwarg: str, data: dict):
        return self.service(actor=actor, **{id_kwarg: obj.pk}, **self.to_kwargs(data))


def state_label(obj, transition: Transition) -> str:
    return str(getattr(obj, f"get_{transition.state_field(obj)}_display")())


class TransitionAdminMixin:
    """Mix into a ModelAdmin; set `transitions` and `transition_id_kwarg`."""

    transitions: tuple[Transition, ...] = ()
    transition_id_kwarg = ""  # the service's keyword for the object's id, e.g. "firm_id"
    transition_template = "admin/transitions/form.html"
    change_form_template = "admin/transitions/change_form.html"

    # --- URLs, buttons and actions.

    def _url_name(self, suffix: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{suffix}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "transition/<slug:name>/",
                wrap(self.bulk_transition_view),
                name=self._url_name("bulk_transition"),
            ),
            path(
                "<path:object_id>/transition/<slug:name>/",
                wrap(self.transition_view),
                name=self._url_name("transition"),
            ),
            *super().get_urls(),
        ]

    def _reverse(self, suffix: str, **kwargs) -> str:
        return reverse(f"admin:{self._url_name(suffix)}", kwargs=kwargs, current_app=self.admin_site.name)

    def get_transition(self, name: str) -> Transition:
        for transition in self.transitions:
            if transition.name == name:
                return transition
        raise Http404(_("No such action."))

    def transition_buttons(self, request, obj) -> list[dict]:
        """The transitions whose source includes the current state, each with why not."""
        buttons = []
        for transition in self.transitions:
            if not transition.applies_to(obj):
                continue
            allowed, reason = transition.availability(obj, request.user)
            buttons.append(
                {
                    "name": transition.name,
                    "label": transition.label,
                    "allowed": allowed,
                    "reason": reason,
                    "url": self._reverse("transition", object_id=quote(obj.pk), name=transition.name),
                }
            )
        return buttons

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            context["transition_buttons"] = self.transition_buttons(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is None or IS_POPUP_VAR in request.GET:
            return actions
        for transition in self.transitions:
            if not transition.bulk:
                continue
            name = f"transition_{transition.name}"
            actions[name] = (self._bulk_action(transition), name, transition.label)
        return actions

    def _bulk_action(self, transition: Transition):
        def action(modeladmin, request, queryset):
            ids = list(queryset.values_list("pk", flat=True)[: BULK_LIMIT + 1])
            if len(ids) > BULK_LIMIT:
                messages.error(
                    request, _("Choose at most %(limit)d records for one action.") % {"limit": BULK_LIMIT}
                )
                return None
            query = urlencode({"ids": ",".join(str(pk) for pk in ids)})
            return HttpResponseRedirect(f"{self._reverse('bulk_transition', name=transition.name)}?{query}")

        action.__name__ = f"transition_{transition.name}"
        return action

    # --- The views: one object from its change page, several from the changelist.

    def _require_view(self, request, obj=None):
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied

    @method_decorator(require_http_methods(["GET", "POST"]))
    def transition_view(self, request, object_id, name):
        transition = self.get_transition(name)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        self._require_view(request, obj)
        done_url = self._reverse("change", object_id=quote(obj.pk))
        return self._transition_page(request, transition, [obj], done_url=done_url, single=True)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def bulk_transition_view(self, request, name):
        transition = self.get_transition(name)
        if not transition.bulk:
            raise Http404(_("This action is taken on one record at a time, from its page."))
        self._require_view(request)
        ids = [pk for pk in request.GET.get("ids", "").split(",") if pk.strip()]
        done_url = self._reverse("changelist")
        try:
            objs = list(self.get_queryset(request).filter(pk__in=ids)[:BULK_LIMIT]) if ids else []
        except (ValueError, TypeError):
            objs = []
        if not objs:
            messages.warning(request, _("Choose at least one record for this action."))
            return HttpResponseRedirect(done_url)
        return self._transition_page(request, transition, objs, done_url=done_url, single=False)

    def _transition_page(self, request, transition, objs, *, done_url, single):
        status = 200
        if request.method == "POST" and transition.decision:
            require_recent_authentication(request)  # allauth asks, then replays this POST
        if request.method == "POST":
            form = transition.form_class(request.POST)
            if form.is_valid():
                succeeded, failures = self._take(request, transition, objs, form, single=single)
                if not failures or (succeeded and not single):
                    return HttpResponseRedirect(done_url)
                status = failures[0].status_code
        else:
            form = transition.form_class()
        rows = []
        for obj in objs:
            allowed, reason = transition.availability(obj, request.user)
            rows.append(
                {"object": obj, "state": state_label(obj, transition), "allowed": allowed, "reason": reason}
            )
        context = {
            **self.admin_site.each_context(request),
            "title": transition.label,
            "opts": self.opts,
            "transition": transition,
            "form": form,
            "rows": rows,
            "original": objs[0] if single else None,
            "cancel_url": done_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, self.transition_template, context, status=status)

    def _take(self, request, transition, objs, form, *, single):
        """Call the service for each object; report each outcome as a message."""
        succeeded, failures = [], []
        data = dict(form.cleaned_data)  # showing a field error below removes it from cleaned_data
        for obj in objs:
            try:
                transition.run(obj, actor=request.user, id_kwarg=self.transition_id_kwarg, data=data)
            except DomainError as exc:
                detail = (
                    exc.detail
                    if single
                    else _("%(object)s: %(detail)s") % {"object": obj, "detail": exc.detail}
                )
                messages.error(request, detail)
                if not failures:
                    _show_field_errors(form, exc)
                failures.append(exc)
                continue
            fresh = self.model._default_manager.get(pk=obj.pk)
            succeeded.append(fresh)
            messages.success(
                request,
                _("%(object)s: “%(action)s” done; %(field)s is now “%(state)s”.")
                % {
                    "object": fresh,
                    "action": transition.label,
                    "field": fresh._meta.get_field(transition.state_field(fresh)).verbose_name,
                    "state": state_label(fresh, transition),
                },
            )
        return succeeded, failures


def _show_field_errors(form, exc: DomainError) -> None:
    """Put the service's field errors next to the fields they name (others are in the message)."""
    for field_name, errors in exc.field_errors.items():
        if field_name in form.fields and field_name not in form.errors:
            form.add_error(field_name, [str(e) for e in errors])
