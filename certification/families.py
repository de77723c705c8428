"""Product families and sibling templates.

Where the product rule of a category allows families (`ProductCategory.allows_families`), one
application covers the representative product, whose footprint study is verified, and its
variants, each declared by a scaling factor against the representative. On approval the one
certificate carries one label per product (labels.services.label_issue). Where the rule does
not, each model needs its own application: it may start from a certified sibling's dossier,
copied and marked as such, and verified again through the whole procedure.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User

from .dossiers import dossier_copy_into
from .errors import TransitionNotAllowed
from .models import (
    Application,
    ApplicationVariant,
    Certificate,
    CertificateStatus,
    Product,
    Status,
)
from .services import _ensure_enterprise_user, application_create
from .workflow import family_refusal

VARIANT_EDITABLE_STATUSES = (Status.DRAFT,)


def ensure_family_editor(actor: User, application: Application) -> None:
    """Only the applying enterprise's people change its family (ActorNotPermitted)."""
    _ensure_enterprise_user(actor, application.enterprise)


def _locked_draft(actor: User, application: Application) -> Application:
    ensure_family_editor(actor, application)
    application = (
        Application.objects.select_for_update(of=("self",), no_key=True)
        .select_related("product__category")
        .get(pk=application.pk)
    )
    if application.status not in VARIANT_EDITABLE_STATUSES:
        raise TransitionNotAllowed(
            _("Variants can only be changed while the application is a draft.")
        )
    return application


def application_variant_add(
    *,
    actor: User,
    application: Application,
    product: Product,
    scaling_factor: Decimal,
    justification: str,
) -> ApplicationVariant:
    """Add a variant to a draft application, under a rule that allows families."""
    with transaction.atomic():
        application = _locked_draft(actor, application)
        refusal = family_refusal(application)
        if refusal:
            raise ValidationError(refusal)
        errors = {}
        if product.enterprise_id != application.enterprise_id:
            errors["product"] = _("Choose one of your enterprise's products.")
        elif product.pk == application.product_id:
            errors["product"] = _("The representative product cannot be its own variant.")
        elif product.category_id != application.product.category_id:
            errors["product"] = _(
                "A variant must be in the representative's category, under the same rule."
            )
        elif application.variants.filter(product=product).exists():
            errors["product"] = _("This product is already a variant of this application.")
        if scaling_factor is None or scaling_factor <= 0:
            errors["scaling_factor"] = _("The scaling factor must be greater than zero.")
        if not (justification or "").strip():
            errors["justification"] = _("Explain how the variant differs from the representative.")
        if errors:
            raise ValidationError(errors)
        variant = ApplicationVariant(
            application=application,
            product=product,
            scaling_factor=scaling_factor,
            justification=justification.strip(),
        )
        variant.full_clean()
        variant.save()
        return variant


def application_variant_remove(*, actor: User, application: Application, variant_id: int) -> None:
    with transaction.atomic():
        application = _locked_draft(actor, application)
        deleted, _rows = application.variants.filter(pk=variant_id).delete()
        if not deleted:
            raise ValidationError(_("No such variant."))


# --- the sibling template -----------------------------------------------------------------


def sibling_certificates_for(product: Product) -> QuerySet[Certificate]:
    """Valid certificates of the same enterprise's other products in the same category: the
    dossiers a new application for `product` may start from."""
    return (
        Certificate.objects.filter(
            enterprise_id=product.enterprise_id,
            product__category_id=product.category_id,
            status=CertificateStatus.VALID,
        )
        .exclude(product=product)
        .select_related("product", "application")
        .order_by("-issued_on", "-pk")
    )


def application_start_from_sibling(
    *, actor: User, certificate: Certificate, product: Product
) -> Application:
    """A new draft application for `product` whose dossier is a copy of a certified sibling's,
    marked as copied from that certificate. It is verified again from the start: the copy
    saves typing, not evaluation."""
    _ensure_enterprise_user(actor, product.enterprise)
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",), no_key=True)
            .select_related("application", "dossier_version")
            .get(pk=certificate.pk)
        )
        if not sibling_certificates_for(product).filter(pk=certificate.pk).exists():
            raise ValidationError(
                {
                    "certificate": _(
                        "Choose a valid certificate of another of your products in the same "
                        "category."
                    )
                }
            )
        sibling = certificate.application
        application = application_create(
            actor=actor,
            product=product,
            certification_body=certificate.certification_body,
            scheme=sibling.scheme,
            product_rule_name=sibling.product_rule_name,
            product_rule_version=sibling.product_rule_version,
            plant_address=product.plant_address,
        )
        application.copied_from = certificate
        application.save(update_fields=["copied_from"])
        dossier_copy_into(
            source=certificate.dossier_version,
            target=application.dossier_versions.get(number=1),
        )
        return application
