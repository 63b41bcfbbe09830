"""People in the admin. Everyone signs in with an email address; there is no username."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User


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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
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
