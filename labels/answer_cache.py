"""The label answer cache: repeated lookups answered ahead of the middleware stack.

Marketplaces and QR scans ask for the same labels far more often than labels change. The first
middleware answers a GET of the label API (by serial, certificate number or GTIN, the badge) and
of the public verification page and its status from the cache when all of this holds, and
otherwise hands the request to the whole stack as if it were not there:

- the answer was stored from the whole stack's 200 answer to the same request (path, query,
  ``Accept``, ``Accept-Language``, language cookie, with or without a key): body and headers are
  replayed byte for byte;
- the version token of its lookup key is still current. Every saved label sets new tokens for
  its serial, certificate number and GTIN as it is saved and again when the transaction commits,
  so a status change shows on the next call; the token is read before the whole stack reads the
  database and the answer is stored with it, so an answer read before the commit is never
  served after it; a new epoch token, set whenever a signing key is made, rotated or revoked,
  makes every answer stale at once (the public page's signature check depends on the keys);
- no label in it has reached ``validUntil`` (expiry shows before the beat task records it);
- the caller may have it: on the API, a known, unrevoked API key with the ``api:labels:read``
  scope (the keys' own version token comes in the same round trip) or an anonymous caller with
  no other credentials, within the caller's rate limit (the same counters as the API's
  throttles); on the public page, any visitor without a session.

A hit costs one cache round trip (MGET of the answer, its token, the keys' token and the
epoch) and no database query. A miss, an error, a refusal, a session or token caller, or the
cache being down all take the ordinary path, which gives every error its problem+json answer.
"""

import hashlib
import logging
import pickle
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from http.client import responses
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils import translation

from accounts.apikeys import (
    KEYS_VERSION,
    api_key_check,
    api_key_remembered,
    api_key_touch,
    api_key_touch_due,
    key_from_headers,
)
from accounts.roles import ApiScope
from config.throttles import LIMITER, AnonymousLookupThrottle, ApiKeyThrottle

logger = logging.getLogger(__name__)

ANSWER_PREFIX = "labelapi:answer:v1:"  # the version of the stored tuple's shape
EPOCH_KEY = "labelapi:epoch"  # replaced when a signing key changes: every answer is then stale
TOKEN_PREFIX = "labelapi:token:"  # noqa: S105 (a cache key, not a secret)
TOKEN_GRACE_SECONDS = 60  # a token outlives the answers stored with it
NOT_REPLAYED = frozenset({"set-cookie", "date"})
_now = time.time  # the clock validUntil is compared with
PLACEHOLDER = "PLACEHOLDER"


@dataclass(frozen=True)
class Answer:
    """What a view says of a cacheable 200 answer: until when it stays true."""

    fresh_until: float | None  # epoch seconds of the earliest validUntil still ahead, or None


def answer_of(labels) -> Answer:
    """A cacheable answer about these labels holds until the earliest validUntil still ahead
    (a valid or suspended label then shows as expired)."""
    from .models import LabelStatus

    ends = [label.valid_until.timestamp() for label in labels
            if label.status in (LabelStatus.VALID, LabelStatus.SUSPENDED)]
    return Answer(fresh_until=min(ends) if ends else None)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def token_key(tag: str) -> str:
    return TOKEN_PREFIX + _digest(tag)


def serial_tag(serial: str) -> str:
    return "serial:" + serial.upper()


def certificate_tag(number: str) -> str:
    return "certificate:" + number


def gtin_tag(gtin: str) -> str:
    return "gtin:" + gtin


def _gtin_tag_of_path(value: str) -> str | None:
    if not value.isascii() or not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return None  # the view answers 400; nothing to cache
    return gtin_tag(value.zfill(14))


# --- invalidation --------------------------------------------------------------------------

def tags_changed(tags: Iterable[str]) -> None:
    """Give each tag a new token: answers stored under the old one are never served again."""
    tokens = {token_key(tag): secrets.token_hex(8) for tag in set(tags)}
    if not tokens:
        return
    try:
        cache.set_many(tokens, timeout=settings.LABEL_API_CACHE_SECONDS + TOKEN_GRACE_SECONDS)
    except Exception:  # answers stored before the change expire within the cache time
        logger.error("label answer tokens not renewed for %s; cached answers expire within "
                     "%s s", sorted(tags), settings.LABEL_API_CACHE_SECONDS, exc_info=True)


