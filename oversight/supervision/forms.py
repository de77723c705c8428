"""Forms of the portal's certificate and surveillance pages."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from audits.models import Severity
from certification.forms import date_input
from oversight.models import ChangeKind, SurveillanceMode


class SurveillancePlanForm(forms.Form):
    planned_date = forms.DateField(label=_("Planned date"), widget=date_input())
    mode = forms.ChoiceField(label=_("Mode"), choices=SurveillanceMode.choices)
    members: "forms.ModelMultipleChoiceField[User]" = forms.ModelMultipleChoiceField(
        label=_("Team members"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    lead: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Team lead"), queryset=None
    )

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        members_field = cast(forms.ModelMultipleChoiceField, self.fields["members"])
        members_field.queryset = reviewers
        lead_field = cast(forms.ModelChoiceField, self.fields["lead"])
        lead_field.queryset = reviewers


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    report = forms.CharField(
        label=_("Surveillance report"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )


class SurveillanceFindingForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    clause = forms.CharField(label=_("Clause"), max_length=100, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(label=_("Answer due"), required=False, widget=date_input())


class FindingAnswerForm(forms.Form):
    response = forms.CharField(
        label=_("Response"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class VoluntarySuspensionForm(forms.Form):
    until = forms.DateField(label=_("Suspended until"), widget=date_input())
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChangeReportForm(forms.Form):
    change_kind = forms.ChoiceField(label=_("What changed"), choices=ChangeKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ChangeDecisionForm(forms.Form):
    editorial = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "editorial",
        choices=[
            ("editorial", _("Editorial: re-issue the label as a new version")),
            ("evaluation", _("Needs a partial evaluation (change surveillance)")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
