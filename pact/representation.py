"""A certified label as a PACT ProductFootprint, v2.3 and v3.0 (docs/pact.md has the mapping).

Emission figures are the certified dossier's, in kgCO2e per declared unit, as decimal strings
(2.x types `primaryDataShare`, `exemptedEmissionsPercent` and `dqi` as numbers, so there they are
numbers). The label value is `pcfIncludingBiogenic…`; the dossier reports fossil and biogenic
figures separately as GB/T 24067 asks.
"""

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation

from certification.models import Boundary
from footprint.models import GwpSet, Stage
from labels.models import LabelStatus
from labels.vc.verifier import Reason

from . import identifiers
from .filters import ENDED_STATUSES
from .selectors import FootprintView
from .units import product_mass_per_declared_unit

SPEC_VERSION = {2: "2.3.3", 3: "3.0.3"}
QUANTIFICATION_STANDARD = "GB/T 24067-2024"
VERIFICATION_STANDARD = "ISO 14064-3"
NATIONAL_PILOT_OPERATOR = "China national product carbon footprint labelling pilot"
ACTIVE, DEPRECATED = "Active", "Deprecated"


def product_footprint(view: FootprintView, *, spec: int, now: datetime | None = None) -> dict:
    facts = _Facts(view, now or timezone.now())
    return facts.v2() if spec == 2 else facts.v3()


