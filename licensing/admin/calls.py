"""Calls for applications (opened by staff here), and the records firms make: documents,
invitations. Documents and invitations are shown, never edited."""

from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from licensing.admin.base import ChangedFieldsOnlyMixin, NeverDeleteMixin, ReadOnlyMixin
from licensing.models import Call, Document, Invitation
from portal.countries import is_country


class CallForm(forms.ModelForm):
    eligible_jurisdictions = forms.CharField(
        label=_("Eligible jurisdictions"),
        required=False,
        help_text=_(
            "Two-letter ISO 3166 codes separated by commas, e.g. AE, GB, SG. "
            "Leave empty to accept a licence from any jurisdiction."
        ),
    )

    class Meta:
        model = Call
        fields = (
            "title",
            "description",
            "kind",
            "eligible_activities",
            "eligible_jurisdictions",
            "opens_at",
            "closes_at",
            "is_published",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["eligible_jurisdictions"] = ", ".join(self.instance.eligible_jurisdictions)

    def clean_eligible_jurisdictions(self):
        raw = self.cleaned_data["eligible_jurisdictions"]
        codes = [c.strip().upper() for c in raw.split(",") if c.strip()]
        bad = [c for c in codes if not is_country(c)]
        if bad:
            raise forms.ValidationError(
                _("Not an ISO 3166 country code: %(codes)s") % {"codes": ", ".join(bad)}
            )
        return sorted(set(codes))


@admin.register(Call)
class CallAdmin(ChangedFieldsOnlyMixin, NeverDeleteMixin, admin.ModelAdmin):
    form = CallForm
    list_display = ("title", "kind", "opens_at", "closes_at", "is_published", "open_now")
    list_filter = ("kind", "is_published")
    search_fields = ("title", "description")
    filter_horizontal = ("eligible_activities",)
    date_hierarchy = "opens_at"

    @admin.display(boolean=True, description=_("open now"))
    def open_now(self, obj):
        return obj.is_published and obj.opens_at <= timezone.now() < obj.closes_at


@admin.register(Document)
class DocumentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "original_name",
        "doc_type",
        "version",
        "firm",
        "application",
        "size",
        "uploaded_by",
        "uploaded_at",
        "download",
    )
    list_filter = ("doc_type", ("firm", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("firm", "application__firm", "uploaded_by")
    search_fields = ("original_name", "sha256", "firm__legal_name", "application__reference")
    fields = (
        "firm",
        "application",
        "information_request",
        "doc_type",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "version",
        "supersedes",
        "uploaded_by",
        "uploaded_at",
    )

    @admin.display(description=_("file"))
    def download(self, obj):
        try:
            url = reverse("document_download", args=[obj.pk])
        except NoReverseMatch:
            return "—"
        return format_html('<a href="{}">{}</a>', url, _("Download"))


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "email",
        "firm",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    list_select_related = ("firm", "invited_by")
    search_fields = ("email", "firm__legal_name")
    fields = (
        "firm",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )
