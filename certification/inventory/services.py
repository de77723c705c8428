"""Writes to an application's inventory and the team's recomputation: the dossier's rules (who
edits which version, under the application's lock), then the footprint engine's own write.

Inventory edits follow the dossier's rule (the enterprise's people, on the open version). The
recomputation is stored when a version is frozen (`certification.services`) and when the team
asks for it again.
"""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audits.dashboard import facts as dashboard_facts
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import Application, DossierVersion
from certification.services import dossier_editable_version
from certification.workflow import Actor, actor_relations
from footprint import services as footprint_services
from footprint.models import InventoryLine, Recomputation
from footprint.services import ImportOutcome


def _locked_editable_version(
    actor: User, application: Application
) -> tuple[Application, DossierVersion]:
    # The application row is the lock every dossier write takes, so a line cannot be added to
    # a version while it is being frozen by a submission.
    application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
    return application, dossier_editable_version(actor=actor, application=application)


def _touch(application: Application) -> None:
    application.updated_at = timezone.now()
    application.save(update_fields=["updated_at"])


def inventory_line_create(*, actor: User, application: Application, data: dict) -> InventoryLine:
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        line = footprint_services.inventory_line_add(version=version, data=data)
        _touch(application)
    return line


def inventory_line_update(
    *, actor: User, application: Application, line: InventoryLine, data: dict
) -> InventoryLine:
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        line = footprint_services.inventory_line_change(version=version, line=line, data=data)
        _touch(application)
    return line


def inventory_line_delete(*, actor: User, application: Application, line: InventoryLine) -> None:
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        footprint_services.inventory_line_remove(version=version, line=line)
        _touch(application)


def inventory_copy_from_previous(*, actor: User, application: Application) -> int:
    """Fill the open version's empty inventory with the previous version's lines.

    A version opened for corrective actions starts without lines; the enterprise starts from
    what it submitted before instead of entering it again.
    """
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        previous = (
            application.dossier_versions.filter(number__lt=version.number)
            .order_by("-number")
            .first()
        )
        copied = footprint_services.inventory_lines_copy(version=version, previous=previous)
        _touch(application)
    return copied


def inventory_import(
    *, actor: User, application: Application, content: bytes, filename: str
) -> ImportOutcome:
    """Replace the open version's inventory with the file's lines, or change nothing.

    The file is read and every row checked before anything is written; then the old lines are
    deleted and the new ones created in one transaction, so an import is whole or absent.
    """
    # Permission first: someone who may not edit learns nothing about their file.
    version = dossier_editable_version(actor=actor, application=application)
    lines, refusal = footprint_services.inventory_file_check(
        version=version, content=content, filename=filename
    )
    if refusal is not None:
        return refusal
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        outcome = footprint_services.inventory_lines_replace(version=version, lines=lines)
        if outcome.ok:
            _touch(application)
    return outcome


def inventory_import_upload(
    *, actor: User, application: Application, upload: UploadedFile
) -> ImportOutcome:
    """`inventory_import` for an uploaded file, refusing an oversized one before reading it."""
    dossier_editable_version(actor=actor, application=application)
    content, refusal = footprint_services.inventory_upload_read(upload)
    if refusal is not None:
        return refusal
    return inventory_import(
        actor=actor, application=application, content=content, filename=upload.name or ""
    )


def recomputation_refresh(*, actor: User, application: Application) -> Recomputation:
    """The team's "recompute now" on the latest submitted version."""
    if Actor.TEAM not in actor_relations(actor, application):
        raise ActorNotPermitted(_("Only the evaluation team recomputes the footprint."))
    with transaction.atomic():
        version = (
            DossierVersion.objects.select_for_update(no_key=True)
            .filter(application=application, frozen_at__isnull=False)
            .order_by("-number")
            .first()
        )
        if version is None:
            raise TransitionNotAllowed(_("No dossier version has been submitted yet."))
        recomputation = footprint_services.recomputation_run(dossier_version=version, actor=actor)
        if recomputation is None:
            raise TransitionNotAllowed(_("The submitted dossier version has no inventory lines."))
        dashboard_facts.application_facts_update(application.pk)
    return recomputation
