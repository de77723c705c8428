"""The demo data set: one organisation of every kind, a person for every role, and
applications at several stages. Used by `manage.py seed_demo` and the browser tests."""

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.demo import demo_totp_enrol
from accounts.models import Membership, Organisation, User
from accounts.roles import SECOND_FACTOR_ROLES, OrganisationKind, Role
from certification.models import (
    REQUIRED_EVIDENCE,
    Application,
    ApplicationEvent,
    DossierVersion,
    EvidenceFile,
    Product,
    ProductCategory,
    Status,
)
from certification.services import application_create, product_create

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - printed for the embedded demo only

PEOPLE = [
    # username, display name, organisation key, role
    ("ent-admin", "王丽 Wang Li", "enterprise", Role.ENTERPRISE_ADMIN),
    ("ent-member", "陈杰 Chen Jie", "enterprise", Role.ENTERPRISE_MEMBER),
    ("other-ent", "赵敏 Zhao Min", "enterprise2", Role.ENTERPRISE_ADMIN),
    ("body-admin", "刘强 Liu Qiang", "body", Role.BODY_ADMIN),
    ("reviewer", "张伟 Zhang Wei", "body", Role.REVIEWER),
    ("reviewer2", "李娜 Li Na", "body", Role.REVIEWER),
    ("reviewer3", "黄磊 Huang Lei", "body", Role.REVIEWER),
    ("tech-reviewer", "孙涛 Sun Tao", "body", Role.TECHNICAL_REVIEWER),
    ("decision-maker", "周平 Zhou Ping", "body", Role.DECISION_MAKER),
    ("peer-reviewer", "吴芳 Wu Fang", "peer_body", Role.REVIEWER),
    ("regulator", "郑洁 Zheng Jie", "regulator", Role.REGULATOR),
    ("platform-admin", "平台管理员 Platform Admin", "platform", Role.PLATFORM_ADMIN),
    ("market-admin", "马明 Ma Ming", "marketplace", Role.MARKETPLACE_ADMIN),
]

# A minimal but well-formed PDF: enough for content checks and viewers.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

COMPLETE_DOSSIER = {
    "goal": "Quantify the cradle-to-gate carbon footprint of the battery pack for the label.",
    "commissioner": "Demo Battery Co.",
    "practitioner": "In-house LCA team",
    "unit_kind": "declared",
    "unit_description": "1 kWh of battery energy capacity",
    "reference_flow": "1/5.12 of one 5.12 kWh battery pack",
    "boundary": "cradle_to_gate",
    "stages_included": ["raw_material", "production"],
    "stages_excluded": [
        {"stage": "distribution", "reason": "Declared unit is cradle to gate."},
        {"stage": "use", "reason": "Declared unit is cradle to gate."},
        {"stage": "end_of_life", "reason": "Declared unit is cradle to gate."},
    ],
    "cut_off_criteria": "Flows below 1% of mass and 1% of emissions, at most 5% in total.",
    "allocation_procedure": "Mass allocation between co-products at the cell plant.",
    "reference_period_start": date(2025, 1, 1),
    "reference_period_end": date(2025, 12, 31),
    "geography": "CN",
    "gwp_set": "AR6",
    "electricity_treatment": "grid_average",
    "stage_results": {"raw_material": "61.250000", "production": "14.150000"},
    "fossil_emissions": Decimal("75.100000"),
    "biogenic_emissions": Decimal("0.300000"),
    "data_quality_statement": "Primary data for production; secondary data for materials.",
    "uncertainty_statement": "Monte Carlo 95% interval ±8%.",
    "declared_total": Decimal("75.400000"),
}


