"""What the admin classes of case records share: never deleted, and mostly read-only."""

from django.contrib import admin

from portal.audit.chain import record


def model_field_names(model) -> list[str]:
    """Every field a person would want to see, in declaration order (not the id)."""
    opts = model._meta
    return [f.name for f in (*opts.fields, *opts.many_to_many) if not f.primary_key]


class NeverDeleteMixin:
    """Records kept for the retention period: the admin never hard-deletes them, which
    also removes the bulk "delete selected" action."""

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin(NeverDeleteMixin):
    """Records only the service layer makes: shown in full, never added or edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return self.fields or model_field_names(self.model)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)


class ReadOnlyTabularInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    show_change_link = True
    list_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)


class ChangedFieldsOnlyMixin:
    """Save only the fields the form changed.

    A plain save() writes every column as it was read, so it could undo a transition
    taken by someone else meanwhile; saving the changed fields alone never touches the
    protected state field.
    """

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            record(
                actor=request.user,
                action=f"{obj._meta.model_name}.admin_create",
                obj=obj,
                details={"fields": sorted(form.changed_data)},
            )
            return
        concrete = {f.name for f in obj._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in concrete]
        if fields:
            auto_now = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
            obj.save(update_fields=[*fields, *auto_now])
        if form.changed_data:
            # The admin's own history is not tamper-evident; the audit chain is.
            record(
                actor=request.user,
                action=f"{obj._meta.model_name}.admin_change",
                obj=obj,
                details={"fields": sorted(form.changed_data)},
            )