def epoch_changed() -> None:
    """Make every cached answer stale: a signing key was made, rotated or revoked, which changes
    what the public page's signature check says of every label the key signed."""
    try:
        cache.set(EPOCH_KEY, secrets.token_hex(8), None)
    except Exception:
        logger.error("label answer epoch not renewed; cached answers expire within %s s",
                     settings.LABEL_API_CACHE_SECONDS, exc_info=True)


def label_tags(label) -> list[str]:
    subject = label.credential.get("credentialSubject", {}) if isinstance(
        label.credential, dict) else {}
    tags = [serial_tag(label.serial)]
    if subject.get("certificateNumber"):
        tags.append(certificate_tag(subject["certificateNumber"]))
    if label.gtin:
        tags.append(gtin_tag(label.gtin))
    return tags


def labels_changed(labels) -> None:
    """Called by every service that creates or changes a label (no signals: models stay thin).

    New tokens now, for the rest of the transaction, and again once it commits: an answer read
    from the database in between is stored under the first and never served."""
    tags = [tag for label in labels for tag in label_tags(label)]
    tags_changed(tags)
    transaction.on_commit(lambda: tags_changed(tags), robust=True)


def signing_keys_changed() -> None:
    """Called by the services that create, rotate or revoke a signing key."""
    epoch_changed()
    transaction.on_commit(epoch_changed, robust=True)


# --- the middleware ------------------------------------------------------------------------

def _get_many(keys: tuple[str, ...]) -> list:
    """The values of ``keys`` in order (None where missing), in one round trip.

    With Redis this is a bare MGET: Django's ``get_many`` also checks every key for memcached's
    sake and builds a dict, which on this path costs as much as the round trip.
    """
    redis_client = getattr(cache, "redis_client", None)
    if redis_client is None:
        found = cache.get_many(list(keys))
        return [found.get(key) for key in keys]
    raw = redis_client().mget([cache.make_key(key) for key in keys])
    return [None if value is None else pickle.loads(value) for value in raw]  # noqa: S301


class _Routes:
    """The lookup paths, taken from the URLconf: (compiled pattern, tag of the match)."""

    @cached_property
    def patterns(self) -> list[tuple[re.Pattern[str], Callable[[str], str | None], bool]]:
        """(path pattern, tag of its argument, whether it is the API: keys and rate limits)."""
        def pattern(name: str, *args: str) -> re.Pattern[str]:
            path = reverse(name, args=[PLACEHOLDER, *args])
            prefix = get_script_prefix()  # request.path_info comes without it
            if path.startswith(prefix):
                path = "/" + path[len(prefix):]
            return re.compile("^" + re.escape(path).replace(PLACEHOLDER, "([^/]+)") + "$")

        return [
            (pattern("api-label"), serial_tag, True),
            (re.compile(pattern("api-label-badge", "svg").pattern.replace(
                r"badge\.svg", r"badge\.(?:svg|png)")), serial_tag, True),
            (pattern("api-certificate-label"), certificate_tag, True),
            (pattern("api-gtin-labels"), _gtin_tag_of_path, True),
            (pattern("labels:public_page"), serial_tag, False),
            (pattern("labels:status"), serial_tag, False),
        ]

    def match(self, path: str) -> tuple[str | None, bool]:
        """The tag of a cacheable path (None for any other) and whether it is the API."""
        for compiled, tag_of, api in self.patterns:
            found = compiled.match(path)
            if found:
                return tag_of(found.group(1)), api
        return None, False


ROUTES = _Routes()


@dataclass
class _Lookup:
    """A request the cache may answer: its keys, and what one MGET read of them."""

    answer_key: str
    tag_key: str
    api: bool
    key: str  # the API key sent, or ""
    found: list | None = None  # (answer, tag token, keys' token, epoch)


@dataclass(frozen=True)
class _Replay:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _lookup(request: HttpRequest) -> _Lookup | None:
    """The lookup of a request the cache may answer, None for any other."""
    if request.method != "GET" or not settings.LABEL_API_CACHE:
        return None
    tag, api = ROUTES.match(request.path_info)
    if tag is None:
        return None
    meta = request.META
    key = key_from_headers(meta) if api else ""
    if not key and ("HTTP_AUTHORIZATION" in meta
                    or settings.SESSION_COOKIE_NAME in request.COOKIES):
        return None  # a person: the whole stack knows them
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None  # the whole stack redirects
    try:
        request.get_host()
    except DisallowedHost:
        return None  # the whole stack answers 400
    # What the answer depends on, and no more (each variant is stored apart): the language as
    # negotiated, not the header's text; on the API the query and Accept (the badge's ?lang,
    # DRF's formats); on the page only its ?lang.
    if api:
        query, accept = meta.get("QUERY_STRING", ""), meta.get("HTTP_ACCEPT", "")
    else:
        query, accept = request.GET.get("lang", ""), ""
    answer_key = ANSWER_PREFIX + _digest("\n".join((
        request.scheme, request.path_info, query, accept,
        translation.get_language_from_request(request), "key" if key else "anonymous",
    )))
    return _Lookup(answer_key, token_key(tag), api, key)


