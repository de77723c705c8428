"""The carbon label as a W3C Verifiable Credential 2.0 (CONTRACTS §3)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from certification.models import ApplicationVariant, Certificate
from footprint.models import Stage

from . import keys
from .statuslists import public_url, status_list_url
from .vc.statuslist import status_entry

CREDENTIALS_CONTEXT = "https://www.w3.org/ns/credentials/v2"
STANDARD = "GB/T 24067-2024"


def label_context_url() -> str:
    return public_url(reverse("labels:context"))


def build_label_credential(
    *,
    certificate: Certificate,
    serial: str,
    label_fields: dict,
    variant: ApplicationVariant | None = None,
) -> dict:
    """The unsigned credential. Quantities are decimal strings; integers stay below 2^53.

    A variant of a product family states its own product and its own value: the
    representative's certified total and stage results scaled by the variant's factor.
    """
    application = certificate.application
    version = certificate.dossier_version
    body = certificate.certification_body
    enterprise = certificate.enterprise
    product = variant.product if variant else certificate.product
    evaluation = getattr(application, "evaluation", None)
    stages = dict(version.stage_results or {})
    total = certificate.declared_total
    if variant is not None:
        stages = {stage: variant.scaled(value) for stage, value in stages.items()}
        total = variant.scaled(total)
    subject: dict[str, Any] = {
        "id": public_url(reverse("labels:public_page", args=[serial])),
        "type": "CarbonFootprintLabel",
        "labelSerial": serial,
        "certificateNumber": certificate.number,
        "scheme": certificate.scheme,
        "product": {
            "name": product.name,
            "model": product.model,
            "trademark": product.trademark,
            "manufacturer": product.manufacturer,
            "plantAddress": application.plant_address,
            **({"gtin": f"urn:gtin:{product.gtin}"} if product.gtin else {}),
        },
        "holder": {"name": enterprise.name, "USCC": enterprise.uscc},
        "certificationBody": {
            "id": keys.body_did(body),
            "name": body.name,
            "code": body.code,
            "approvalNumber": body.cnca_approval_number,
        },
        "footprint": {
            "value": _decimal_string(total),
            "unit": "kgCO2e",
            "unitKind": version.unit_kind,
            "declaredUnit": version.unit_description,
            "referenceFlow": version.reference_flow,
            "boundary": version.boundary,
            "gwpSet": version.gwp_set,
            "stages": [
                {"stage": stage.value, "value": _decimal_string(stages[stage.value])}
                for stage in Stage
                if stage.value in stages
            ],
        },
        "standard": STANDARD,
        "productRule": {
            "name": application.product_rule_name,
            "version": application.product_rule_version,
        },
        "assuranceLevel": evaluation.assurance_level if evaluation else "",
    }
    return {
        "@context": [CREDENTIALS_CONTEXT, label_context_url()],
        "id": f"urn:carbonlabel:{serial}",
        "type": ["VerifiableCredential", "CarbonLabelCredential"],
        "issuer": keys.body_did(body),
        "validFrom": _local_midnight(certificate.issued_on),
        # A certificate valid until a date is valid through that whole day.
        "validUntil": _local_midnight(certificate.valid_until + timedelta(days=1)),
        "credentialSubject": subject,
        "credentialStatus": [
            status_entry(
                list_url=status_list_url(label_fields["revocation_list"]),
                index=label_fields["revocation_index"],
                status_purpose="revocation",
            ),
            status_entry(
                list_url=status_list_url(label_fields["suspension_list"]),
                index=label_fields["suspension_index"],
                status_purpose="suspension",
            ),
        ],
    }


def _decimal_string(value: Any) -> str:
    """75.400000 → "75.4"; 100 → "100" (never an exponent)."""
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text == "-0" else text


def _local_midnight(day: date) -> str:
    """Certificate dates are calendar dates where the body sits (TIME_ZONE, Beijing time);
    the credential states the instant that day begins, in UTC."""
    start = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
