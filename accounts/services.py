"""Writes about people and organisations."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError, Q, QuerySet, RestrictedError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from .identifiers import uscc_normalize
from .models import ApiTokenSecondFactor, Invitation, Membership, Organisation, User
from .roles import ADMIN_ROLES, ROLES_BY_KIND, OrganisationKind, Role
from .selectors import registrations_expired, user_roles

INVITATION_DAYS = 7
REGISTRATION_SALT = "accounts.registration"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
@transaction.atomic
def enterprise_register(
    *,
    username: str,
    email: str,
    password: str,
    display_name: str,
    name: str,
    legal_name: str,
    uscc: str,
    address: str,
    province: str,
    language: str = "",
) -> User:
    """Self-registration of an enterprise and its first administrator. The account stays
    inactive until the person follows the link e-mailed to the address they gave
    (`registration_confirm`); an unconfirmed registration is deleted when the link runs out."""
    _expired_registrations_discarded(
        User.objects.filter(
            Q(email__iexact=email)
            | Q(username__iexact=username)
            | Q(memberships__organisation__uscc=uscc_normalize(uscc))
        )
    )
    organisation = Organisation(
        kind=OrganisationKind.ENTERPRISE,
        name=name,
        legal_name=legal_name,
        uscc=uscc_normalize(uscc),
        address=address,
        province=province,
    )
    organisation.full_clean()
    user = User(
        username=username,
        email=email,
        display_name=display_name,
        is_active=False,
        registration_expires_at=timezone.now() + timedelta(hours=settings.REGISTRATION_HOURS),
        last_language=_supported(language),
    )
    user.set_password(password)
    user.full_clean()
    organisation.save()
    user.save()
    Membership.objects.create(user=user, organisation=organisation, role=Role.ENTERPRISE_ADMIN)
    _registration_link_send(user)
    return user


def _registration_link_send(user: User) -> None:
    token = signing.dumps(user.pk, salt=REGISTRATION_SALT)
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "accounts:registration_confirm", args=[token]
    )
    with translation.override(user.notification_language):
        subject = _("Confirm your registration on the carbon label platform")
        message = _(
            "Someone, probably you, registered %(organisation)s on the carbon label platform "
            "with this e-mail address, as the user %(username)s. To finish the registration, "
            "open this link before %(deadline)s (UTC): %(link)s\n\n"
            "If it was not you, ignore this e-mail: the registration is deleted then."
        ) % {
            "organisation": user.memberships.get().organisation,
            "username": user.username,
            "deadline": f"{user.registration_expires_at:%Y-%m-%d %H:%M}",
            "link": link,
        }
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    )


def registration_pending_get(token: str) -> User | None:
    """The unconfirmed registration a link confirms, while the link is good."""
    try:
        pk = signing.loads(token, salt=REGISTRATION_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(
        pk=pk, registration_expires_at__gt=timezone.now(), is_active=False
    ).first()


@transaction.atomic
def registration_confirm(*, token: str) -> User:
    """The person followed the link: the address is theirs, and the account is active."""
    pending = registration_pending_get(token)
    user = (
        User.objects.select_for_update().filter(pk=pending.pk).first()
        if pending is not None
        else None
    )
    if user is None or not user.registration_pending or user.is_active:
        raise ValidationError(_("This link is not valid any more."))
    user.is_active = True
    user.registration_expires_at = None
    user.save(update_fields=["is_active", "registration_expires_at"])
    return user


@transaction.atomic
def registration_link_resend(*, email: str) -> bool:
    """Send the link again to an address that has an unconfirmed registration. The answer to
    the person is the same either way: this says nothing of which addresses are registered."""
    user = (
        User.objects.select_for_update()
        .filter(email__iexact=email, registration_expires_at__gt=timezone.now(), is_active=False)
        .first()
    )
    if user is None:
        return False
    _registration_link_send(user)
    return True


def registration_pending_signs_in(*, username: str, password: str) -> bool:
    """Whether these are the user name and password of a registration waiting for its link."""
    user = User.objects.filter(
        username__iexact=username, registration_expires_at__gt=timezone.now(), is_active=False
    ).first()
    return user is not None and user.check_password(password)


def expired_registrations_delete() -> int:
    """Delete the registrations whose link ran out unconfirmed, with their enterprise, so that
    their address, user name and credit code are free again."""
    with transaction.atomic():
        return _expired_registrations_discarded(User.objects.all())


def _expired_registrations_discarded(users: QuerySet[User]) -> int:
    expired = users.filter(pk__in=registrations_expired())
    return sum(_registration_discarded(user) for user in expired.distinct())


def _registration_discarded(user: User) -> bool:
    """Delete an unconfirmed registration and the enterprise it created. Nothing anyone else
    wrote is lost: a registration that something refers to (PROTECT) is kept."""
    organisations = [m.organisation for m in user.memberships.select_related("organisation")]
    try:
        with transaction.atomic():
            user.delete()
            for organisation in organisations:
                if not organisation.memberships.exists():
                    organisation.delete()
    except (ProtectedError, RestrictedError):
        return False
    return True


@transaction.atomic
def invitation_create(
    *, actor: User, organisation: Organisation, email: str, role: str, language: str = ""
) -> tuple[Invitation, str]:
    """An organisation admin invites a person; the token is e-mailed and only its hash kept.

    The e-mail is written in the language of the person invited: theirs if they already have an
    account, else the one the inviter chose (`language`), else the inviter's."""
    if not user_roles(actor, organisation) & ADMIN_ROLES:
        raise ValidationError(_("Only an administrator of this organisation can invite."))
    if role not in ROLES_BY_KIND[organisation.kind]:
        raise ValidationError({"role": _("This role does not exist in this organisation.")})
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    link = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "accounts:invitation_accept", args=[token]
    )
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        language = existing.notification_language
    with translation.override(language or actor.notification_language):
        subject = _("Invitation to the carbon label platform")
        message = _("%(person)s invites you to %(organisation)s as %(role)s: %(link)s") % {
            "person": actor,
            "organisation": organisation,
            "role": Role(role).label,
            "link": link,
        }
    transaction.on_commit(
        lambda: send_mail(
            subject=subject,
            message=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    )
    return invitation, token


def invitation_get_open(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    return invitation if invitation and invitation.is_open else None


def invitation_account(invitation: Invitation) -> User | None:
    """The account that already has the invited e-mail address, if any. A registration not
    confirmed yet does not count: it has not shown the address is its own."""
    return (
        User.objects.filter(email__iexact=invitation.email)
        .exclude(registration_expires_at__isnull=False, is_active=False)
        .first()
    )


def _invitation_locked(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(no_key=True)
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_open:
        raise ValidationError(_("This invitation is not valid any more."))
    return invitation


def _invitation_joined(invitation: Invitation, user: User) -> None:
    Membership.objects.get_or_create(
        user=user, organisation=invitation.organisation, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, display_name: str) -> User:
    """Accept with a new account for the invited address. The link proves the address is the
    holder's; where an account already has it, only that account's owner, signed in, accepts
    (``invitation_accept_as``): the link is not a way into someone's account."""
    invitation = _invitation_locked(token)
    if invitation_account(invitation) is not None:
        raise ValidationError(
            _("An account with this e-mail address exists: log in to it to accept.")
        )
    _expired_registrations_discarded(User.objects.filter(username__iexact=username))
    # The link proves the address is the holder's: an unconfirmed registration that took it
    # (someone else's, or the holder's own, forgotten) gives way.
    for unconfirmed in User.objects.filter(email__iexact=invitation.email):
        if not _registration_discarded(unconfirmed):
            raise ValidationError(
                _("An account with this e-mail address exists: log in to it to accept.")
            )
    user = User(username=username, email=invitation.email, display_name=display_name)
    user.set_password(password)
    user.full_clean()
    user.save()
    _invitation_joined(invitation, user)
    return user


@transaction.atomic
def invitation_accept_as(*, token: str, user: User) -> User:
    """Accept for the signed-in owner of the account that has the invited address."""
    invitation = _invitation_locked(token)
    if invitation_account(invitation) != user:
        raise ValidationError(
            _("This invitation is for %(email)s: log in to the account with that address.")
            % {"email": invitation.email}
        )
    _invitation_joined(invitation, user)
    return user


@transaction.atomic
def api_token_issue(*, user: User, second_factor_given: bool) -> Token:
    """The person's API token (one per person, kept across calls). With a second factor given,
    the time is recorded on it: staff tokens work only with one, and the named operations ask
    for one given within MFA_STEP_UP_SECONDS."""
    token, _created = Token.objects.get_or_create(user=user)
    if second_factor_given:
        ApiTokenSecondFactor.objects.update_or_create(
            token=token, defaults={"verified_at": timezone.now()}
        )
    return token


def user_language_set(*, actor: User, language: str) -> User:
    """The person's choice of language for their notifications and e-mails ("" follows the
    language they last used)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    actor.language = language
    actor.save(update_fields=["language"])
    return actor


def user_last_language_record(*, user: User, language: str) -> None:
    """Remember the language the person reads the portal in, which their notifications follow
    until they choose one. Written only when it changed: it is called at every sign-in."""
    language = _supported(language)
    if language and language != user.last_language:
        User.objects.filter(pk=user.pk).update(last_language=language)
        user.last_language = language


def _supported(language: str | None) -> str:
    if not language:
        return ""
    try:
        return translation.get_supported_language_variant(language)
    except LookupError:
        return ""