def _read(lookup: _Lookup) -> bool:
    """One round trip; False if the cache cannot be reached."""
    try:
        lookup.found = _get_many((lookup.answer_key, lookup.tag_key, KEYS_VERSION, EPOCH_KEY))
    except Exception:
        logger.warning("label answer cache unreachable", exc_info=True)
        return False
    return True


def _current(lookup: _Lookup) -> tuple | None:
    """The stored answer if it is still true."""
    stored, token, _keys_token, epoch = lookup.found or (None, None, None, None)
    if stored is not None and token is not None and stored[0] == f"{token}:{epoch}" and (
            stored[1] is None or _now() < stored[1]):
        return stored
    return None


def _allowed(request: HttpRequest, lookup: _Lookup, *, database: bool) -> bool:
    """Whether the caller may have a cached API answer now (counting the call if so).
    Without ``database`` a key not remembered, or a last-used stamp due, says no."""
    if not lookup.api:
        return True
    keys_token = lookup.found[2] if lookup.found else None
    if lookup.key:
        api_key = (api_key_check(lookup.key, keys_token) if database
                   else api_key_remembered(lookup.key, keys_token))
        if api_key is None or api_key.revoked_at is not None or \
                ApiScope.LABELS_READ not in api_key.scopes:
            return False
        if not database and api_key_touch_due(api_key):
            return False
        throttle = ApiKeyThrottle()
        bucket = throttle.bucket_for_key(api_key.pk)
    else:
        throttle = AnonymousLookupThrottle()
        bucket = throttle.bucket_for_address(throttle.get_ident(request))
    if throttle.rate is not None and LIMITER.consume(
            bucket, throttle.num_requests, throttle.duration) is not None:
        return False
    if lookup.key and database:
        api_key_touch(api_key)
    return True


def etag_matches(condition: str | None, etag: str | None) -> bool:
    """If-None-Match by weak comparison (RFC 9110 13.1.2): ``W/`` is ignored, ``*`` matches."""
    if not condition or not etag:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in condition.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def _replay(request: HttpRequest, stored: tuple) -> _Replay:
    """The stored answer, or 304 to a matching If-None-Match (the answer is current, so a tag
    that does not match gets the stored 200, as the whole stack would give it)."""
    _version, _fresh_until, headers, body, etag = stored
    if not etag_matches(request.META.get("HTTP_IF_NONE_MATCH"), etag):
        return _Replay(200, headers, body)
    return _Replay(304, [(name, value) for name, value in headers
                         if name.lower() not in ("content-type", "content-length")], b"")


