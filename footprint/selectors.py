"""Reads of the factor library, inventories and recomputations.

The library is public to every signed-in person, drafts only to its editors. Who reads an
inventory, part of the confidential dossier, is the certification app's rule
(`certification.inventory.selectors`).
"""

from typing import TYPE_CHECKING

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from accounts.models import User
from accounts.selectors import user_is_platform_admin, user_is_regulator

from .models import (
    DatasetVersion,
    DatasetVersionStatus,
    EmissionFactor,
    EmissionFactorDataset,
    InventoryLine,
)

if TYPE_CHECKING:
    from footprint.dossiers import DossierVersionRecord


def user_can_edit_factor_library(user: User) -> bool:
    """Platform administrators and regulators keep the library."""
    return user.is_authenticated and (user_is_platform_admin(user) or user_is_regulator(user))


# --- the factor library -------------------------------------------------------------------


def latest_published_version_ids() -> QuerySet:
    newest = DatasetVersion.objects.filter(
        dataset=OuterRef("pk"), status=DatasetVersionStatus.PUBLISHED
    ).order_by("-number")
    return (
        EmissionFactorDataset.objects.annotate(latest=Subquery(newest.values("pk")[:1]))
        .filter(latest__isnull=False)
        .values("latest")
    )


def factor_list_current() -> QuerySet[EmissionFactor]:
    """Factors of the latest published version of each dataset: what new lines may use."""
    return EmissionFactor.objects.filter(version_id__in=latest_published_version_ids())


def factor_search(
    *, query: str = "", region: str = "", year: int | None = None, publisher: str = ""
) -> QuerySet[EmissionFactor]:
    factors = factor_list_current().select_related("version__dataset")
    if query:
        factors = factors.filter(
            Q(name__icontains=query) | Q(code__icontains=query) | Q(source__icontains=query)
        )
    if region:
        factors = factors.filter(region__iexact=region)
    if year is not None:
        factors = factors.filter(data_year=year)
    if publisher:
        factors = factors.filter(publisher__icontains=publisher)
    return factors.order_by("code")


def factor_regions() -> list[str]:
    return list(
        factor_list_current().order_by("region").values_list("region", flat=True).distinct()
    )


def factor_current_by_code(code: str) -> EmissionFactor | None:
    """The factor a code names in the latest published version of its dataset."""
    return factor_list_current().select_related("version__dataset").filter(code=code).first()


def factors_current_by_code() -> dict[str, EmissionFactor]:
    return {
        factor.code: factor for factor in factor_list_current().select_related("version__dataset")
    }


def dataset_list_for_actor(user: User) -> QuerySet[EmissionFactorDataset]:
    return EmissionFactorDataset.objects.prefetch_related("versions").order_by("code")


def dataset_get(pk: int | str) -> EmissionFactorDataset:
    try:
        return EmissionFactorDataset.objects.get(pk=pk)
    except (EmissionFactorDataset.DoesNotExist, ValueError) as error:
        raise Http404 from error


def dataset_version_get_for_actor(user: User, pk: int | str) -> DatasetVersion:
    """A published version for anyone signed in; a draft only for the library's editors."""
    versions = DatasetVersion.objects.select_related("dataset", "published_by")
    if not user_can_edit_factor_library(user):
        versions = versions.filter(status=DatasetVersionStatus.PUBLISHED)
    try:
        return versions.get(pk=pk)
    except (DatasetVersion.DoesNotExist, ValueError) as error:
        raise Http404 from error


def factor_get_for_editing(user: User, pk: int | str) -> EmissionFactor:
    if not user_can_edit_factor_library(user):
        raise Http404
    try:
        return EmissionFactor.objects.select_related("version__dataset").get(
            pk=pk, version__status=DatasetVersionStatus.DRAFT
        )
    except (EmissionFactor.DoesNotExist, ValueError) as error:
        raise Http404 from error


# --- inventories --------------------------------------------------------------------------


def inventory_lines_of(version: "DossierVersionRecord") -> QuerySet[InventoryLine]:
    return version.inventory_lines.select_related(
        "factor__version__dataset", "custom_factor_evidence"
    ).order_by("position")


def inventory_line_get(version: "DossierVersionRecord", pk: int | str) -> InventoryLine:
    try:
        return inventory_lines_of(version).get(pk=pk)
    except (InventoryLine.DoesNotExist, ValueError) as error:
        raise Http404 from error
