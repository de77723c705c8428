"""Reads about people: which organisations and roles a user has.

Memberships are read once per request and cached on the user object, so permission checks on a
list page do not cost a query per row.
"""

from django.db.models import QuerySet
from django.utils import timezone

from .models import Membership, Organisation, User
from .roles import SECOND_FACTOR_ROLES, OrganisationKind, Role

_CACHE_ATTR = "_membership_cache"


def memberships_for(user: User) -> list[Membership]:
    if not user.is_authenticated or user.pk is None:  # anonymous, or an API key: not a person
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("organisation"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user: User) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_roles(user: User, organisation: Organisation | None = None) -> set[str]:
    return {
        m.role
        for m in memberships_for(user)
        if organisation is None or m.organisation_id == organisation.pk
    }


def user_has_role(user: User, role: str, organisation: Organisation | None = None) -> bool:
    return role in user_roles(user, organisation)


def user_organisations(user: User, kind: str | None = None) -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for membership in memberships_for(user):
        if kind is None or membership.organisation.kind == kind:
            seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())


def user_organisation_ids(user: User, kind: str | None = None) -> set[int]:
    return {o.pk for o in user_organisations(user, kind)}


def user_primary_organisation(user: User) -> Organisation | None:
    organisations = user_organisations(user)
    return organisations[0] if organisations else None


def user_is_regulator(user: User) -> bool:
    return user_has_role(user, Role.REGULATOR)


def user_is_platform_admin(user: User) -> bool:
    return user.is_superuser or user_has_role(user, Role.PLATFORM_ADMIN)


def user_needs_second_factor(user: User) -> bool:
    """Whether this person must sign in with a second factor: every body role, the regulator,
    platform administrators and anyone who reaches the Django admin."""
    if not user.is_authenticated or user.pk is None:
        return False
    return user.is_superuser or user.is_staff or bool(user_roles(user) & SECOND_FACTOR_ROLES)


def user_enterprise_ids(user: User) -> set[int]:
    return user_organisation_ids(user, OrganisationKind.ENTERPRISE)


def user_body_ids(user: User) -> set[int]:
    return user_organisation_ids(user, OrganisationKind.CERTIFICATION_BODY)


def body_members_with_role(body: Organisation, role: str) -> list[User]:
    return list(
        User.objects.filter(memberships__organisation=body, memberships__role=role, is_active=True)
        .distinct()
        .order_by("username")
    )


def registrations_expired() -> QuerySet[User]:
    """Registrations whose confirmation link ran out before anyone followed it: they hold their
    address, user name and credit code no longer."""
    return User.objects.filter(registration_expires_at__lte=timezone.now(), is_active=False)