def _organisations() -> dict[str, Organisation]:
    lib = ProductCategory.objects.get(code="LIB-STORAGE")
    categories = ProductCategory.objects.filter(code__startswith="LIB")
    enterprise, _ = Organisation.objects.get_or_create(
        uscc="91110000600037341L",
        defaults={
            "kind": OrganisationKind.ENTERPRISE,
            "name": "绿能电池有限公司 GreenCell Batteries",
            "legal_name": "绿能电池有限公司",
            "address": "江苏省常州市武进区1号",
            "province": "JS",
        },
    )
    enterprise2, _ = Organisation.objects.get_or_create(
        uscc="91350100M000100Y43",
        defaults={
            "kind": OrganisationKind.ENTERPRISE,
            "name": "闽光伏科技 MinPV Tech",
            "legal_name": "闽光伏科技有限公司",
            "address": "福建省福州市",
            "province": "FJ",
        },
    )
    body, _ = Organisation.objects.get_or_create(
        code="cqc-demo",
        defaults={
            "kind": OrganisationKind.CERTIFICATION_BODY,
            "name": "华认碳足迹认证中心 Huaren Carbon Certification",
            "cnca_approval_number": "CNCA-R-2019-001",
            "scheme": "national_pilot",
        },
    )
    peer_body, _ = Organisation.objects.get_or_create(
        code="peer-demo",
        defaults={
            "kind": OrganisationKind.CERTIFICATION_BODY,
            "name": "中环认证 Zhonghuan Certification",
            "cnca_approval_number": "CNCA-R-2018-042",
            "scheme": "national_pilot",
        },
    )
    for certification_body in (body, peer_body):
        certification_body.accredited_categories.add(*categories)
    regulator, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.REGULATOR, name="市场监管总局 SAMR (demo)"
    )
    platform, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.PLATFORM, name="碳标签平台 Platform operator"
    )
    assert lib
    marketplace, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.MARKETPLACE, name="绿购商城 GreenMall (demo marketplace)"
    )
    return {
        "enterprise": enterprise,
        "enterprise2": enterprise2,
        "body": body,
        "peer_body": peer_body,
        "regulator": regulator,
        "platform": platform,
        "marketplace": marketplace,
    }


def _people(organisations: dict[str, Organisation], *, demo_second_factor: bool) -> dict[str, User]:
    people = {}
    for username, display_name, key, role in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username=username,
                email=f"{username}@demo.carbonlabel.example",
                password=DEMO_PASSWORD,
                display_name=display_name,
                is_staff=role == Role.PLATFORM_ADMIN,
                is_superuser=role == Role.PLATFORM_ADMIN,
            )
        Membership.objects.get_or_create(user=user, organisation=organisations[key], role=role)
        if demo_second_factor and role in SECOND_FACTOR_ROLES:
            demo_totp_enrol(user)
        people[username] = user
    return people


def _complete_dossier(application: Application, actor: User) -> None:
    version: DossierVersion = application.dossier_versions.get(number=1)
    for name, value in COMPLETE_DOSSIER.items():
        setattr(version, name, value)
    version.save()
    evidence_by_kind: dict[str, EvidenceFile] = {}
    for kind in REQUIRED_EVIDENCE:
        evidence = EvidenceFile(
            application=application,
            kind=kind,
            original_name=f"{kind}.pdf",
            size=len(DEMO_PDF),
            sha256=__import__("hashlib").sha256(DEMO_PDF).hexdigest(),
            content_type="application/pdf",
            uploaded_by=actor,
        )
        evidence.file.save("upload", ContentFile(DEMO_PDF), save=False)
        evidence.save()
        version.files.add(evidence)
        evidence_by_kind[kind] = evidence

    # The inventory behind the declared figures: it recomputes to 61.04 + 14.14179 = 75.18179
    # kgCO2e, 0.29% under the declared 75.4. It needs the factor library (manage.py
    # load_factors, which seed_demo runs); without it the dossier keeps no inventory.
    from certification.inventory.services import inventory_line_create
    from footprint.selectors import factor_current_by_code

    grid, natural_gas = "CN-ELEC-CFP:2023:national_average", "IPCC2006-STATIONARY:2006:natural_gas"
    if factor_current_by_code(grid) is None or factor_current_by_code(natural_gas) is None:
        return
    supplier_data = {
        "custom_factor_unit": "kgCO2e/kg",
        "custom_factor_evidence": evidence_by_kind["bill_of_materials"],
        "justification": "Supplier cradle-to-gate data, 2025, per the bill of materials.",
        "dq_technological": 2,
        "dq_temporal": 1,
        "dq_geographical": 2,
        "dq_completeness": 2,
        "dq_reliability": 2,
    }
    metered = {
        "is_primary": True,
        "dq_technological": 1,
        "dq_temporal": 1,
        "dq_geographical": 1,
        "dq_completeness": 1,
        "dq_reliability": 1,
        "justification": "Plant meters, January to December 2025.",
    }
    lines = [
        {
            "stage": "raw_material",
            "name": "Cathode active material (LFP)",
            "amount": Decimal("2.1"),
            "unit": "kg",
            "custom_factor_value": Decimal("12.5"),
            **supplier_data,
        },
        {
            "stage": "raw_material",
            "name": "Anode graphite",
            "amount": Decimal("1.2"),
            "unit": "kg",
            "custom_factor_value": Decimal("8.0"),
            **supplier_data,
        },
        {
            "stage": "raw_material",
            "name": "Electrolyte and separator",
            "amount": Decimal("0.9"),
            "unit": "kg",
            "custom_factor_value": Decimal("9.5"),
            **supplier_data,
        },
        {
            "stage": "raw_material",
            "name": "Aluminium and copper foils, casing",
            "amount": Decimal("1.6"),
            "unit": "kg",
            "custom_factor_value": Decimal("10.4"),
            **supplier_data,
        },
        {
            "stage": "production",
            "name": "Cell and pack assembly electricity",
            "amount": Decimal("19.5"),
            "unit": "kWh",
            "factor_code": grid,
            **metered,
        },
        {
            "stage": "production",
            "name": "Natural gas for electrode drying",
            "amount": Decimal("1"),
            "unit": "m3",
            "factor_code": natural_gas,
            "net_calorific_value": Decimal("36.4"),
            "net_calorific_value_unit": "MJ/m3",
            **metered,
        },
    ]
    for line in lines:
        inventory_line_create(actor=actor, application=application, data=line)


