"""The audit trail in the admin: read by those allowed to, changed by nobody."""

import json

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "seq",
        "created_at",
        "action",
        "object_repr",
        "from_state",
        "to_state",
        "actor_label",
        "firm",
    )
    list_filter = (
        "action",
        ("firm", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("firm",)
    search_fields = ("object_repr", "actor_label", "action", "reason", "=object_id", "^hash")
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("seq", "created_at", "action", "from_state", "to_state", "reason")}),
        (
            _("Who and what"),
            {"fields": ("actor", "actor_label", "ip_address", "firm", "object_type", "object_link")},
        ),
        (_("Details"), {"fields": ("details_json",)}),
        (_("Hash chain"), {"fields": ("prev_hash", "hash")}),
    )
    readonly_fields = (
        "seq",
        "created_at",
        "action",
        "from_state",
        "to_state",
        "reason",
        "actor",
        "actor_label",
        "ip_address",
        "firm",
        "object_type",
        "object_link",
        "details_json",
        "prev_hash",
        "hash",
    )

    # Append-only: viewing needs audit.view_auditevent (the default check); nobody adds,
    # changes or deletes a row here, which also removes "delete selected".
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("object"))
    def object_link(self, obj):
        if not obj.object_type:
            return obj.object_repr
        app_label, _dot, model_name = obj.object_type.partition(".")
        try:
            url = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.object_id])
        except NoReverseMatch:
            return f"{obj.object_repr} ({obj.object_type} {obj.object_id})"
        return format_html('<a href="{}">{}</a>', url, obj.object_repr)

    @admin.display(description=_("details"))
    def details_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.details, indent=2, ensure_ascii=False))
