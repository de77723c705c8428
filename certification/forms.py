from decimal import Decimal
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Scheme, User
from accounts.roles import OrganisationKind
from audits.models import DocumentReviewItem, Evaluation, Finding
from config.forms import LengthErrorsNamed
from footprint.models import Stage

from .dossiers import DOSSIER_FIELDS
from .identifiers import gtin_normalize
from .journey import CONFIRMATIONS
from .models import Certificate, DossierVersion, EvidenceKind, Product, ProductCategory


def date_input() -> forms.DateInput:
    """An HTML date input wants ISO dates whatever the page language (a zh-hans page would
    otherwise fill in 2025/01/01, which the browser drops as invalid)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProductForm(LengthErrorsNamed, forms.ModelForm):
    class Meta:
        model = Product
        fields = ["name", "model", "trademark", "manufacturer", "plant_address", "gtin", "category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        category_field = cast(forms.ModelChoiceField, self.fields["category"])
        category_field.queryset = ProductCategory.objects.filter(level="catalogue_product")

    def clean_gtin(self) -> str | None:
        value = self.cleaned_data.get("gtin")
        return gtin_normalize(value) if value else None


class ApplicationForm(LengthErrorsNamed, forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    certification_body = forms.ModelChoiceField(
        label=_("Certification body"),
        queryset=Organisation.objects.filter(
            kind=OrganisationKind.CERTIFICATION_BODY, status="active"
        ),
    )
    scheme = forms.ChoiceField(label=_("Scheme"), choices=Scheme.choices)
    product_rule_name = forms.CharField(label=_("Product rule"), max_length=200)
    product_rule_version = forms.CharField(label=_("Product rule version"), max_length=32)
    plant_address = forms.CharField(
        label=_("Plant address (if not the product's)"), max_length=300, required=False
    )

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        product_field = cast(forms.ModelChoiceField, self.fields["product"])
        product_field.queryset = products


class BulkStartForm(forms.Form):
    """A spreadsheet of products to apply for (certification/bulk.py), for one enterprise."""

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Organisation.objects.none())
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))

    def __init__(self, *args, enterprises: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprises = enterprises
        if len(enterprises) == 1:
            del self.fields["enterprise"]  # nothing to choose
        else:
            enterprise_field = cast(forms.ModelChoiceField, self.fields["enterprise"])
            enterprise_field.queryset = Organisation.objects.filter(
                pk__in=[e.pk for e in enterprises]
            )

    def chosen_enterprise(self) -> Organisation:
        return self.cleaned_data.get("enterprise") or self.enterprises[0]


class DossierForm(LengthErrorsNamed, forms.ModelForm):
    """The structured study. Per-stage results and exclusions get one field per stage."""

    stages_included = forms.MultipleChoiceField(
        label=_("Stages included"),
        choices=Stage.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = DossierVersion
        # Stage results and exclusions are edited through the per-stage fields it adds.
        fields = [f for f in DOSSIER_FIELDS if f not in ("stages_excluded", "stage_results")]
        widgets = {
            "reference_period_start": date_input(),
            "reference_period_end": date_input(),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "goal",
                    "cut_off_criteria",
                    "allocation_procedure",
                    "data_quality_statement",
                    "uncertainty_statement",
                    "limitations",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = self.instance
        excluded = {item["stage"]: item["reason"] for item in version.stages_excluded or []}
        for stage in Stage:
            self.fields[f"result_{stage.value}"] = forms.DecimalField(
                label=_("Result: %(stage)s (kgCO2e per unit)") % {"stage": stage.label},
                required=False,
                max_digits=18,
                decimal_places=6,
                initial=(version.stage_results or {}).get(stage.value),
            )
            self.fields[f"excluded_{stage.value}"] = forms.CharField(
                label=_("Reason for excluding: %(stage)s") % {"stage": stage.label},
                required=False,
                max_length=300,
                initial=excluded.get(stage.value),
            )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        included = set(data.get("stages_included") or [])
        results, excluded = {}, []
        for stage in Stage:
            value = data.get(f"result_{stage.value}")
            reason = (data.get(f"excluded_{stage.value}") or "").strip()
            if stage.value in included and reason:
                self.add_error(
                    f"excluded_{stage.value}", _("An included stage needs no reason for exclusion.")
                )
            if stage.value not in included and value not in (None, ""):
                self.add_error(
                    f"result_{stage.value}", _("Include this stage to report a result for it.")
                )
            if stage.value in included and value is not None:
                results[stage.value] = str(value)
            if stage.value not in included and reason:
                excluded.append({"stage": stage.value, "reason": reason})
        start, end = data.get("reference_period_start"), data.get("reference_period_end")
        if start and end and end < start:
            self.add_error("reference_period_end", _("The period ends before it starts."))
        total = data.get("declared_total")
        if total is not None and total < Decimal(0):
            self.add_error("declared_total", _("A footprint cannot be negative."))
        data["stage_results"] = results
        data["stages_excluded"] = excluded
        data["stages_included"] = [s.value for s in Stage if s.value in included]
        # The record's own checks (DossierVersion.clean, run after this) read the per-stage
        # figures as this form gives them, not as they were: the fields above say what is wrong.
        self.instance.stage_results = results
        self.instance.stages_excluded = excluded
        return data

    def service_data(self) -> dict:
        names = [*self.Meta.fields, "stage_results", "stages_excluded"]
        return {name: self.cleaned_data.get(name) for name in names}


class EvidenceUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of evidence"), choices=EvidenceKind.choices)
    file = forms.FileField(label=_("File"))


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment / reasons"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # A step that cannot be undone is taken only with its consequence confirmed (the box is
    # required in the page too, but the page may be old or scripted).
    confirm = forms.BooleanField(required=False)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("action") in CONFIRMATIONS and not data.get("confirm"):
            raise forms.ValidationError(
                _(
                    "Nothing was done: this step cannot be undone. Tick the box that says what "
                    "it does to confirm it."
                ),
                code="confirmation_required",
            )
        return data


class TeamForm(forms.Form):
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


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"),
        coerce=lambda v: v == "yes",
        choices=[
            ("no", _("I have no conflict of interest with this enterprise")),
            ("yes", _("I have a conflict of interest")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FindingForm(LengthErrorsNamed, forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["severity", "clause", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class FindingAnswerForm(LengthErrorsNamed, forms.Form):
    response = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))
    corrective_action = forms.CharField(
        label=_("Corrective action"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvaluationForm(LengthErrorsNamed, forms.ModelForm):
    checklist_items = forms.MultipleChoiceField(
        label=_("Document review checklist"),
        choices=DocumentReviewItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Evaluation
        fields = [
            "onsite_date",
            "onsite_people",
            "onsite_observations",
            "verification_notes",
            "assurance_level",
            "materiality_threshold",
            "opinion",
            "onsite_skipped_reason",
        ]
        widgets = {
            "onsite_date": date_input(),
            "onsite_people": forms.Textarea(attrs={"rows": 2}),
            "onsite_observations": forms.Textarea(attrs={"rows": 3}),
            "verification_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        application = self.instance.application if self.instance.application_id else None
        if application is None or application.renews_id is None:
            del self.fields["onsite_skipped_reason"]  # only a renewal may skip it
        self.fields["checklist_items"].initial = [
            key for key, done in (self.instance.checklist or {}).items() if done
        ]

    def service_data(self) -> dict:
        data = {
            name: self.cleaned_data.get(name) for name in self.Meta.fields if name in self.fields
        }
        data["checklist"] = {item: True for item in self.cleaned_data["checklist_items"]}
        return data


class PeerAssignForm(forms.Form):
    reviewer: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Peer reviewer"), queryset=None
    )

    def __init__(self, *args, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        reviewer_field = cast(forms.ModelChoiceField, self.fields["reviewer"])
        reviewer_field.queryset = reviewers


class VariantForm(forms.Form):
    """A variant of the application's product family and its declared difference."""

    product = forms.ModelChoiceField(label=_("Variant product"), queryset=Product.objects.none())
    scaling_factor = forms.DecimalField(
        label=_("Scaling factor"),
        max_digits=12,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        help_text=_("The variant's footprint divided by the representative's."),
    )
    justification = forms.CharField(
        label=_("Justification of the difference"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        product_field = cast(forms.ModelChoiceField, self.fields["product"])
        product_field.queryset = products


class _CertificateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Certificate) -> str:
        return f"{obj.number} · {obj.product}"


class SiblingTemplateForm(forms.Form):
    """The certified sibling whose dossier a new application starts from."""

    certificate = _CertificateChoiceField(
        label=_("Certified sibling"), queryset=Certificate.objects.none()
    )

    def __init__(self, *args, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        certificate_field = cast(forms.ModelChoiceField, self.fields["certificate"])
        certificate_field.queryset = certificates