@transaction.atomic
def seed_demo(*, demo_second_factor: bool = True) -> dict[str, User]:
    """`demo_second_factor`: give staff logins an authenticator app with a derivable secret
    (accounts/demo.py): the embedded demo and the browser tests, never production."""
    organisations = _organisations()
    people = _people(organisations, demo_second_factor=demo_second_factor)
    enterprise_admin = people["ent-admin"]
    if Product.objects.filter(enterprise=organisations["enterprise"]).exists():
        return people
    category = ProductCategory.objects.get(code="LIB-STORAGE")
    products = [
        product_create(
            actor=enterprise_admin,
            enterprise=organisations["enterprise"],
            name="储能电池包 Energy storage pack",
            model=f"GC-ESS-{size}",
            category=category,
            manufacturer="绿能电池有限公司",
            plant_address="江苏省常州市武进区1号",
            trademark="GreenCell",
            gtin=gtin,
        )
        for size, gtin in (("5K", "06901234567892"), ("10K", "6901234567809"))
    ]
    for product in products:
        application = application_create(
            actor=enterprise_admin,
            product=product,
            certification_body=organisations["body"],
            scheme="national_pilot",
            product_rule_name="锂离子电池产品碳足迹评价规则 Lithium-ion battery PCR",
            product_rule_version="2025.1",
        )
        _complete_dossier(application, enterprise_admin)
    certified = product_create(
        actor=enterprise_admin,
        enterprise=organisations["enterprise"],
        name="储能电池包 Energy storage pack",
        model="GC-ESS-20K",
        category=category,
        manufacturer="绿能电池有限公司",
        plant_address="江苏省常州市武进区1号",
        trademark="GreenCell",
        gtin="06901234567816",
    )
    application = application_create(
        actor=enterprise_admin,
        product=certified,
        certification_body=organisations["body"],
        scheme="national_pilot",
        product_rule_name="锂离子电池产品碳足迹评价规则 Lithium-ion battery PCR",
        product_rule_version="2025.1",
    )
    _complete_dossier(application, enterprise_admin)
    certify_demo_application(application, people)
    return people


EVALUATION_RECORD = {
    "checklist": {
        item: True for item in ("unit", "boundary", "cut_off", "data", "quality", "results")
    },
    "onsite_date": date(2026, 3, 18),
    "onsite_people": "王丽 (EHS manager), 陈杰 (production lead)",
    "onsite_observations": "Meters and energy bills match the inventory for 2025.",
    "verification_notes": "Electricity and cathode material recomputed; deviation 1.2%.",
    "assurance_level": "reasonable",
    "materiality_threshold": Decimal("0.05"),
    "opinion": "unmodified",
}


def certify_demo_application(
    application: Application, people: dict[str, User], until: str = Status.APPROVED
) -> None:
    """Walk one application through the procedure with the services, as the people of each
    role would, up to the status `until`: by default the whole way, so the demo has a
    certificate and a signed label from the first start."""
    from audits.reviews import evaluation_update
    from certification.services import (
        application_transition,
        peer_review_assign,
        peer_review_declare,
        team_assign,
        team_declare,
    )

    def step(username: str, action: str, comment: str = "") -> str:
        return application_transition(
            actor=people[username], application_id=application.pk, action=action, comment=comment
        ).status

    def plan() -> str:
        team_assign(
            actor=people["body-admin"],
            application=application,
            members=[people["reviewer"], people["reviewer2"]],
            lead=people["reviewer"],
        )
        peer_review_assign(
            actor=people["body-admin"], application=application, reviewer=people["peer-reviewer"]
        )
        return step("body-admin", "plan")

    def start() -> str:
        for username in ("reviewer", "reviewer2"):
            team_declare(actor=people[username], application=application, has_conflict=False)
        return step("reviewer", "start_evaluation")

    def evaluate() -> str:
        evaluation_update(
            actor=people["reviewer"], application=application, data=dict(EVALUATION_RECORD)
        )
        return step("reviewer", "complete_evaluation")

    def endorse() -> str:
        peer_review_declare(
            actor=people["peer-reviewer"], application=application, has_conflict=False
        )
        return step("peer-reviewer", "peer_endorse", "The file supports the opinion.")

    stages = (
        lambda: step("ent-admin", "submit"),
        lambda: step("body-admin", "accept", "Complete and in scope."),
        plan,
        start,
        evaluate,
        lambda: step(
            "tech-reviewer", "pass_technical_review", "Method and team competence confirmed."
        ),
        endorse,
        lambda: step("decision-maker", "approve", "Meets CNCA-CFP-00:2025 and GB/T 24067-2024."),
    )
    for stage in stages:
        if stage() == until:
            return


