"""factory_boy factories for people, organisations, products, applications and evidence."""

import hashlib
import struct
import zlib
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from accounts.identifiers import uscc_check_character
from accounts.models import BodyStatus, Membership, Organisation, Scheme, User
from accounts.roles import OrganisationKind
from certification.identifiers import gtin_check_digit
from certification.models import (
    Application,
    Boundary,
    DossierVersion,
    ElectricityTreatment,
    EvidenceFile,
    EvidenceKind,
    Product,
    ProductCategory,
    UnitKind,
)
from footprint.models import GwpSet, Stage


def make_pdf(text: str = "Evidence") -> bytes:
    """A small, well-formed one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A small, valid RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x20\xa0\x40" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF_BYTES = make_pdf()
PNG_BYTES = make_png()


def make_uscc(first_seventeen: str) -> str:
    return first_seventeen + uscc_check_character(first_seventeen)


Model = TypeVar("Model")

if TYPE_CHECKING:

    class ModelFactory(DjangoModelFactory[Model]):
        """Calling a factory makes a model instance (through factory_boy's metaclass)."""

        def __new__(cls, *args: Any, **kwargs: Any) -> Model: ...  # type: ignore[misc]  # factory_boy's metaclass __call__ is untyped

else:
    ModelFactory = DjangoModelFactory


def make_gtin(n: int) -> str:
    """A GTIN-13 under a Chinese GS1 prefix, normalised to 14 digits."""
    body = f"690{n:09d}"
    return f"{body}{gtin_check_digit(body)}".zfill(14)


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    language = "en"
    # Unusable: tests sign in with force_login, which never reads the password.
    password = "!unusable"


class OrganisationFactory(ModelFactory[Organisation]):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    kind = OrganisationKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"Organisation {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} Co., Ltd.")
    uscc = factory.Sequence(lambda n: make_uscc(f"91310000MA{n:07d}"))
    address = "1 Century Avenue, Pudong, Shanghai"
    province = "SH"


class EnterpriseFactory(OrganisationFactory):
    kind = OrganisationKind.ENTERPRISE
    name = factory.Sequence(lambda n: f"Enterprise {n}")


