"""People in the admin. Everyone signs in with an email address; there is no username.

Roles (groups, staff and superuser status), passwords and second factors are changed only
through the audited services of `portal.accounts.services`, which check that nobody raises
their own access and tell the person and the other administrators. Second-factor secrets
(TOTP seeds, recovery codes) are never shown or edited here: an authenticator can only be
removed, which resets the person's two-factor authentication.
"""

import contextvars

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.accounts import services
from portal.accounts.models import User
from portal.errors import DomainError

# The administrator changing a password: the admin builds the password form without the request.
_actor: contextvars.ContextVar = contextvars.ContextVar("admin_actor", default=None)

ROLE_FIELDS = ("is_staff", "is_superuser", "groups")


class _EmailNormalised:
    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class UserCreationAdminForm(_EmailNormalised, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")
        field_classes = {}


class UserChangeAdminForm(_EmailNormalised, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes = {}

    actor = None  # set by UserAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.actor is None or not self.instance.pk:
            return cleaned
        person = User.objects.get(pk=self.instance.pk)
        current = set(person.groups.all())
        wanted = set(cleaned.get("groups", current)) if "groups" in self.fields else current
        allowed, reason = services.roles_change_allowed(
            self.actor,
            person,
            add_groups=wanted - current,
            remove_groups=current - wanted,
            is_staff=cleaned.get("is_staff") if "is_staff" in self.fields else None,
            is_superuser=cleaned.get("is_superuser") if "is_superuser" in self.fields else None,
        )
        if not allowed:
            raise ValidationError(str(reason))
        return cleaned


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """Saves through `user_password_set`: audited, and the person and administrators told."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return services.user_password_set(actor=_actor.get(), person=self.user, password=password)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    change_password_form = AuditedPasswordChangeForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "manager")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "full_name", "manager", "is_staff", "is_superuser", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    list_select_related = ("manager",)
    search_fields = ("email", "full_name")
    ordering = ("email",)
    autocomplete_fields = ("manager",)
    actions = ["reset_two_factor"]

    def get_readonly_fields(self, request, obj=None):
        # Permissions come with roles (groups, declared in code), never one by one; only a
        # superuser makes a superuser.
        fields = [*super().get_readonly_fields(request, obj), "user_permissions"]
        if not request.user.is_superuser:
            fields.append("is_superuser")
            if obj is not None and obj.pk == request.user.pk:
                fields += ["is_staff", "groups"]  # nobody changes their own roles
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None:
            form = type(form.__name__, (form,), {"actor": request.user})
        return form

    def save_model(self, request, obj, form, change):
        if change:
            stored = User.objects.get(pk=obj.pk)
            request.roles_wanted = {
                name: form.cleaned_data[name] for name in ROLE_FIELDS if name in form.cleaned_data
            }
            obj.is_staff, obj.is_superuser = stored.is_staff, stored.is_superuser  # the service sets them
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not change:
            return super().save_related(request, form, formsets, change)
        wanted = getattr(request, "roles_wanted", {})
        form.cleaned_data.pop("groups", None)  # the service sets them, audited
        super().save_related(request, form, formsets, change)
        services.user_roles_change(
            actor=request.user,
            person=form.instance,
            groups=wanted.get("groups"),
            is_staff=wanted.get("is_staff"),
            is_superuser=wanted.get("is_superuser"),
        )
        return None

    def user_change_password(self, request, id, form_url=""):
        token = _actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _actor.reset(token)

    @admin.action(description=_("Reset two-factor authentication (must set it up again)"))
    def reset_two_factor(self, request, queryset):
        done = 0
        for person in queryset:
            try:
                services.user_mfa_reset(actor=request.user, person=person)
            except DomainError as exc:
                self.message_user(request, f"{person.email}: {exc.detail}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "Two-factor authentication reset for %(count)d person.",
                    "Two-factor authentication reset for %(count)d people.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin):
    """Roles' permission sets are code (portal/accounts/roles.py, re-synced after migrate): an
    administrator who is not a superuser cannot widen a role, their own included."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "permissions"]


if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Which second factors each person has; never their secrets. Removing one resets the
    person's two-factor authentication (all of their authenticators) through the audited service."""

    list_display = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    fields = ("user", "type", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser or request.user.has_perm("accounts.change_user")

    def delete_model(self, request, obj):
        services.user_mfa_reset(actor=request.user, person=obj.user)

    def delete_queryset(self, request, queryset):
        for user in User.objects.filter(pk__in=queryset.values("user")):
            services.user_mfa_reset(actor=request.user, person=user)
