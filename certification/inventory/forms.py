"""Portal forms of an inventory. They shape input only; the services check the rules and
report by field."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from certification.models import DossierVersion, EvidenceFile
from footprint.models import QUANTITY_DIGITS, RATING_FIELDS, DirectGas, Stage

RATING_CHOICES = [("", "—"), (1, _("1 good")), (2, _("2 fair")), (3, _("3 poor"))]
RATING_LABELS = {
    "dq_technological": _("Technological representativeness"),
    "dq_temporal": _("Temporal representativeness"),
    "dq_geographical": _("Geographical representativeness"),
    "dq_completeness": _("Completeness"),
    "dq_reliability": _("Reliability"),
}


def _optional_decimal(label, **options) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, **QUANTITY_DIGITS, **options)


class InventoryLineForm(forms.Form):
    stage = forms.ChoiceField(label=_("Life-cycle stage"), choices=Stage.choices)
    name = forms.CharField(label=_("Process or flow"), max_length=300)
    amount = forms.DecimalField(label=_("Amount"), **QUANTITY_DIGITS)
    unit = forms.CharField(
        label=_("Unit"), max_length=32, widget=forms.TextInput(attrs={"list": "unit-symbols"})
    )
    factor_code = forms.CharField(
        label=_("Emission factor from the library"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"list": "factor-codes"}),
        help_text=_(
            "A code from the factor library, or leave empty and give an "
            "enterprise-specific factor or the gas emitted below."
        ),
    )
    custom_factor_value = _optional_decimal(_("Enterprise-specific factor"))
    custom_factor_unit = forms.CharField(
        label=_("Unit of the enterprise-specific factor"),
        max_length=32,
        required=False,
        help_text=_("Such as kgCO2e/kg."),
    )
    custom_factor_source = forms.CharField(
        label=_("Source of the enterprise-specific factor"),
        max_length=500,
        required=False,
        help_text=_("Such as the supplier's EPD or report, its number and year."),
    )
    custom_factor_evidence = forms.ModelChoiceField(
        label=_("Evidence for the enterprise-specific factor"),
        required=False,
        queryset=EvidenceFile.objects.none(),
    )
    direct_gas = forms.ChoiceField(
        label=_("Or: the gas emitted, by mass"),
        choices=[("", "—"), *DirectGas.choices],
        required=False,
        help_text=_(
            "For an amount that is a mass of CO2, CH4 or N2O emitted (in g, kg or t): no "
            "factor, the dossier's GWP set converts it."
        ),
    )
    justification = forms.CharField(
        label=_("Justification"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    net_calorific_value = _optional_decimal(_("Net calorific value"))
    net_calorific_value_unit = forms.CharField(
        label=_("Net calorific value unit"),
        max_length=32,
        required=False,
        help_text=_("Such as GJ/t or MJ/m3."),
    )
    is_primary = forms.BooleanField(label=_("Primary (site-specific) data"), required=False)
    is_biogenic = forms.BooleanField(label=_("Biogenic carbon"), required=False)
    uncertainty_gsd = forms.DecimalField(
        label=_("Geometric standard deviation"), required=False, max_digits=12, decimal_places=6
    )
    uncertainty_relative_std = forms.DecimalField(
        label=_("Relative standard deviation"), required=False, max_digits=12, decimal_places=6
    )

    def __init__(self, *args, version: DossierVersion, **kwargs):
        super().__init__(*args, **kwargs)
        custom_factor_evidence_field = cast(
            forms.ModelChoiceField, self.fields["custom_factor_evidence"]
        )
        custom_factor_evidence_field.queryset = version.files.all()
        for name in RATING_FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=RATING_LABELS[name],
                choices=RATING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )

    @classmethod
    def initial_for(cls, line) -> dict:
        initial = {
            name: getattr(line, name)
            for name in (
                "stage",
                "name",
                "amount",
                "unit",
                "custom_factor_value",
                "custom_factor_unit",
                "custom_factor_source",
                "custom_factor_evidence",
                "direct_gas",
                "justification",
                "net_calorific_value",
                "net_calorific_value_unit",
                "is_primary",
                "is_biogenic",
                "uncertainty_gsd",
                "uncertainty_relative_std",
                *RATING_FIELDS,
            )
        }
        initial["factor_code"] = line.factor.code if line.factor_id else ""
        return initial


class InventoryImportForm(forms.Form):
    # An empty file reaches the service, which says so like for any other unusable file.
    file = forms.FileField(label=_("Inventory file (.xlsx or .csv)"), allow_empty_file=True)