class CertificationBodyFactory(OrganisationFactory):
    kind = OrganisationKind.CERTIFICATION_BODY
    name = factory.Sequence(lambda n: f"Certification Body {n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"91110000MB{n:07d}"))
    code = factory.Sequence(lambda n: f"cb{n:03d}")
    cnca_approval_number = factory.Sequence(lambda n: f"CNCA-R-2021-{n:03d}")
    scheme = Scheme.NATIONAL_PILOT
    status = BodyStatus.ACTIVE

    @factory.post_generation
    def accredited_categories(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.accredited_categories.add(*extracted)


class RegulatorFactory(OrganisationFactory):
    kind = OrganisationKind.REGULATOR
    name = factory.Sequence(lambda n: f"Market Regulation Bureau {n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"11100000MC{n:07d}"))


class PlatformOperatorFactory(OrganisationFactory):
    kind = OrganisationKind.PLATFORM
    name = factory.Sequence(lambda n: f"Platform Operator {n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"91440300MD{n:07d}"))


class MarketplaceFactory(OrganisationFactory):
    kind = OrganisationKind.MARKETPLACE
    name = factory.Sequence(lambda n: f"Marketplace {n}")
    uscc = factory.Sequence(lambda n: make_uscc(f"91330100ME{n:07d}"))


class MembershipFactory(ModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(EnterpriseFactory)
    role = "enterprise_member"


def member_of(organisation: Organisation, role: str, **user_fields) -> User:
    """A new person holding `role` in `organisation`."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


class ProductCategoryFactory(ModelFactory[ProductCategory]):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CAT-{n:03d}")
    name_zh = factory.Sequence(lambda n: f"产品类别{n}")
    name_en = factory.Sequence(lambda n: f"Product category {n}")
    level = "catalogue_product"
    source = "test"


class ProductFactory(ModelFactory[Product]):
    class Meta:
        model = Product

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = "Lithium-ion battery pack"
    model = factory.Sequence(lambda n: f"LB-{n:04d}")
    trademark = "Voltia"
    manufacturer = factory.LazyAttribute(lambda o: o.enterprise.name)
    plant_address = "88 Industrial Road, Ningde, Fujian"
    gtin = factory.Sequence(make_gtin)
    category = factory.SubFactory(ProductCategoryFactory)


class ApplicationFactory(ModelFactory[Application]):
    class Meta:
        model = Application

    reference = factory.Sequence(lambda n: f"TST-{n:06d}")
    product = factory.SubFactory(ProductFactory)
    enterprise = factory.LazyAttribute(lambda o: o.product.enterprise)
    plant_address = factory.LazyAttribute(lambda o: o.product.plant_address)
    scheme = Scheme.NATIONAL_PILOT
    product_rule_name = "Product carbon footprint rule: lithium-ion batteries"
    product_rule_version = "2025"
    certification_body = factory.SubFactory(CertificationBodyFactory)
    created_by = factory.SubFactory(UserFactory)


STAGE_RESULTS = {
    Stage.RAW_MATERIAL: "61.200000",
    Stage.PRODUCTION: "14.800000",
    Stage.DISTRIBUTION: "2.100000",
    Stage.USE: "5.900000",
    Stage.END_OF_LIFE: "1.400000",
}
COMPLETE_DOSSIER: dict[str, Any] = {
    "goal": "Quantify the cradle-to-grave footprint of one battery pack for the label.",
    "commissioner": "The enterprise",
    "practitioner": "In-house LCA team",
    "unit_kind": UnitKind.FUNCTIONAL,
    "unit_description": "1 battery pack delivering 1 kWh over its service life",
    "reference_flow": "1 battery pack, 6.2 kg",
    "boundary": Boundary.CRADLE_TO_GRAVE,
    "stages_included": list(STAGE_RESULTS),
    "stages_excluded": [],
    "cut_off_criteria": "Flows below 1% of mass, 5% cumulative.",
    "allocation_procedure": "Mass allocation between co-products.",
    "reference_period_start": date(2024, 1, 1),
    "reference_period_end": date(2024, 12, 31),
    "geography": "CN",
    "gwp_set": GwpSet.AR6,
    "electricity_treatment": ElectricityTreatment.GRID_AVERAGE,
    "stage_results": dict(STAGE_RESULTS),
    "fossil_emissions": Decimal("84.900000"),
    "biogenic_emissions": Decimal("0.500000"),
    "biogenic_removals": Decimal("0"),
    "land_use_change": Decimal("0"),
    "aircraft_emissions": Decimal("0"),
    "data_quality_statement": "Site-specific data for production; secondary data elsewhere.",
    "uncertainty_statement": "Monte Carlo, 95% interval ±8%.",
    "limitations": "Use-stage charging mix assumed at the national grid average.",
    "declared_total": Decimal("85.400000"),
}


class DossierVersionFactory(ModelFactory[DossierVersion]):
    class Meta:
        model = DossierVersion

    application = factory.SubFactory(ApplicationFactory)
    number = 1

    class Params:
        complete = factory.Trait(**COMPLETE_DOSSIER)


class EvidenceFileFactory(ModelFactory[EvidenceFile]):
    class Meta:
        model = EvidenceFile
        exclude = ("content",)

    application = factory.SubFactory(ApplicationFactory)
    kind = EvidenceKind.STUDY_REPORT
    content = PDF_BYTES
    original_name = factory.LazyAttribute(lambda o: f"{o.kind}.pdf")
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name=o.original_name))
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    content_type = "application/pdf"
    uploaded_by = factory.LazyAttribute(lambda o: o.application.created_by)
