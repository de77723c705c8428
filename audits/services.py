"""Blacklist checks: every gate of the procedure calls `blacklist_ensure_clear`."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from certification.errors import Blacklisted

from .models import BlacklistEntry


def blacklist_hits(
    *,
    organisations: Iterable[Organisation] = (),
    people: Iterable[User] = (),
    on: date | None = None,
) -> list[BlacklistEntry]:
    day = on or timezone.localdate()
    organisation_ids = [o.pk for o in organisations if o is not None]
    person_ids = [p.pk for p in people if p is not None]
    if not organisation_ids and not person_ids:
        return []
    return list(
        BlacklistEntry.objects.filter(
            Q(organisation_id__in=organisation_ids) | Q(person_id__in=person_ids),
            effective_from__lte=day,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .select_related("organisation", "person")
    )


def blacklist_ensure_clear(
    *, organisations: Iterable[Organisation] = (), people: Iterable[User] = ()
) -> None:
    hits = blacklist_hits(organisations=organisations, people=people)
    if hits:
        entry = hits[0]
        raise Blacklisted(
            _("Blocked by blacklist entry #%(id)s: %(subject)s — %(reason)s (%(source)s)")
            % {
                "id": entry.pk,
                "subject": entry.subject,
                "reason": entry.reason,
                "source": entry.source_document,
            }
        )


def blacklist_entry_create(
    *,
    actor: User,
    organisation: Organisation | None = None,
    person: User | None = None,
    reason: str,
    source_document: str,
    effective_from: date,
    effective_to: date | None = None,
) -> BlacklistEntry:
    entry = BlacklistEntry(
        organisation=organisation,
        person=person,
        reason=reason,
        source_document=source_document,
        effective_from=effective_from,
        effective_to=effective_to,
        created_by=actor,
    )
    entry.full_clean()
    entry.save()
    return entry
