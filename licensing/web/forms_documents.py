"""Forms of the documents and casework pages. They check shape only; the rules (who may,
in which state, which files are accepted) live in the service functions, whose errors the
views put next to the right field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.models import DocumentType
from licensing.uploads import ACCEPT_ATTRIBUTE

FILE_HINT = _("A PDF, PNG, JPEG, DOCX or XLSX file, up to %(limit)s.")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _application_type_choices():
    # "Response" documents belong to information requests, not to the documents section.
    return [("", _("Choose a type"))] + [
        (value, label) for value, label in DocumentType.choices if value != DocumentType.RESPONSE
    ]


class DocumentUploadForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("Type of document"), choices=_application_type_choices)
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,  # licensing.uploads refuses it, naming the file
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        error_messages={"required": _("Choose a file to upload.")},
    )
    replaces = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, limit_label="", replacing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = FILE_HINT % {"limit": limit_label}
        self.replacing = replacing
        if replacing is not None:
            # A new version keeps the type of the document it replaces.
            self.fields["doc_type"].widget = forms.HiddenInput()
            self.fields["doc_type"].initial = replacing.doc_type
            self.fields["replaces"].initial = replacing.pk


class InformationRequestAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Your answer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Answer each item. Say which attached document answers which item."),
        error_messages={"required": _("Write your answer.")},
    )
    files = MultipleFileField(
        label=_("Documents"),
        required=False,
        allow_empty_file=True,  # licensing.uploads refuses it, naming the file
    )
    doc_type = forms.ChoiceField(
        label=_("Type of the attached documents"),
        choices=DocumentType.choices,
        initial=DocumentType.RESPONSE,
    )

    def __init__(self, *args, limit_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _(
            "You can choose several files. Each must be a PDF, PNG, JPEG, DOCX or XLSX file, up to %(limit)s."
        ) % {"limit": limit_label}

    def clean_response(self):
        response = self.cleaned_data["response"].strip()
        if not response:
            raise forms.ValidationError(_("Write your answer."))
        return response


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The regulator will see this."),
    )
