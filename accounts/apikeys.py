"""API keys for marketplaces: creation, revocation and the DRF authentication class.

A key reads `clk_<prefix>_<secret>`. The prefix finds the row; the SHA-256 of the whole key is
compared in constant time. A key is a high-entropy random value, so a plain SHA-256 (not a slow
password hash) is the right tool and keeps every API call fast.

Each process remembers the keys it has checked, tagged with a version token kept in the cache:
creating or revoking a key sets a new token as it is saved and again when its transaction
commits, so the next call in every process reads the key again and a revocation
bites at once. A remembered key is re-read after ``API_KEY_MEMORY_SECONDS`` in any case (0, the
default without a shared Redis cache, reads every call's key from the database).
"""

import hashlib
import hmac
import logging
import secrets
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from config import http_cache

from .models import ApiKey, Organisation, User
from .roles import ApiScope, OrganisationKind, Role
from .selectors import user_has_role

logger = logging.getLogger(__name__)

KEY_PREFIX = "clk_"
LAST_USED_RESOLUTION = timedelta(minutes=1)
KEYS_VERSION = "apikeys:version"
KEY_MEMORY_SIZE = 10_000


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _ensure_marketplace_admin(actor: User, organisation: Organisation) -> None:
    if organisation.kind != OrganisationKind.MARKETPLACE or not user_has_role(
        actor, Role.MARKETPLACE_ADMIN, organisation
    ):
        raise ValidationError(_("Only a marketplace's administrator manages its API keys."))


@transaction.atomic
def api_key_create(
    *, actor: User, organisation: Organisation, name: str, scopes: list[str]
) -> tuple[ApiKey, str]:
    """Create a key and return it with the key text, which is never stored or shown again."""
    _ensure_marketplace_admin(actor, organisation)
    unknown = set(scopes) - set(ApiScope.values)
    if not scopes or unknown:
        raise ValidationError({"scopes": _("Choose at least one known scope.")})
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        key_hash=_hash(key),
        scopes=sorted(set(scopes)),
        created_by=actor,
    )
    api_keys_changed()
    return api_key, key


@transaction.atomic
def api_key_revoke(*, actor: User, api_key: ApiKey) -> ApiKey:
    _ensure_marketplace_admin(actor, api_key.organisation)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        api_keys_changed()
        http_cache.banned([key_cache_tag(api_key)])
    return api_key


def key_cache_tag(api_key: ApiKey) -> str:
    """The tag of the answers the HTTP cache keeps for this key alone (``labels/proxy.py``)."""
    return f"key:{api_key.prefix}"


def api_key_find(key: str) -> ApiKey | None:
    """The active key matching `key`, or None."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    api_key = ApiKey.objects.select_related("organisation").filter(prefix=prefix).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(key)):
        return None
    return api_key


class _KeyMemory:
    """The keys this process has checked (unknown ones too), valid while the version holds."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[str, float, ApiKey | None]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def remembered(self, key: str, version: str) -> tuple[bool, ApiKey | None]:
        """(known, key): whether this process knows the answer, and the answer."""
        entry = self._entries.get(_hash(key))
        if entry is not None and entry[0] == version and entry[1] > time.monotonic():
            return True, entry[2]
        return False, None

    def lookup(self, key: str, version: str) -> ApiKey | None:
        known, api_key = self.remembered(key, version)
        if known:
            return api_key
        digest, now = _hash(key), time.monotonic()
        api_key = api_key_find(key)
        with self._lock:
            if len(self._entries) >= KEY_MEMORY_SIZE:
                self._entries.clear()
            self._entries[digest] = (version, now + settings.API_KEY_MEMORY_SECONDS, api_key)
        return api_key


KEY_MEMORY = _KeyMemory()


def keys_version(current: str | None = None) -> str:
    """The version token of all keys; ``current`` is the value already read from the cache."""
    if current is not None:
        return current
    try:
        current = cache.get(KEYS_VERSION)
        if current is None:
            cache.add(KEYS_VERSION, secrets.token_hex(8), None)
            current = cache.get(KEYS_VERSION)
    except Exception:  # the cache is down: remembered keys last API_KEY_MEMORY_SECONDS at most
        logger.warning("API key version unreadable", exc_info=True)
    return current or "unversioned"


def keys_changed() -> None:
    """A new version token: every process re-reads the keys on their next use."""
    try:
        cache.set(KEYS_VERSION, secrets.token_hex(8), None)
    except Exception:
        logger.error(
            "API key version not renewed; remembered keys last %s s at most",
            settings.API_KEY_MEMORY_SECONDS,
            exc_info=True,
        )


def api_keys_changed() -> None:
    """Called by every service that creates or changes a key: a new version token now, for the
    rest of the transaction, and again once it commits."""
    keys_changed()
    transaction.on_commit(keys_changed, robust=True)


def api_key_check(key: str, version: str | None = None) -> ApiKey | None:
    """The key matching ``key``, revoked or not, or None; answered from memory when it can."""
    return KEY_MEMORY.lookup(key, keys_version(version))


def api_key_touch_due(api_key: ApiKey) -> bool:
    return (
        api_key.last_used_at is None or api_key.last_used_at < timezone.now() - LAST_USED_RESOLUTION
    )


def api_key_touch(api_key: ApiKey) -> None:
    """Record the use of a key, at most once a minute: "last used" needs no finer resolution."""
    if api_key_touch_due(api_key):
        now = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def key_from_headers(meta: dict) -> str:
    """The key of `Authorization: Api-Key <key>` or `X-API-Key: <key>`, or ""."""
    header = meta.get("HTTP_AUTHORIZATION", "")
    if header.startswith(ApiKeyAuthentication.keyword + " "):
        return header[len(ApiKeyAuthentication.keyword) + 1 :].strip()
    return meta.get("HTTP_X_API_KEY", "")


class ApiKeyUser:
    """The request.user of a key-authenticated call: an organisation, not a person."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.organisation = api_key.organisation

    def __str__(self) -> str:
        return f"API key {self.api_key.prefix}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.api_key.scopes


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>` or `X-API-Key: <key>`.

    A request without a key passes on to the next authenticator (anonymous lookups are allowed
    at a low rate); a request with a wrong or revoked key is refused outright.
    """

    keyword = "Api-Key"

    def authenticate(self, request: Request):
        key = key_from_headers(request.META)
        if not key:
            if "HTTP_X_API_KEY" in request.META:  # sent, but empty: a key gone missing
                raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_api_key")
            return None
        api_key = api_key_check(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown API key.", code="invalid_api_key")
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                "This API key is revoked.", code="revoked_api_key"
            )
        api_key_touch(api_key)
        return ApiKeyUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
        """Documents the API key in the OpenAPI schema."""

        target_class = "accounts.apikeys.ApiKeyAuthentication"
        name = "ApiKey"

        def get_security_definition(self, auto_schema):
            return {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "A marketplace API key (clk_…). `Authorization: Api-Key "
                "<key>` works too.",
            }
except ImportError:  # pragma: no cover - drf-spectacular is a pinned dependency
    pass
