"""What a label shows, read from the database into the renderers' plain data object."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from certification.models import Boundary
from footprint.models import Stage

from .models import Label
from .rendering.facts import LabelFacts, StageFigure
from .rendering.qr import resolver_url
from .statuslists import public_url

CERTIFICATION_MODE = (
    "文件评审 + 现场检查 + 碳足迹核查 Document review + on-site inspection + footprint verification"
)


def _stage_label(stage: Stage, language: str) -> str:
    with translation.override(language):
        return str(stage.label)


def label_qr_url(label: Label) -> str:
    return resolver_url(
        scheme=settings.LABEL_PUBLIC_SCHEME,
        host=settings.LABEL_PUBLIC_HOST,
        serial=label.serial,
        gtin=label.gtin or None,
    )


def label_facts(label: Label) -> LabelFacts:
    certificate = label.certificate
    subject = label.credential["credentialSubject"]
    footprint = subject["footprint"]
    enterprise = certificate.enterprise
    body = certificate.certification_body
    product = label.product
    application = certificate.application
    stages = tuple(
        StageFigure(
            code=item["stage"],
            label_zh=_stage_label(Stage(item["stage"]), "zh-hans"),
            label_en=_stage_label(Stage(item["stage"]), "en"),
            value=item["value"],
        )
        for item in footprint["stages"]
    )
    return LabelFacts(
        serial=label.serial,
        certificate_number=certificate.number,
        scheme=certificate.scheme,
        status=label.status,
        product_name=product.name,
        product_model=product.model,
        gtin=product.gtin,
        trademark=product.trademark,
        manufacturer=product.manufacturer,
        plant_address=application.plant_address,
        holder_name=enterprise.name,
        holder_uscc=enterprise.uscc or "",
        holder_address=enterprise.address,
        body_name=body.name,
        body_code=body.code or "",
        body_approval_number=body.cnca_approval_number,
        footprint_value=footprint["value"],
        footprint_unit=footprint["unit"],
        declared_unit=footprint["declaredUnit"],
        unit_kind=footprint["unitKind"],
        boundary=footprint["boundary"] or Boundary.CRADLE_TO_GATE,
        stages=stages,
        standard=subject["standard"],
        product_rule=f"{subject['productRule']['name']} {subject['productRule']['version']}",
        certification_mode=CERTIFICATION_MODE,
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        resolver_url=label_qr_url(label),
        public_page_url=public_url(reverse("labels:public_page", args=[label.serial])),
    )
