"""Reads of the blacklist: the checks every gate of the procedure calls. They read only, so
any module may use them without depending on the services that write."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from config.domain_errors import Blacklisted

from .models import BlacklistEntry


def blacklist_in_force(day: date | None = None, prefix: str = "") -> Q:
    """The entries in force on ``day`` (today): begun, not ended, not delisted; ``prefix``
    reaches them through a relation (``"entry__"``)."""
    day = day or timezone.localdate()
    return Q(**{f"{prefix}effective_from__lte": day, f"{prefix}delisted_at__isnull": True}) & (
        Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": day})
    )


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
            blacklist_in_force(day),
        ).select_related("organisation", "person")
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


def blacklist_ensure_body_may_act(body: Organisation | None) -> None:
    """The check every step a certification body takes calls (acceptance, planning, decision,
    issuance, surveillance): a listed body may do none of them."""
    if body is not None:
        blacklist_ensure_clear(organisations=[body])
