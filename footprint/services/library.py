"""Edits of the factor library: drafts, their factors, publishing and discarding.

Library edits are for platform administrators and regulators, and only on drafts: publishing
makes a version immutable.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.domain_errors import ActorNotPermitted, TransitionNotAllowed

from .. import bridge
from ..models import (
    DatasetVersion,
    DatasetVersionStatus,
    EmissionFactor,
    EmissionFactorDataset,
    GwpSet,
)
from ..selectors import user_can_edit_factor_library
from ..units import UnitError, parse_factor_unit

FACTOR_FIELDS = (
    "code",
    "name",
    "region",
    "data_year",
    "publication_date",
    "publisher",
    "source",
    "licence_note",
    "factor_kind",
    "value",
    "unit",
    "gwp_set",
)


def ensure_library_editor(actor: User) -> None:
    if not user_can_edit_factor_library(actor):
        raise ActorNotPermitted(
            _("Only platform administrators and regulators edit the factor library.")
        )


def _locked_draft(version: DatasetVersion) -> DatasetVersion:
    # Every draft edit locks the version row first, so an edit cannot land after (or while)
    # the same version is published.
    version = (
        DatasetVersion.objects.select_for_update(no_key=True)
        .select_related("dataset")
        .get(pk=version.pk)
    )
    if version.status != DatasetVersionStatus.DRAFT:
        raise TransitionNotAllowed(
            _("A published factor version cannot change; create a new draft instead.")
        )
    return version


@transaction.atomic
def dataset_version_create_draft(
    *, actor: User, dataset: EmissionFactorDataset, change_note: str = ""
) -> DatasetVersion:
    """A new draft version holding a copy of the latest published factors."""
    ensure_library_editor(actor)
    dataset = EmissionFactorDataset.objects.select_for_update(no_key=True).get(pk=dataset.pk)
    existing = dataset.versions.filter(status=DatasetVersionStatus.DRAFT).first()
    if existing is not None:
        raise TransitionNotAllowed(
            _("Version %(number)s of %(dataset)s is a draft already.")
            % {"number": existing.number, "dataset": dataset.code}
        )
    latest = (
        dataset.versions.filter(status=DatasetVersionStatus.PUBLISHED).order_by("-number").first()
    )
    number = (dataset.versions.aggregate(Max("number"))["number__max"] or 0) + 1
    draft = DatasetVersion.objects.create(
        dataset=dataset, number=number, created_by=actor, change_note=change_note
    )
    if latest is not None:
        EmissionFactor.objects.bulk_create(
            [
                EmissionFactor(
                    version=draft,
                    gas=factor.gas,
                    **{name: getattr(factor, name) for name in FACTOR_FIELDS},
                )
                for factor in latest.factors.all()
            ]
        )
    return draft


def _factor_apply(factor: EmissionFactor, data: dict) -> None:
    unknown = set(data) - set(FACTOR_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown factor field.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(factor, name, "" if value is None and name not in ("data_year", "value") else value)
    errors: dict[str, str] = {}
    prefix = f"{factor.version.dataset.code}:"
    if not str(factor.code).startswith(prefix):
        errors["code"] = _("A code of this dataset starts with “%(prefix)s”.") % {"prefix": prefix}
    try:
        factor.gas = parse_factor_unit(str(factor.unit)).gas
    except UnitError as error:
        errors["unit"] = bridge.localised(error)
    if factor.gwp_set and factor.gwp_set not in GwpSet.values:
        errors["gwp_set"] = _("Use one of %(sets)s.") % {"sets": ", ".join(GwpSet.values)}
    if errors:
        raise ValidationError(errors)
    factor.full_clean()


def factor_create(*, actor: User, version: DatasetVersion, data: dict) -> EmissionFactor:
    ensure_library_editor(actor)
    with transaction.atomic():
        version = _locked_draft(version)
        factor = EmissionFactor(version=version)
        _factor_apply(factor, data)
        factor.save()
    return factor


def factor_update(*, actor: User, factor: EmissionFactor, data: dict) -> EmissionFactor:
    ensure_library_editor(actor)
    with transaction.atomic():
        version = _locked_draft(factor.version)
        factor = EmissionFactor.objects.get(pk=factor.pk)
        factor.version = version
        _factor_apply(factor, data)
        factor.save()
    return factor


@transaction.atomic
def factor_delete(*, actor: User, factor: EmissionFactor) -> None:
    ensure_library_editor(actor)
    _locked_draft(factor.version)
    EmissionFactor.objects.get(pk=factor.pk).delete()


def dataset_version_mark_published(version: DatasetVersion, actor: User | None) -> DatasetVersion:
    version.status = DatasetVersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.save(update_fields=["status", "published_at", "published_by"])
    return version


@transaction.atomic
def dataset_version_publish(*, actor: User, version: DatasetVersion) -> DatasetVersion:
    """Publish a draft. From here on it is immutable; new inventory lines take its factors."""
    ensure_library_editor(actor)
    version = _locked_draft(version)
    if not version.factors.exists():
        raise ValidationError(_("A version without factors cannot be published."))
    return dataset_version_mark_published(version, actor)


@transaction.atomic
def dataset_version_discard(*, actor: User, version: DatasetVersion) -> None:
    ensure_library_editor(actor)
    version = _locked_draft(version)
    version.factors.all().delete()
    version.delete()
