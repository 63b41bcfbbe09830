from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.models import FirmStage

from .queries import activity_choices


class RegisterSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, trading name, reference number or LEI"), required=False, max_length=200
    )
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    activity = forms.ChoiceField(label=_("Permitted activity"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("Any stage")), *FirmStage.choices]
        self.fields["activity"].choices = [("", _("Any activity")), *activity_choices()]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"q": "", "stage": "", "activity": ""}
        return {k: self.cleaned_data.get(k) or "" for k in ("q", "stage", "activity")}