class _Facts:
    def __init__(self, view: FootprintView, now: datetime) -> None:
        self.view = view
        self.footprint = view.footprint
        self.label = view.label
        self.certificate = self.label.certificate
        self.application = self.certificate.application
        self.product = self.certificate.product
        self.enterprise = self.certificate.enterprise
        self.body = self.certificate.certification_body
        self.version = self.certificate.dossier_version
        self.evaluation = getattr(self.application, "evaluation", None)
        self.recomputation = getattr(self.version, "recomputation", None)
        self.now = now
        self.status, self.status_reason = self._status()

    # --- the ProductFootprint ---------------------------------------------------------------

    def _common(self, spec: int) -> dict[str, Any]:
        document: dict[str, Any] = {
            "id": str(self.footprint.pf_id),
            "specVersion": SPEC_VERSION[spec],
        }
        if self.view.preceding_ids:
            document["precedingPfIds"] = list(self.view.preceding_ids)
        return document

    def _owner_and_product(self) -> dict[str, Any]:
        return {
            "validityPeriodStart": _instant(self.label.valid_from),
            "validityPeriodEnd": _instant(self.label.valid_until),
            "companyName": self.enterprise.name,
            "companyIds": identifiers.company_ids(self.enterprise.uscc),
            "productDescription": self._product_description(),
            "productIds": identifiers.product_ids(gtin=self.label.gtin, product_id=self.product.pk),
        }

    def v2(self) -> dict[str, Any]:
        document = self._common(2)
        document["version"] = 1 + self.view.status_changes + (1 if self.view.superseded_at else 0)
        document["created"] = _instant(self.label.issued_at)
        if updated := self._updated():
            document["updated"] = _instant(updated)
        document["status"] = self.status
        if self.status_reason:
            document["statusComment"] = self.status_reason
        document.update(self._owner_and_product())
        document["productCategoryCpc"] = identifiers.cpc_code(self.product.category)
        document["productNameCompany"] = self._product_name()
        document["comment"] = self._comment()
        document["pcf"] = self._v2_pcf()
        return document

    def v3(self) -> dict[str, Any]:
        document = self._common(3)
        document["created"] = _instant(self.label.issued_at)
        document["status"] = self.status
        document.update(self._owner_and_product())
        document["productClassifications"] = identifiers.classifications(self.product.category)
        document["productNameCompany"] = self._product_name()
        comment = self._comment()
        document["comment"] = f"{self.status_reason} {comment}" if self.status_reason else comment
        document["pcf"] = self._v3_pcf()
        return document

    # --- status -------------------------------------------------------------------------------

    def _status(self) -> tuple[str, str]:
        """Active while the label certifies and nothing renewed it; Deprecated otherwise, with
        the reason the label records. A footprint whose label was signed with a revoked key can
        no longer be trusted: PACT has no status for that, and Deprecated is the one that says
        "SHOULD NOT be used"."""
        label = self.label
        verdict = label.verdict(self.now)
        if verdict.reason == Reason.KEY_REVOKED and label.key_revoked_at is not None:
            return DEPRECATED, (
                f"The key that signed the label was revoked as compromised on "
                f"{_day(label.key_revoked_at)}: the label can no longer be trusted."
            )
        if label.status in ENDED_STATUSES:
            verb = {
                LabelStatus.SUSPENDED: "suspended",
                LabelStatus.REVOKED: "revoked",
                LabelStatus.CANCELLED: "cancelled",
                LabelStatus.EXPIRED: "expired",
            }
            reason = f": {label.status_reason}" if label.status_reason else "."
            return DEPRECATED, (
                f"The label was {verb[LabelStatus(label.status)]} on "
                f"{_day(label.status_changed_at)}{reason}"
            )
        if verdict.status == LabelStatus.EXPIRED:
            return DEPRECATED, f"The label's validity ended on {_day(label.valid_until)}."
        if self.view.superseded_at:
            return DEPRECATED, (
                f"A renewed label superseded this footprint on "
                f"{_day(self.view.superseded_at)}; its footprint lists this id "
                f"in precedingPfIds."
            )
        return ACTIVE, ""

    def _updated(self) -> datetime | None:
        moments = [self.view.superseded_at] if self.view.superseded_at else []
        if self.view.status_changes:
            moments.append(self.label.status_changed_at)
        if self.label.key_revoked_at is not None:
            moments.append(self.label.key_revoked_at)
        return max(moments) if moments else None

    # --- texts --------------------------------------------------------------------------------

    def _product_name(self) -> str:
        return f"{self.product.name} {self.product.model}".strip()

    def _product_description(self) -> str:
        product = self.product
        parts = [f"{product.name}, model {product.model}"]
        if product.trademark:
            parts.append(f"trademark {product.trademark}")
        parts.append(f"made by {product.manufacturer} at {self.application.plant_address}")
        if self.version.reference_flow:
            parts.append(f"reference flow: {self.version.reference_flow}")
        return "; ".join(parts) + "."

    def _comment(self) -> str:
        with translation.override("en"):
            scheme = str(self.certificate.get_scheme_display())
        footprint = self.footprint
        sentences = [
            f"Certified carbon footprint label {self.label.serial}, certificate "
            f"{self.certificate.number} ({scheme}), issued by {self.body.name} against "
            f"{QUANTIFICATION_STANDARD} (ISO 14067).",
            f"{self._unit_kind()}: {self.version.unit_description} "
            f"(PACT: {_decimal(footprint.declared_unit_amount)} {footprint.declared_unit}).",
            "Fossil and biogenic carbon content were not assessed and are reported as 0; "
            "the dossier does not report packaging separately, so packagingEmissionsIncluded "
            "is false; exemptedEmissionsPercent is 0 as the dossier states cut-off criteria, "
            "not an exempted share.",
        ]
        if self.version.limitations:
            sentences.append(f"Limitations: {self.version.limitations}")
        page = self.label.credential.get("credentialSubject", {}).get("id")
        if page:
            sentences.append(f"Verify the label at {page}")
        return " ".join(sentences)

    def _unit_kind(self) -> str:
        return "Declared unit" if self.version.unit_kind == "declared" else "Functional unit"

    def _boundary_description(self) -> str:
        version = self.version
        results = version.stage_results or {}
        with translation.override("en"):
            boundary = (
                str(Boundary(version.boundary).label)
                if version.boundary
                else "System boundary not stated"
            )
            included = [
                f"{Stage(stage).label} ({_decimal(Decimal(str(results[stage])))} kgCO2e)"
                if stage in results
                else str(Stage(stage).label)
                for stage in Stage.values
                if stage in (version.stages_included or [])
            ]
            excluded = [
                f"{_stage_label(item.get('stage', ''))} ({item.get('reason', '')})"
                for item in version.stages_excluded or []
            ]
        text = f"{boundary}, per {QUANTIFICATION_STANDARD}."
        if included:
            text += f" Stages included: {'; '.join(included)}."
        if excluded:
            text += f" Stages excluded: {'; '.join(excluded)}."
        return text

    def _rules(self) -> list[dict[str, Any]]:
        name = f"{self.application.product_rule_name} {self.application.product_rule_version}"
        operator = (
            self.body.name if self.certificate.scheme == "self_filed" else NATIONAL_PILOT_OPERATOR
        )
        return [{"operator": "Other", "ruleNames": [name.strip()], "otherOperatorName": operator}]

    # --- figures ------------------------------------------------------------------------------

    def _figures(self) -> "_Figures":
        """kgCO2e per the label's unit. The label value includes biogenic emissions and removals
        (the engine's total is fossil + biogenic, removals negative); removals are biogenic CO2
        uptake, whatever sign the dossier typed."""
        version = self.version
        total = self.certificate.declared_total
        biogenic = version.biogenic_emissions
        uptake = -abs(version.biogenic_removals) if version.biogenic_removals is not None else None
        fossil = version.fossil_emissions
        if fossil is None:
            fossil = max(total - (biogenic or 0) - (uptake or 0), Decimal(0))
        return _Figures(
            total=total,
            excluding_uptake=total - (uptake or 0),
            excluding_biogenic=max(total - (biogenic or 0) - (uptake or 0), Decimal(0)),
            fossil=fossil,
            biogenic=biogenic,
            uptake=uptake,
            land_use_change=version.land_use_change,
            aircraft=version.aircraft_emissions,
        )

    def _gwp_set(self) -> str:
        if self.version.gwp_set:
            return self.version.gwp_set
        if self.recomputation is not None and self.recomputation.gwp_set:
            return self.recomputation.gwp_set
        return GwpSet.AR6

    def _reference_period(self) -> tuple[str, str]:
        """Calendar dates where the body sits (TIME_ZONE); the end date is included, so the
        exclusive end is the next day's midnight."""
        start, end = self.version.reference_period_start, self.version.reference_period_end
        if start is None or end is None:  # a certified dossier has both; never guess silently
            end = self.certificate.issued_on - timedelta(days=1)
            start = end.replace(year=end.year - 1) + timedelta(days=1)
        return _local_midnight(start), _local_midnight(end + timedelta(days=1))

    def _geography(self) -> dict[str, str]:
        footprint = self.footprint
        if footprint.geography_subdivision:
            return {"geographyCountrySubdivision": footprint.geography_subdivision}
        if footprint.geography_region:
            return {"geographyRegionOrSubregion": footprint.geography_region}
        return {"geographyCountry": footprint.geography_country or identifiers.DEFAULT_COUNTRY}

    def _primary_data_share(self) -> Decimal | None:
        share = self.recomputation.primary_data_share if self.recomputation else None
        return None if share is None else (share * 100).quantize(Decimal("0.01"))

    def _v2_pcf(self) -> dict[str, Any]:
        footprint = self.footprint
        amount = footprint.v2_unitary_amount or Decimal(1)
        figures = self._figures().per(amount)
        start, end = self._reference_period()
        gwp = self._gwp_set()
        pcf: dict[str, Any] = {
            "declaredUnit": footprint.v2_declared_unit,
            "unitaryProductAmount": _decimal(amount),
            "pCfExcludingBiogenic": _decimal(figures.excluding_biogenic),
            "pCfIncludingBiogenic": _decimal(figures.total),
            "fossilGhgEmissions": _decimal(figures.fossil),
            "fossilCarbonContent": "0",
            "biogenicCarbonContent": "0",
        }
        if footprint.product_mass is not None and footprint.v2_declared_unit == "kilogram":
            pcf["productMassPerDeclaredUnit"] = "1"
        optional = {
            "dLucGhgEmissions": figures.land_use_change,
            "otherBiogenicGhgEmissions": figures.biogenic,
            "biogenicCarbonWithdrawal": figures.uptake,
            "aircraftGhgEmissions": figures.aircraft,
        }
        for field, value in optional.items():
            if value is not None:
                pcf[field] = _decimal(value)
        pcf.update(
            {
                "characterizationFactors": gwp,
                "ipccCharacterizationFactorsSources": [gwp],
                "crossSectoralStandardsUsed": ["ISO Standard 14067"],
                "crossSectoralStandards": ["ISO14067"],
                "productOrSectorSpecificRules": self._rules(),
                "biogenicAccountingMethodology": "ISO",
                "boundaryProcessesDescription": self._boundary_description(),
                "referencePeriodStart": start,
                "referencePeriodEnd": end,
                **self._geography(),
                "exemptedEmissionsPercent": 0,
                "exemptedEmissionsDescription": self.version.cut_off_criteria,
                "packagingEmissionsIncluded": False,
            }
        )
        if footprint.secondary_sources:
            pcf["secondaryEmissionFactorSources"] = footprint.secondary_sources
        if self.version.allocation_procedure:
            pcf["allocationRulesDescription"] = self.version.allocation_procedure
        if self.version.uncertainty_statement:
            pcf["uncertaintyAssessmentDescription"] = self.version.uncertainty_statement
        if (share := self._primary_data_share()) is not None:
            pcf["primaryDataShare"] = float(share)
        if footprint.data_quality:
            pcf["dqi"] = footprint.data_quality
        pcf["assurance"] = self._assurance()
        return pcf

    def _v3_pcf(self) -> dict[str, Any]:
        footprint = self.footprint
        figures = self._figures()
        start, end = self._reference_period()
        pcf: dict[str, Any] = {
            "declaredUnitOfMeasurement": footprint.declared_unit,
            "declaredUnitAmount": _decimal(footprint.declared_unit_amount),
            "productMassPerDeclaredUnit": _decimal(
                product_mass_per_declared_unit(footprint.product_mass)
            ),
            "referencePeriodStart": start,
            "referencePeriodEnd": end,
            **self._geography(),
            "boundaryProcessesDescription": self._boundary_description(),
            "pcfExcludingBiogenicUptake": _decimal(figures.excluding_uptake),
            "pcfIncludingBiogenicUptake": _decimal(figures.total),
            "fossilCarbonContent": "0",
            "fossilGhgEmissions": _decimal(figures.fossil),
        }
        optional = {
            "landUseChangeGhgEmissions": figures.land_use_change,
            "biogenicCO2Uptake": figures.uptake,
            "aircraftGhgEmissions": figures.aircraft,
        }
        for field, value in optional.items():
            if value is not None:
                pcf[field] = _decimal(value)
        pcf.update(
            {
                "packagingEmissionsIncluded": False,
                "ipccCharacterizationFactors": [self._gwp_set()],
                "crossSectoralStandards": ["ISO14067"],
                "productOrSectorSpecificRules": self._rules(),
                "exemptedEmissionsPercent": "0",
                "exemptedEmissionsDescription": self.version.cut_off_criteria,
            }
        )
        if self.version.allocation_procedure:
            pcf["allocationRulesDescription"] = self.version.allocation_procedure
        if footprint.secondary_sources:
            pcf["secondaryEmissionFactorSources"] = footprint.secondary_sources
        if (share := self._primary_data_share()) is not None:
            pcf["primaryDataShare"] = _decimal(share)
        pcf["verification"] = self._verification()
        return pcf

    # --- assurance ----------------------------------------------------------------------------

    def _assurance_comment(self) -> str:
        evaluation = self.evaluation
        parts = [f"Certification decision of {self.body.name}"]
        if self.body.cnca_approval_number:
            parts[0] += f" (CNCA approval {self.body.cnca_approval_number})"
        if evaluation is not None and evaluation.assurance_level:
            parts.append(f"{evaluation.assurance_level} assurance")
        if evaluation is not None and evaluation.opinion:
            parts.append(f"{evaluation.opinion} opinion")
        parts.append(f"certificate {self.certificate.number}")
        return "; ".join(parts) + "."

    def _assurance(self) -> dict[str, Any]:
        assurance: dict[str, Any] = {"assurance": True, "coverage": "product level"}
        level = self.evaluation.assurance_level if self.evaluation else ""
        if level in ("limited", "reasonable"):
            assurance["level"] = level
        # 2.x knows only these two boundaries; a cradle-to-grave assurance leaves it undefined.
        if self.version.boundary == Boundary.CRADLE_TO_GATE:
            assurance["boundary"] = "Cradle-to-Gate"
        assurance.update(
            {
                "providerName": self.body.name,
                "completedAt": _instant(self.certificate.created_at),
                "standardName": VERIFICATION_STANDARD,
                "comments": self._assurance_comment(),
            }
        )
        return assurance

    def _verification(self) -> dict[str, Any]:
        return {
            "coverage": "product level",
            "providerName": self.body.name,
            "completedAt": _instant(self.certificate.created_at),
            "standardName": VERIFICATION_STANDARD,
            "comments": self._assurance_comment(),
        }


@dataclass(frozen=True)
class _Figures:
    total: Decimal
    excluding_uptake: Decimal
    excluding_biogenic: Decimal
    fossil: Decimal
    biogenic: Decimal | None
    uptake: Decimal | None
    land_use_change: Decimal | None
    aircraft: Decimal | None

    def per(self, amount: Decimal) -> "_Figures":
        """Per one 2.x declared unit, when the label's unit holds `amount` of them."""
        scaled: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            scaled[field.name] = None if value is None else _per(value, amount)
        return _Figures(**scaled)


def _stage_label(stage: str) -> str:
    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def _local_midnight(day: date) -> str:
    start = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return _instant(start)


def _per(value: Decimal, amount: Decimal) -> Decimal:
    """A figure per label unit, per one 2.x declared unit instead (12 decimal places)."""
    if amount == 1:
        return value
    with localcontext() as context:
        context.prec = 60
        return (value / amount).quantize(Decimal("1e-12"))


def _decimal(value: Decimal) -> str:
    """75.400000 → "75.4"; 100 → "100"; never an exponent, never "-0"."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "0E-12") else text
