"""Writes of the blacklist register: listing and delisting (the checks every gate calls are
reads, in `selectors.py`)."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import user_is_platform_admin, user_is_regulator
from config.domain_errors import ActorNotPermitted, WorkflowError
from config.uploads import check_upload

from . import hooks
from .chain.services import chain_append
from .models import BlacklistDocument, BlacklistEntry
from .selectors import blacklist_in_force


def blacklist_entry_create(
    *,
    actor: User,
    organisation: Organisation | None = None,
    person: User | None = None,
    reason: str,
    source_document: str,
    effective_from: date,
    effective_to: date | None = None,
    legal_basis: str = "",
    documents: Iterable[UploadedFile] = (),
) -> BlacklistEntry:
    """List a body, an enterprise or a person, with the effects a listing has at once.

    Only a regulator (or the platform administrator, through the API) lists. Every document
    is checked by content before anything is written. A listed body's open files are frozen
    and their enterprises told, and the labels it issued are flagged for review.
    """
    _ensure_regulator(actor)
    checked = [(upload, check_upload(upload)) for upload in documents]
    with transaction.atomic():
        entry = BlacklistEntry(
            organisation=organisation,
            person=person,
            reason=reason,
            source_document=source_document,
            legal_basis=legal_basis,
            effective_from=effective_from,
            effective_to=effective_to,
            created_by=actor,
        )
        entry.full_clean()
        if effective_to is not None and effective_to < effective_from:
            raise ValidationError({"effective_to": _("The period ends before it starts.")})
        entry.save()
        stored: list[str] = []
        try:
            for upload, facts in checked:
                document = BlacklistDocument(entry=entry)
                document.record_check(upload, facts, actor)
                document.file.save("upload", upload, save=False)
                if document.file.name:
                    stored.append(document.file.name)
                document.save()
            if BlacklistEntry.objects.filter(blacklist_in_force(), pk=entry.pk).exists():
                hooks.blacklist_listing_effects(entry)  # else on the day it starts, if ever
            # After the listing's effects (they lock the labels they flag).
            _chain(entry, "listed", actor=actor)
        except Exception:
            # The transaction rolls back the rows; the stored bytes must go too.
            for name in stored:
                BlacklistDocument.file.field.storage.delete(name)
            raise
    return entry


def blacklist_entry_delist(*, actor: User, entry_id: int, reason: str) -> BlacklistEntry:
    """End an entry now. The record stays, with who delisted it, when and why."""
    _ensure_regulator(actor)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for delisting.")})
    with transaction.atomic():
        entry = BlacklistEntry.objects.select_for_update(no_key=True).get(pk=entry_id)
        if entry.delisted_at is not None:
            raise WorkflowError(_("This entry has already been delisted."))
        today = timezone.localdate()
        entry.delisted_at = timezone.now()
        entry.delisted_by = actor
        entry.delisting_reason = reason
        if entry.effective_to is None or entry.effective_to > today:
            entry.effective_to = max(today, entry.effective_from)
        entry.save(update_fields=["delisted_at", "delisted_by", "delisting_reason", "effective_to"])
        _chain(entry, "delisted", actor=actor)
    return entry


def _chain(entry: BlacklistEntry, action: str, *, actor: User) -> None:
    """The audit chain's entry of a listing or delisting, with its documents' SHA-256."""
    organisation = entry.organisation
    chain_append(
        f"audits:blacklist:{action}",
        {
            "entry": entry.pk,
            "organisation": entry.organisation_id,
            "person": entry.person_id,
            "reason": entry.reason,
            "sourceDocument": entry.source_document,
            "legalBasis": entry.legal_basis,
            "effectiveFrom": entry.effective_from.isoformat(),
            "effectiveTo": entry.effective_to.isoformat() if entry.effective_to else None,
            "delistingReason": entry.delisting_reason,
            "documents": [
                {"name": document.original_name, "sha256": document.sha256}
                for document in entry.documents.order_by("pk")
            ],
        },
        actor=actor,
        body_id=organisation.pk
        if organisation is not None and organisation.is_certification_body
        else None,
    )


def _ensure_regulator(actor: User) -> None:
    if not (user_is_regulator(actor) or user_is_platform_admin(actor)):
        raise ActorNotPermitted(_("Only the regulator keeps the blacklist."))
