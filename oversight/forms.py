"""Forms of the regulator's oversight pages: sampling draws, re-inspections, the blacklist."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.roles import OrganisationKind
from oversight.models import (
    LabelOrderKind,
    ReinspectionAction,
    ReinspectionOutcome,
    SamplingStratum,
)


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SamplingDrawForm(forms.Form):
    seed = forms.CharField(label=_("Published seed"), max_length=200)
    size = forms.IntegerField(label=_("Certificates to draw"), min_value=1, max_value=10_000)
    stratify_by = forms.ChoiceField(
        label=_("Stratify by"), choices=SamplingStratum.choices, required=False
    )


class ReinspectionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[c for c in ReinspectionOutcome.choices if c[0]]
    )
    action = forms.ChoiceField(
        label=_("Action if nonconforming"), choices=ReinspectionAction.choices, required=False
    )
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 6}))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class BlacklistEntryForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Body or enterprise"),
        required=False,
        queryset=Organisation.objects.filter(
            kind__in=[OrganisationKind.CERTIFICATION_BODY, OrganisationKind.ENTERPRISE]
        ),
    )
    person = forms.CharField(label=_("Or a person (user name)"), required=False, max_length=150)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}))
    source_document = forms.CharField(label=_("Decision (document number)"), max_length=300)
    effective_from = forms.DateField(label=_("Listed from"), widget=date_input())
    effective_to = forms.DateField(label=_("Listed until"), required=False, widget=date_input())
    documents = MultipleFileField(label=_("Documents"), required=False)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        username = (data.get("person") or "").strip()
        data["person"] = None
        if username:
            data["person"] = User.objects.filter(username=username).first()
            if data["person"] is None:
                self.add_error("person", _("No person has this user name."))
        if bool(data.get("organisation")) == bool(username):
            raise forms.ValidationError(_("Name exactly one organisation or one person."))
        return data


class DelistForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for delisting"), widget=forms.Textarea(attrs={"rows": 2})
    )


class LabelOrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("Order"), choices=LabelOrderKind.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    certification_body = forms.ModelChoiceField(
        label=_("New certification body"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        certification_body_field = cast(forms.ModelChoiceField, self.fields["certification_body"])
        certification_body_field.queryset = bodies
