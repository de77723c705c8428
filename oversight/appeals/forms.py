from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class AppealForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision appealed"))
    reasons = forms.CharField(
        label=_("Reasons for the appeal"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(
        label=_("Supporting documents (optional)"),
        required=False,
        help_text=_("PDF, PNG, JPEG, XLSX, DOCX or CSV."),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        decision_field = cast(forms.ChoiceField, self.fields["decision"])
        decision_field.choices = choices


class AppealStepForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