class LabelAnswerCacheMiddleware:
    """First in the middleware list: answers cached lookups, stores the whole stack's answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lookup = request.META.get(WSGI_LOOKUP) or _lookup(request)
        if lookup is None or (lookup.found is None and not _read(lookup)):
            return self.get_response(request)
        stored = _current(lookup)
        if stored is not None:
            if _allowed(request, lookup, database=True):
                replay = _replay(request, stored)
                response = HttpResponse(replay.body, status=replay.status)
                if replay.status == 304:
                    del response["Content-Type"]
                for name, value in replay.headers:
                    response[name] = value
                return response
            return self.get_response(request)
        _stale, token, _keys_token, epoch = lookup.found
        if token is None:
            token = self._new_token(lookup.tag_key, settings.LABEL_API_CACHE_SECONDS
                                    + TOKEN_GRACE_SECONDS)
        if epoch is None:
            epoch = self._new_token(EPOCH_KEY, None)
        response = self.get_response(request)
        if token is not None and epoch is not None:
            self._store(lookup.answer_key, f"{token}:{epoch}", response)
        return response

    @staticmethod
    def _new_token(tag_key: str, timeout: int | None) -> str | None:
        try:
            cache.add(tag_key, secrets.token_hex(8), timeout)
            return cache.get(tag_key)
        except Exception:
            logger.warning("label answer cache unreachable", exc_info=True)
            return None

    @staticmethod
    def _store(answer_key: str, token: str, response: HttpResponse) -> None:
        answer = getattr(response, "label_answer", None)
        if not isinstance(answer, Answer) or response.status_code != 200 or \
                response.streaming or response.cookies:
            return
        headers = [(name, value) for name, value in response.items()
                   if name.lower() not in NOT_REPLAYED]
        stored = (token, answer.fresh_until, headers, bytes(response.content),
                  response.get("ETag"))
        try:
            cache.set(answer_key, stored, timeout=settings.LABEL_API_CACHE_SECONDS)
        except Exception:
            logger.warning("label answer not cached", exc_info=True)


# --- per-label pieces of the batch answer ---------------------------------------------------

FRAGMENT_PREFIX = "labelapi:label:v1:"


class Fragment(NamedTuple):
    """One label's rendered representation, with what the batch answer needs around it.
    Stored as a plain tuple: a hundred are read at a time, and plain tuples unpickle fastest."""

    body: bytes  # the label's JSON object, as the API renders it
    order: tuple[float, int]  # (issued_at, pk): the batch lists labels newest first
    etag_line: str  # the label's share of the batch ETag
    fresh_until: float | None


def fragments_get(serials: list[str]) -> tuple[dict[str, Fragment], dict[str, str]]:
    """The current fragments of these labels, and the tokens to store the missing ones under.

    One round trip. As for whole answers, a fragment is stored under the token read before the
    database was, so a label changed meanwhile is never answered from a stale fragment.
    """
    if not settings.LABEL_API_CACHE or not serials:
        return {}, {}
    token_keys = [token_key(serial_tag(serial)) for serial in serials]
    try:
        values = _get_many((*(FRAGMENT_PREFIX + serial for serial in serials), *token_keys))
    except Exception:
        logger.warning("label answer cache unreachable", exc_info=True)
        return {}, {}
    now = _now()
    current: dict[str, Fragment] = {}
    tokens: dict[str, str] = {}
    fresh: dict[str, str] = {}
    count = len(serials)
    for index, serial in enumerate(serials):
        stored, token = values[index], values[count + index]
        if token is None:
            token = fresh[token_keys[index]] = secrets.token_hex(8)
        elif stored is not None and stored[0] == token and (
                stored[4] is None or now < stored[4]):
            current[serial] = Fragment(*stored[1:])
            continue
        tokens[serial] = token
    if fresh:
        # A fresh random token never brings back an old one, so setting it cannot make a stale
        # fragment current (a writer's own tokens are set again when it commits).
        try:
            cache.set_many(fresh, timeout=settings.LABEL_API_CACHE_SECONDS + TOKEN_GRACE_SECONDS)
        except Exception:
            return current, {}
    return current, tokens


def fragments_set(fragments: dict[str, tuple[str, Fragment]]) -> None:
    """Store fragments by serial, each with the token ``fragments_get`` gave for it."""
    if not fragments:
        return
    try:
        cache.set_many({FRAGMENT_PREFIX + serial: (token, *fragment)
                        for serial, (token, fragment) in fragments.items()},
                       timeout=settings.LABEL_API_CACHE_SECONDS)
    except Exception:
        logger.warning("label fragments not cached", exc_info=True)


# --- the WSGI front door ----------------------------------------------------------------------

WSGI_LOOKUP = "labels.answer_cache.lookup"  # a lookup read at the WSGI door, for the middleware


class LabelAnswerCacheWSGI:
    """Wraps the WSGI application: answers cache hits before Django's request handling (request
    signals, the middleware chain, response objects), which on a hit cost more than the hit.

    It answers only what the middleware would, and only without the database (a key it does not
    remember, or a last-used stamp due, goes on to Django). Everything else goes on to Django
    with what it has read, so a miss costs no second round trip.
    """

    def __init__(self, application: Callable) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "GET" and settings.LABEL_API_CACHE:
            try:
                replay = self._hit(environ)
            except Exception:  # never worse than without the door
                logger.exception("label answer cache door failed; Django answers")
                replay = None
            if replay is not None:
                start_response(f"{replay.status} {responses[replay.status]}",
                               list(replay.headers))
                return [replay.body]
        return self.application(environ, start_response)

    @staticmethod
    def _hit(environ: dict) -> "_Replay | None":
        # A copy: WSGIRequest writes the decoded path back into the environ it is given, and
        # Django must get the environ as the server sent it.
        request = WSGIRequest(environ.copy())
        lookup = _lookup(request)
        if lookup is None or not _read(lookup):
            return None
        stored = _current(lookup)
        if stored is None:
            environ[WSGI_LOOKUP] = lookup  # a miss: Django fills it from this read
            return None
        if not _allowed(request, lookup, database=False):
            return None
        return _replay(request, stored)
