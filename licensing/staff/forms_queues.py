"""Forms of the work queues: the GET filter form, and assigning a case. They check shape
only; who may assign what is decided by licensing.staff.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.models import ApplicationKind, ApplicationStatus, FirmStage
from licensing.staff.queries import DEFAULT_SORT, Filters
from licensing.staff.services import UNCHECKED

SORT_LABELS = {
    "submitted": _("Submitted (oldest first)"),
    "-submitted": _("Submitted (newest first)"),
    "status_changed": _("Status changed (longest ago first)"),
    "-status_changed": _("Status changed (most recent first)"),
    "firm": _("Firm (A to Z)"),
    "-firm": _("Firm (Z to A)"),
}


def _any(label):
    return [("", label)]


class QueueFilterForm(forms.Form):
    """Every field optional; a value that is not one of the choices is ignored."""

    queue = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Firm or trading name, reference or LEI"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_any(_("Any kind")) + ApplicationKind.choices
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_any(_("Any status"))
        + [(value, label) for value, label in ApplicationStatus.choices if value != ApplicationStatus.DRAFT],
    )
    stage = forms.ChoiceField(
        label=_("Firm's stage"), required=False, choices=_any(_("Any stage")) + FirmStage.choices
    )
    officer = forms.ChoiceField(label=_("Case officer"), required=False)
    activity = forms.ChoiceField(label=_("Proposed activity"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=list(SORT_LABELS.items()))

    FILTER_FIELDS = ("q", "kind", "status", "stage", "officer", "activity", "sort")

    def __init__(self, data=None, *, officers=(), activities=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["officer"].choices = (
            _any(_("Anyone"))
            + [("none", _("No officer"))]
            + [(str(officer.pk), str(officer)) for officer in officers]
        )
        self.fields["activity"].choices = _any(_("Any activity")) + list(activities)

    def filters(self) -> Filters:
        """The valid values, with defaults for anything missing or invalid."""
        if not self.is_bound:
            return Filters()
        self.is_valid()
        values = {name: self.cleaned_data.get(name) or "" for name in self.FILTER_FIELDS}
        values["sort"] = values["sort"] or DEFAULT_SORT
        return Filters(**values)


class AssignForm(forms.Form):
    ASSIGN = "assign"
    UNASSIGN = "unassign"

    action = forms.ChoiceField(
        choices=[(ASSIGN, _("Assign")), (UNASSIGN, _("Unassign"))], widget=forms.HiddenInput, initial=ASSIGN
    )
    officer = forms.IntegerField(label=_("Case officer"), required=False, widget=forms.Select)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when the case already has an officer. Kept in the case's history."),
    )
    expected_officer = forms.CharField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data=None, *, officers=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["officer"].widget.choices = [("", _("Choose a case officer"))] + [
            (officer.pk, str(officer)) for officer in officers
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.ASSIGN and not cleaned.get("officer"):
            self.add_error("officer", _("Choose a case officer."))
        return cleaned

    def expected_officer_id(self):
        """The holder the page showed: an id, None for nobody, UNCHECKED when not said."""
        value = self.cleaned_data.get("expected_officer") or ""
        if value == "none":
            return None
        return int(value) if value.isdigit() else UNCHECKED