# --- a product family ----------------------------------------------------------------------

# model, GTIN, scaling factor against the representative (None: the representative), reason
FAMILY_DEMO = (
    ("GC-PB-10K", "06901234567908", None, ""),
    (
        "GC-PB-20K",
        "06901234567915",
        Decimal("1.92"),
        "Twice the cells of the 10K in the same housing: cells scale, housing does not.",
    ),
    (
        "GC-PB-5K",
        "06901234567922",
        Decimal("0.56"),
        "Half the cells of the 10K in a smaller housing of the same material.",
    ),
)


def seed_family_demo(people: dict[str, User]) -> list[str]:
    """A product family certified through the whole procedure: one representative study (the
    10K power bank), two variants declared by their scaling factors, one certificate and a
    label for each model. The demo turns families on for consumer batteries only, as an EPD
    style rule would; the national pilot's storage batteries keep one application per model.
    Idempotent."""
    from certification.families import application_variant_add
    from certification.models import Certificate

    if Product.objects.filter(model=FAMILY_DEMO[0][0]).exists():
        return []
    enterprise_admin = people["ent-admin"]
    enterprise = enterprise_admin.memberships.get().organisation
    body = people["body-admin"].memberships.get().organisation
    category = ProductCategory.objects.get(code="LIB-CONSUMER")
    category.allows_families = True
    category.save(update_fields=["allows_families"])
    with transaction.atomic():
        products = [
            product_create(
                actor=enterprise_admin,
                enterprise=enterprise,
                name="移动电源 Power bank",
                model=model,
                category=category,
                manufacturer="绿能电池有限公司",
                plant_address="江苏省常州市武进区1号",
                trademark="GreenCell",
                gtin=gtin,
            )
            for model, gtin, _factor, _reason in FAMILY_DEMO
        ]
        application = application_create(
            actor=enterprise_admin,
            product=products[0],
            certification_body=body,
            scheme="self_filed",
            product_rule_name="消费型锂离子电池产品种类规则 Consumer Li-ion battery PCR (families)",
            product_rule_version="2025.2",
        )
        _complete_dossier(application, enterprise_admin)
        for product, (_model, _gtin, factor, reason) in zip(
            products[1:], FAMILY_DEMO[1:], strict=True
        ):
            application_variant_add(
                actor=enterprise_admin,
                application=application,
                product=product,
                scaling_factor=factor,
                justification=reason,
            )
    certify_demo_application(application, people)
    certificate = Certificate.objects.get(application=application)
    return [
        f"{certificate.number}: family of {', '.join(p.model for p in products)} "
        f"({certificate.labels.count()} labels)"
    ]


# --- after the certificate ----------------------------------------------------------------

SUPERVISION_DEMO = {
    # product model: what the demo shows of a certificate's life
    "GC-ESS-30K": "surveillance due in 20 days",
    "GC-ESS-40K": "surveillance overdue past the grace: the first sweep suspends it",
    "GC-ESS-50K": "suspended past the maximum: the first sweep withdraws it",
    "GC-ESS-60K": "inside its renewal window",
}


def _storage_pack_draft(people: dict[str, User], model: str) -> Application:
    """A draft application, its dossier complete, for a new energy storage pack `model` of the
    demo enterprise at the demo body: what the supervision and worklist demos start from."""
    enterprise_admin = people["ent-admin"]
    product = product_create(
        actor=enterprise_admin,
        enterprise=enterprise_admin.memberships.get().organisation,
        name="储能电池包 Energy storage pack",
        model=model,
        category=ProductCategory.objects.get(code="LIB-STORAGE"),
        manufacturer="绿能电池有限公司",
        plant_address="江苏省常州市武进区1号",
        trademark="GreenCell",
    )
    application = application_create(
        actor=enterprise_admin,
        product=product,
        certification_body=people["body-admin"].memberships.get().organisation,
        scheme="national_pilot",
        product_rule_name="锂离子电池产品碳足迹评价规则 Lithium-ion battery PCR",
        product_rule_version="2025.1",
    )
    _complete_dossier(application, enterprise_admin)
    return application


