"""Who reads an application's inventory and its recomputation: the dossier's readers, and the
verifier's side for the workbench."""

from django.http import Http404

from accounts.models import User
from certification.models import Application, DossierVersion
from certification.selectors import (
    application_can_read_dossier,
    application_verifier_needs_to_know,
)
from footprint.models import Recomputation


def dossier_version_for_inventory(
    user: User, application: Application, number: int | str | None = None
) -> DossierVersion:
    """The version whose inventory `user` reads: the latest, or the one numbered."""
    if not application_can_read_dossier(user, application):
        raise Http404
    versions = application.dossier_versions.order_by("-number")
    try:
        version = versions.get(number=number) if number else versions.first()
    except (DossierVersion.DoesNotExist, ValueError) as error:
        raise Http404 from error
    if version is None:
        raise Http404
    return version


# --- the workbench ------------------------------------------------------------------------


def application_can_use_workbench(user: User, application: Application) -> bool:
    """The verifier's side, as far as it needs to know the file: the body's people on it, its
    administrators, technical reviewers and decision makers, the current peer reviewer and the
    regulator."""
    return application_verifier_needs_to_know(user, application)


def workbench_version_for_actor(user: User, application: Application) -> DossierVersion | None:
    """The latest submitted (frozen) version, which is what verification works on."""
    if not application_can_use_workbench(user, application):
        raise Http404
    return (
        application.dossier_versions.filter(frozen_at__isnull=False)
        .select_related("recomputation")
        .order_by("-number")
        .first()
    )


def recomputation_get_for_actor(user: User, application: Application) -> Recomputation:
    version = workbench_version_for_actor(user, application)
    recomputation = getattr(version, "recomputation", None) if version else None
    if recomputation is None:
        raise Http404
    return recomputation
