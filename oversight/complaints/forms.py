from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from oversight.complaints.models import ComplaintAction, ComplaintCategory, ComplaintOutcome


class ComplaintForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is wrong?"), choices=ComplaintCategory.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("Describe the problem"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )
    contact = forms.CharField(
        label=_("Your e-mail or phone (optional)"),
        max_length=200,
        required=False,
        help_text=_("Give an e-mail address to be told the outcome."),
    )
    attachment = forms.FileField(
        label=_("A photo or document (optional)"),
        required=False,
        help_text=_("PDF, PNG, JPEG, XLSX, DOCX or CSV."),
    )


class AssignForm(forms.Form):
    handler: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Handler"), queryset=None
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        handler_field = cast(forms.ModelChoiceField, self.fields["handler"])
        handler_field.queryset = candidates


class StepForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Reasons"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput, initial="decide")
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ComplaintOutcome.choices, widget=forms.RadioSelect
    )
    actions = forms.MultipleChoiceField(
        label=_("Actions (founded only)"),
        required=False,
        choices=ComplaintAction.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    finding = forms.CharField(
        label=_("Finding against the body"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    comment = forms.CharField(
        label=_("Reasons for the decision"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
