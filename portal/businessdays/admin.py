"""Administrators correct the public-holiday calendar here (moon-sighted holidays move)."""

import holidays as holiday_calendars
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from licensing.admin.base import ChangedFieldsOnlyMixin
from portal.audit.chain import record
from portal.businessdays.models import Holiday


@admin.register(Holiday)
class HolidayAdmin(ChangedFieldsOnlyMixin, admin.ModelAdmin):
    list_display = ("date", "name", "is_working_day", "built_in")
    list_filter = ("is_working_day",)
    search_fields = ("name", "note")
    date_hierarchy = "date"
    fields = ("date", "name", "is_working_day", "note", "updated_at")
    readonly_fields = ("updated_at",)

    @admin.display(description=_("built-in calendar says"))
    def built_in(self, obj):
        country = settings.PORTAL_HOLIDAY_COUNTRY
        if not country:
            return "—"
        names = holiday_calendars.country_holidays(country, years=obj.date.year)
        return names.get(obj.date) or _("a normal day")

    def delete_model(self, request, obj):
        record(actor=request.user, action="holiday.admin_delete", obj=obj, details={"date": obj.date})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
