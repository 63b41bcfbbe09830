"""Reference data (activities, counters) and what decisions produce (NOCs, licences)."""

from django.contrib import admin

from licensing.admin.base import ReadOnlyMixin
from licensing.models import Activity, Counter, Licence, Noc


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("name", "name_ur", "code", "aml_registrable", "is_active")
    list_filter = ("aml_registrable", "is_active")
    search_fields = ("code", "name", "name_ur")


@admin.register(Counter)
class CounterAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Gap-free numbering: shown so staff can see the last number drawn, never edited."""

    list_display = ("name", "year", "value")
    list_filter = ("year",)
    search_fields = ("name",)


class _AuthorisationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("number", "firm", "status", "issued_on", "expires_on", "application")
    list_filter = ("status", ("firm", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("firm", "application__firm")
    search_fields = ("number", "firm__legal_name", "firm__reference_number", "application__reference")
    date_hierarchy = "issued_on"


@admin.register(Noc)
class NocAdmin(_AuthorisationAdmin):
    pass


@admin.register(Licence)
class LicenceAdmin(_AuthorisationAdmin):
    pass
