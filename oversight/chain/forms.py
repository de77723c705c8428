"""The regulator's filters of the audit chain: by application, certificate, body, kind, dates."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from accounts.roles import OrganisationKind
from audits.chain.selectors import EntryFilters
from certification.models import Application, Certificate
from config.forms import period_checked


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EntryFilterForm(forms.Form):
    application = forms.CharField(label=_("Application reference"), required=False, max_length=40)
    certificate = forms.CharField(label=_("Certificate number"), required=False, max_length=60)
    body = forms.ModelChoiceField(
        label=_("Certification body"),
        queryset=Organisation.objects.filter(kind=OrganisationKind.CERTIFICATION_BODY).order_by(
            "name"
        ),
        required=False,
    )
    kind = forms.CharField(
        label=_("Event kind (or its beginning)"),
        required=False,
        max_length=64,
        help_text=_("For example certification:application or labels:label:suspended."),
    )
    since = forms.DateField(label=_("From"), required=False, widget=date_input())
    until = forms.DateField(label=_("To"), required=False, widget=date_input())

    def clean_application(self) -> int | None:
        reference = self.cleaned_data["application"].strip()
        if not reference:
            return None
        found = Application.objects.filter(reference=reference).values_list("pk", flat=True)
        if not found:
            raise forms.ValidationError(_("No application has this reference."))
        return found[0]

    def clean_certificate(self) -> int | None:
        number = self.cleaned_data["certificate"].strip()
        if not number:
            return None
        found = Certificate.objects.filter(number=number).values_list("pk", flat=True)
        if not found:
            raise forms.ValidationError(_("No certificate has this number."))
        return found[0]

    def clean(self) -> dict:
        super().clean()
        period_checked(self.cleaned_data.get("since"), self.cleaned_data.get("until"))
        return self.cleaned_data

    def filters(self) -> EntryFilters:
        data = self.cleaned_data
        return EntryFilters(
            kind=data["kind"].strip(),
            application_id=data["application"],
            certificate_id=data["certificate"],
            body_id=data["body"].pk if data["body"] else None,
            since=data["since"],
            until=data["until"],
        )
