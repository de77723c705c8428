"""Portal forms of the factor library. They shape input only; the services check the rules
and report by field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import QUANTITY_DIGITS, GwpSet


class FactorForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=120)
    name = forms.CharField(label=_("Name"), max_length=300)
    region = forms.CharField(label=_("Region"), max_length=64, required=False)
    data_year = forms.IntegerField(
        label=_("Data year"), required=False, min_value=1900, max_value=2100
    )
    publication_date = forms.CharField(label=_("Publication date"), max_length=10, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200)
    source = forms.CharField(label=_("Source"), max_length=500)
    licence_note = forms.CharField(
        label=_("Licence note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    factor_kind = forms.CharField(label=_("Kind"), max_length=64)
    value = forms.DecimalField(label=_("Value"), **QUANTITY_DIGITS)
    unit = forms.CharField(label=_("Unit"), max_length=32, help_text=_("Such as kgCO2e/kWh."))
    gwp_set = forms.ChoiceField(
        label=_("GWP set of a CO2e factor"), required=False, choices=[("", "—"), *GwpSet.choices]
    )


class FactorSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False)
    region = forms.CharField(label=_("Region"), required=False)
    year = forms.IntegerField(label=_("Data year"), required=False)
    publisher = forms.CharField(label=_("Publisher"), required=False)
