"""Changelist filters that need a rule, not just a column."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from licensing.models import InformationRequest, InformationRequestStatus
from portal.dates import local_today


class OverdueFilter(admin.SimpleListFilter):
    """Information requests still open after their due date.

    `key` is what an overdue request contributes to the changelist's ids: its own pk on
    the requests' changelist, its application's on the applications' changelist.
    """

    title = _("overdue")
    parameter_name = "overdue"
    key = "pk"

    def lookups(self, request, model_admin):
        return (("yes", _("Overdue")), ("no", _("Not overdue")))

    def overdue_ids(self):
        return InformationRequest.objects.filter(
            status=InformationRequestStatus.OPEN, due_on__lt=local_today()
        ).values(self.key)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=self.overdue_ids())
        if self.value() == "no":
            return queryset.exclude(pk__in=self.overdue_ids())
        return queryset


class ApplicationOverdueFilter(OverdueFilter):
    title = _("information request overdue")
    key = "application"