def seed_supervision_demo(people: dict[str, User]) -> list[str]:
    """Four certificates at the moments of their life the supervision rules act on, each
    certified through the whole procedure and then moved in time: what the certificate's
    history would hold had it been issued earlier. Idempotent."""
    from datetime import timedelta

    from django.utils import timezone

    from certification.models import Certificate
    from labels.models import ReasonCode
    from labels.services import certificate_status_apply
    from oversight.models import Surveillance

    if Product.objects.filter(model__in=list(SUPERVISION_DEMO)).exists():
        return []
    today = timezone.localdate()
    certificates: dict[str, Certificate] = {}
    for model in SUPERVISION_DEMO:
        with transaction.atomic():
            application = _storage_pack_draft(people, model)
            certify_demo_application(application, people)
            certificate = Certificate.objects.get(application=application)
            if model == "GC-ESS-60K":
                # Issued 670 days ago, before its label is signed: the credential carries
                # the same dates. Its surveillance was held in its first year.
                issued = today - timedelta(days=670)
                Certificate.objects.filter(pk=certificate.pk).update(
                    issued_on=issued, valid_until=issued + timedelta(days=730)
                )
                certificate.surveillances.all().delete()
            certificates[model] = certificate
        # The label is issued as the approval commits.
    surveillance = Surveillance.objects.get(certificate=certificates["GC-ESS-30K"])
    _reschedule(surveillance, today + timedelta(days=20))
    _reschedule(
        Surveillance.objects.get(certificate=certificates["GC-ESS-40K"]), today - timedelta(days=40)
    )
    certificate_status_apply(
        certificate_id=certificates["GC-ESS-50K"].pk,
        action="suspend",
        reason="Major nonconformity in the electricity data.",
        reason_code=ReasonCode.BODY_DECISION,
        on=today - timedelta(days=200),
    )
    renewable = Certificate.objects.get(pk=certificates["GC-ESS-60K"].pk)
    Certificate.objects.filter(pk=renewable.pk).update(
        last_surveillance_on=renewable.issued_on + timedelta(days=360),
        last_surveillance_outcome="continued",
        next_surveillance_due=None,
    )
    from labels.services import label_supervision_refresh

    label_supervision_refresh(Certificate.objects.get(pk=renewable.pk))
    return [f"{certificates[model].number}: {what}" for model, what in SUPERVISION_DEMO.items()]


def _reschedule(surveillance, due) -> None:
    from datetime import timedelta

    from oversight.supervision.services import _next_due_refresh

    certificate = surveillance.certificate
    surveillance.due_on = due
    surveillance.suspend_after = due + timedelta(days=certificate.surveillance_grace_days)
    surveillance.save(update_fields=["due_on", "suspend_after"])
    _next_due_refresh(certificate)


# --- the body's open tasks ----------------------------------------------------------------

WORKLIST_DEMO = {
    # product model: (the status it is brought to, days since it got there, what the demo shows)
    "GC-ESS-70K": (Status.SUBMITTED, 14, "submitted 14 days ago: its acceptance is overdue"),
    "GC-ESS-80K": (Status.PLANNED, 0, "planned: the team declares and starts (reassignable)"),
    "GC-ESS-90K": (Status.DECISION, 2, "awaiting the decision, due in 18 days"),
}


def seed_worklist_demo(people: dict[str, User]) -> list[str]:
    """Applications waiting for the body at steps with and without a due date, for the body's
    open tasks and their due dates: each taken through the procedure with the services, then
    its last step moved back in time as if taken that many days ago. Idempotent."""
    from datetime import timedelta

    from django.utils import timezone

    if Product.objects.filter(model__in=list(WORKLIST_DEMO)).exists():
        return []
    lines = []
    for model, (status, days_ago, what) in WORKLIST_DEMO.items():
        with transaction.atomic():
            application = _storage_pack_draft(people, model)
            certify_demo_application(application, people, until=status)
            if days_ago:
                ApplicationEvent.objects.filter(application=application, to_status=status).update(
                    created_at=timezone.now() - timedelta(days=days_ago)
                )
        lines.append(f"{application.reference}: {what}")
    return lines
