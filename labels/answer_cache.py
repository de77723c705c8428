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

import functools
import hashlib
import io
import logging
import pickle
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from http.client import responses
from typing import NamedTuple

import orjson
from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from accounts.apikeys import (
    KEYS_VERSION,
    api_key_check,
    api_key_remembered,
    api_key_touch,
    api_key_touch_due,
    key_from_headers,
)
from accounts.roles import ApiScope
from config.throttles import LIMITER, AnonymousLookupThrottle, ApiKeyThrottle, LeasedRateThrottle

logger = logging.getLogger(__name__)

ANSWER_PREFIX = "labelapi:answer:v1:"  # the version of the stored tuple's shape
EPOCH_KEY = "labelapi:epoch"  # replaced when a signing key changes: every answer is then stale
TOKEN_PREFIX = "labelapi:token:"  # noqa: S105 (a cache key, not a secret)
# Replaced with every label token: a fragment this process checked against its label's token
# under the current generation needs no second look (see _FragmentMemory).
GENERATION_KEY = "labelapi:generation"
TOKEN_GRACE_SECONDS = 60  # a token outlives the answers stored with it
NOT_REPLAYED = frozenset({"set-cookie", "date"})
_now = time.time  # the clock validUntil is compared with
PLACEHOLDER = "PLACEHOLDER"
BATCH_LIMIT = 100  # keys in one batch of the label API (CONTRACTS §6)


@dataclass(frozen=True)
class Answer:
    """What a view says of a cacheable 200 answer: until when it stays true."""

    fresh_until: float | None  # epoch seconds of the earliest validUntil still ahead, or None


def mark_answer(response: HttpResponse, answer: Answer) -> None:
    """Say that a view's 200 answer may be cached (the middleware stores only such answers)."""
    response.label_answer = answer  # type: ignore[attr-defined]


def mark_batch(response: HttpResponse) -> None:
    """Say that a batch answer's headers may serve the batches the WSGI door splices."""
    response.label_batch = True  # type: ignore[attr-defined]


def answer_of(labels) -> Answer:
    """A cacheable answer about these labels holds until the earliest validUntil still ahead
    (a valid or suspended label then shows as expired)."""
    from .models import LabelStatus

    ends = [
        label.valid_until.timestamp()
        for label in labels
        if label.status in (LabelStatus.VALID, LabelStatus.SUSPENDED)
    ]
    return Answer(fresh_until=min(ends) if ends else None)


def _new_token() -> int:
    """A version token. An integer: Django's Redis backend stores those as digits, not pickles,
    and a batch reads a hundred of them."""
    return secrets.randbits(62)


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
    """Give each tag a new token: answers stored under the old one are never served again.
    The generation changes with them, in the same atomic write."""
    tokens = {token_key(tag): _new_token() for tag in set(tags)}
    if not tokens:
        return
    tokens[GENERATION_KEY] = _new_token()
    try:
        cache.set_many(tokens, timeout=settings.LABEL_API_CACHE_SECONDS + TOKEN_GRACE_SECONDS)
    except Exception:  # answers stored before the change expire within the cache time
        logger.error(
            "label answer tokens not renewed for %s; cached answers expire within %s s",
            sorted(tags),
            settings.LABEL_API_CACHE_SECONDS,
            exc_info=True,
        )


def epoch_changed() -> None:
    """Make every cached answer stale: a signing key was made, rotated or revoked, which changes
    what the public page's signature check says of every label the key signed."""
    try:
        cache.set(EPOCH_KEY, _new_token(), None)
    except Exception:
        logger.error(
            "label answer epoch not renewed; cached answers expire within %s s",
            settings.LABEL_API_CACHE_SECONDS,
            exc_info=True,
        )


def label_tags(label) -> list[str]:
    subject = (
        label.credential.get("credentialSubject", {}) if isinstance(label.credential, dict) else {}
    )
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

PICKLED = pickle.PROTO[0]  # the first byte of every pickle Django's Redis backend writes


def _get_many(keys: tuple[str, ...]) -> list:
    """The values of ``keys`` in order (None where missing), in one round trip.

    With Redis this is a bare MGET: Django's ``get_many`` also checks every key for memcached's
    sake and builds a dict, which on this path costs as much as the round trip.
    """
    backend = caches["default"]  # once: each use of the ``cache`` proxy costs a lookup
    redis_client = getattr(backend, "redis_client", None)
    if redis_client is None:
        found = backend.get_many(list(keys))
        return [found.get(key) for key in keys]
    make_key = backend.make_key
    raw = redis_client().mget([make_key(key) for key in keys])
    # As Django's RedisSerializer reads them: integers as digits, everything else pickled.
    return [
        None
        if value is None
        else pickle.loads(value)  # noqa: S301 - our own cache's bytes
        if value[0] == PICKLED
        else int(value)
        for value in raw
    ]


class _Routes:
    """The lookup paths, taken from the URLconf: (compiled pattern, tag of the match)."""

    @cached_property
    def patterns(self) -> list[tuple[re.Pattern[str], Callable[[str], str | None], bool]]:
        """(path pattern, tag of its argument, whether it is the API: keys and rate limits)."""

        def pattern(name: str, *args: str) -> re.Pattern[str]:
            path = reverse(name, args=[PLACEHOLDER, *args])
            prefix = get_script_prefix()  # request.path_info comes without it
            if path.startswith(prefix):
                path = "/" + path[len(prefix) :]
            return re.compile("^" + re.escape(path).replace(PLACEHOLDER, "([^/]+)") + "$")

        return [
            (pattern("api-label"), serial_tag, True),
            (
                re.compile(
                    pattern("api-label-badge", "svg").pattern.replace(
                        r"badge\.svg", r"badge\.(?:svg|png)"
                    )
                ),
                serial_tag,
                True,
            ),
            (pattern("api-certificate-label"), certificate_tag, True),
            (pattern("api-gtin-labels"), _gtin_tag_of_path, True),
            (pattern("labels:public_page"), serial_tag, False),
            (pattern("labels:status"), serial_tag, False),
        ]

    @cached_property
    def batch_path(self) -> str:
        path = reverse("api-label-batch")
        prefix = get_script_prefix()
        return "/" + path[len(prefix) :] if path.startswith(prefix) else path

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
    if not key and (
        "HTTP_AUTHORIZATION" in meta or settings.SESSION_COOKIE_NAME in request.COOKIES
    ):
        return None  # a person: the whole stack knows them
    if api and not key and "HTTP_X_API_KEY" in meta:
        return None  # an empty key: the whole stack refuses it
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
    answer_key = ANSWER_PREFIX + _digest(
        "\n".join(
            (
                request.scheme or "",
                request.path_info,
                query,
                accept,
                translation.get_language_from_request(request),
                "key" if key else "anonymous",
            )
        )
    )
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
    if (
        stored is not None
        and token is not None
        and stored[0] == f"{token}:{epoch}"
        and (stored[1] is None or _now() < stored[1])
    ):
        return stored
    return None


def _allowed(request: HttpRequest, lookup: _Lookup, *, database: bool) -> bool:
    """Whether the caller may have a cached API answer now (counting the call if so).
    Without ``database`` a key not remembered, or a last-used stamp due, says no."""
    if not lookup.api:
        return True
    keys_token = lookup.found[2] if lookup.found else None
    throttle: LeasedRateThrottle
    touch = None  # the key whose last-used stamp to record
    if lookup.key:
        api_key = (
            api_key_check(lookup.key, keys_token)
            if database
            else api_key_remembered(lookup.key, keys_token)
        )
        if (
            api_key is None
            or api_key.revoked_at is not None
            or ApiScope.LABELS_READ not in api_key.scopes
        ):
            return False
        if not database and api_key_touch_due(api_key):
            return False
        touch = api_key if database else None
        key_throttle = ApiKeyThrottle()
        throttle, bucket = key_throttle, key_throttle.bucket_for_key(api_key.pk)
    else:
        anonymous = AnonymousLookupThrottle()
        # DRF's get_ident reads only META, which a Django request has as a DRF one does.
        address = anonymous.get_ident(request)  # type: ignore[arg-type]
        throttle, bucket = anonymous, anonymous.bucket_for_address(address)
    if (
        throttle.rate is not None
        and LIMITER.consume(bucket, throttle.num_requests, throttle.duration) is not None
    ):
        return False
    if touch is not None:
        api_key_touch(touch)
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
    return _Replay(
        304,
        [
            (name, value)
            for name, value in headers
            if name.lower() not in ("content-type", "content-length")
        ],
        b"",
    )


class LabelAnswerCacheMiddleware:
    """First in the middleware list: answers cached lookups, stores the whole stack's answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        lookup = request.META.get(WSGI_LOOKUP) or _lookup(request)
        if lookup is None:
            response = self.get_response(request)
            if getattr(response, "label_batch", False):
                _store_batch_headers(request, response)
            return response
        if lookup.found is None and not _read(lookup):
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
        _stale, token, _keys_token, epoch = lookup.found or (None, None, None, None)
        if token is None:
            token = self._new_token(
                lookup.tag_key, settings.LABEL_API_CACHE_SECONDS + TOKEN_GRACE_SECONDS
            )
        if epoch is None:
            epoch = self._new_token(EPOCH_KEY, None)
        response = self.get_response(request)
        if token is not None and epoch is not None:
            self._store(lookup.answer_key, f"{token}:{epoch}", response)
        return response

    @staticmethod
    def _new_token(tag_key: str, timeout: int | None) -> str | None:
        try:
            cache.add(tag_key, _new_token(), timeout)
            return cache.get(tag_key)
        except Exception:
            logger.warning("label answer cache unreachable", exc_info=True)
            return None

    @staticmethod
    def _store(answer_key: str, token: str, response: HttpResponse) -> None:
        answer = getattr(response, "label_answer", None)
        if (
            not isinstance(answer, Answer)
            or response.status_code != 200
            or response.streaming
            or response.cookies
        ):
            return
        headers = [
            (name, value) for name, value in response.items() if name.lower() not in NOT_REPLAYED
        ]
        stored = (token, answer.fresh_until, headers, bytes(response.content), response.get("ETag"))
        try:
            cache.set(answer_key, stored, timeout=settings.LABEL_API_CACHE_SECONDS)
        except Exception:
            logger.warning("label answer not cached", exc_info=True)


# --- per-label pieces of the batch answer ---------------------------------------------------

FRAGMENT_PREFIX = "labelapi:label:v2:"  # the version of the stored tuple's meaning


class Fragment(NamedTuple):
    """One label's rendered representation, with what the batch answer needs around it.
    Stored as a plain tuple: a hundred are read at a time, and plain tuples unpickle fastest."""

    body: bytes  # the label's JSON object, as the API renders it
    order: tuple[float, int]  # (issued_at, pk): the batch lists labels newest first
    etag_line: str  # the label's share of the batch ETag
    fresh_until: float  # epoch seconds: its validUntil, or its reading plus the cache time


def fragment_fresh_until(label) -> float:
    """Until when a label's fragment may be used: until its validUntil (it then shows as
    expired), and no longer than ``LABEL_API_CACHE_SECONDS`` after the label was read, the bound
    whole answers have too (a change whose tokens could not be written shows by then)."""
    limit = _now() + settings.LABEL_API_CACHE_SECONDS
    ends = answer_of([label]).fresh_until
    return limit if ends is None else min(ends, limit)


Token = int | str  # version tokens are integers; tokens stored by earlier versions, strings


class _FragmentMemory:
    """Fragments this process has read or rendered, by serial: (token, fragment, generation).

    A fragment is used only while it is current, as in the cache: while its label's token is
    the one it was stored under. Checking that costs a read of the token, and a batch has a
    hundred; so each entry also keeps the generation under which its token was last read, and
    while the generation is unchanged (no label has changed since: every token write replaces
    it in the same atomic MSET), the entry is current without reading its token. The oldest
    entries go first once ``LABEL_FRAGMENT_MEMORY_MB`` is reached.
    """

    OVERHEAD = 400  # bytes a kept fragment costs besides its body

    def __init__(self) -> None:
        # Ordered, oldest first: a plain dict would scan the slots its evictions left empty
        # before its first item on every eviction.
        self.items: OrderedDict[str, tuple[Token, Fragment, Token | None]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, serial: str, token: Token, fragment: Fragment, generation: Token | None) -> None:
        budget = settings.LABEL_FRAGMENT_MEMORY_MB * 1024 * 1024
        size = len(fragment.body) + self.OVERHEAD
        if size > budget:
            return
        with self._lock:
            old = self.items.pop(serial, None)
            if old is not None:
                self._bytes -= len(old[1].body) + self.OVERHEAD
            while self.items and self._bytes + size > budget:
                _serial, (_token, oldest, _generation) = self.items.popitem(last=False)
                self._bytes -= len(oldest.body) + self.OVERHEAD
            self.items[serial] = (token, fragment, generation)
            self._bytes += size

    def mark(self, serial: str, token: Token, generation: Token | None) -> None:
        """Its token was read under this generation, and found as kept."""
        with self._lock:
            entry = self.items.get(serial)
            if entry is not None and entry[0] == token:
                self.items[serial] = (token, entry[1], generation)

    def checked(
        self, serials: Iterable[str], generation: Token | None
    ) -> tuple[dict[str, Fragment], list[str]]:
        """The fragments whose tokens were read under this generation, and the serials of the
        others (whose tokens must be read)."""
        found: dict[str, Fragment] = {}
        unchecked: list[str] = []
        items = self.items  # read without the lock: one get is one C call under the GIL
        for serial in serials:
            entry = items.get(serial)
            if entry is not None and generation is not None and entry[2] == generation:
                found[serial] = entry[1]
            else:
                unchecked.append(serial)
        return found, unchecked

    def clear(self) -> None:
        with self._lock:
            self.items.clear()
            self._bytes = 0


FRAGMENT_MEMORY = _FragmentMemory()


@functools.lru_cache(maxsize=65536)
def _serial_token_key(serial: str) -> str:
    return token_key(serial_tag(serial))


def _fragments_current(
    serials: list[str], tokens: list[Token | None], generation: Token | None
) -> tuple[dict[str, Fragment], dict[str, Token]]:
    """Of labels whose tokens were just read, with the generation, in one round trip: the
    fragments stored under their current tokens (from this process's memory, the rest in one
    more round trip), and the tokens of the labels that have none (None tokens are left out of
    both). The fragments kept in memory are marked checked under the generation."""
    current: dict[str, Fragment] = {}
    wanted: dict[str, Token] = {}
    items = FRAGMENT_MEMORY.items
    for serial, token in zip(serials, tokens, strict=True):
        if token is None:
            continue
        entry = items.get(serial)
        if entry is not None and entry[0] == token:
            current[serial] = entry[1]
            if entry[2] != generation:
                FRAGMENT_MEMORY.mark(serial, token, generation)
        else:
            wanted[serial] = token
    if wanted:
        values = _get_many(tuple(FRAGMENT_PREFIX + serial for serial in wanted))
        for (serial, token), stored in zip(wanted.items(), values, strict=True):
            if stored is not None and stored[0] == token:
                current[serial] = fragment = Fragment(*stored[1:])
                FRAGMENT_MEMORY.put(serial, token, fragment, generation)
    current = _unexpired(current)
    return current, {
        serial: token
        for serial, token in zip(serials, tokens, strict=True)
        if token is not None and serial not in current
    }


def _unexpired(fragments: dict[str, Fragment]) -> dict[str, Fragment]:
    """Without the fragments past their time (``fragment_fresh_until``): those labels are read
    again."""
    now = _now()
    return {
        serial: fragment for serial, fragment in fragments.items() if now < fragment.fresh_until
    }


def fragments_get(serials: list[str]) -> tuple[dict[str, Fragment], dict[str, Token]]:
    """The current fragments of these labels, and the tokens to store the missing ones under.

    The tokens are read first, in one round trip; the fragments come from this process's memory
    or one more round trip. As for whole answers, a fragment is stored under the token read
    before the database was, so a label changed meanwhile is never answered from a stale one.
    """
    if not settings.LABEL_API_CACHE or not serials:
        return {}, {}
    token_keys = [_serial_token_key(serial) for serial in serials]
    try:
        generation, *tokens = _get_many((GENERATION_KEY, *token_keys))
        current, missing = _fragments_current(serials, tokens, generation)
    except Exception:
        logger.warning("label answer cache unreachable", exc_info=True)
        return {}, {}
    fresh = {token_keys[index]: _new_token() for index, token in enumerate(tokens) if token is None}
    if fresh:
        # A fresh random token never brings back an old one, so setting it cannot make a stale
        # fragment current (a writer's own tokens are set again when it commits).
        try:
            cache.set_many(fresh, timeout=settings.LABEL_API_CACHE_SECONDS + TOKEN_GRACE_SECONDS)
        except Exception:
            return current, {}
        missing.update(
            {
                serial: fresh[key]
                for serial, key in zip(serials, token_keys, strict=True)
                if key in fresh
            }
        )
    return current, missing


def fragments_set(fragments: dict[str, tuple[Token, Fragment]]) -> None:
    """Store fragments by serial, each with the token ``fragments_get`` gave for it."""
    if not fragments:
        return
    try:
        cache.set_many(
            {
                FRAGMENT_PREFIX + serial: (token, *fragment)
                for serial, (token, fragment) in fragments.items()
            },
            timeout=settings.LABEL_API_CACHE_SECONDS,
        )
    except Exception:
        logger.warning("label fragments not cached", exc_info=True)
        return
    for serial, (token, fragment) in fragments.items():
        FRAGMENT_MEMORY.put(serial, token, fragment, None)  # its token is read on first use


# --- the batch answer, spliced from fragments -------------------------------------------------

BATCH_HEADERS_PREFIX = "labelapi:batch-headers:v1:"
_RENDERER = JSONRenderer()
_PLAIN_JSON = re.compile(r"[ !#-\[\]-~]*")  # printable ASCII but quote and backslash


def key_json(key: dict[str, str]) -> bytes:
    """A batch key as the API's JSON renderer writes it (without the renderer where that is
    plain: a hundred renders cost as much as the rest of a cached batch)."""
    ((kind, value),) = key.items()
    if (value.isascii() and value.isalnum()) or _PLAIN_JSON.fullmatch(value):
        return b'{"%s":"%s"}' % (kind.encode(), value.encode())
    return _RENDERER.render(key)


def batch_etag(fragments: Iterable[Fragment]) -> str:
    """The batch answer's ETag: every label's share, newest first, hashed."""
    ordered = sorted(fragments, key=lambda fragment: fragment.order, reverse=True)
    digest = hashlib.sha256("".join(fragment.etag_line for fragment in ordered).encode())
    return f'"{digest.hexdigest()[:32]}"'


def batch_body(results: Iterable[tuple[bytes, list[bytes]]]) -> bytes:
    """The batch answer from (the key's JSON, the JSON of the labels it found), in the order
    asked. Joined once: the labels' JSON is most of the answer's 350 KB."""
    parts = [b'{"results":[']
    opening = b'{"key":'
    for key, found in results:
        parts += (
            opening,
            key,
            b',"found":true,"labels":[' if found else b',"found":false,"labels":[',
            b",".join(found),
            b"]}",
        )
        opening = b',{"key":'
    parts.append(b"]}")
    return b"".join(parts)


_SERIAL_KEY = re.compile(r"[0-9A-Za-z]{1,32}")


def plain_serials(data: object) -> list[str] | None:
    """The serials of a batch of plain serials only, as ``batch_keys_plain`` normalises them;
    None for any other batch."""
    items = data.get("keys") if type(data) is dict else None
    if type(items) is not list or not 0 < len(items) <= BATCH_LIMIT:
        return None
    serials = []
    for item in items:
        value = item.get("serial") if type(item) is dict and len(item) == 1 else None
        if type(value) is not str or not _SERIAL_KEY.fullmatch(value):
            return None
        serials.append(value.upper())
    return serials


def _batch_headers_key(request: HttpRequest) -> str:
    """What the batch answer's headers depend on: scheme, path, Accept, negotiated language."""
    return BATCH_HEADERS_PREFIX + _digest(
        "\n".join(
            (
                request.scheme or "",
                request.path_info,
                request.META.get("HTTP_ACCEPT", ""),
                translation.get_language_from_request(request),
            )
        )
    )


def _store_batch_headers(request: HttpRequest, response: HttpResponse) -> None:
    """Keep the headers the whole stack gave a key's batch answer, for the WSGI door to send
    with the batches it splices (the ETag and length are the answer's own)."""
    if (
        not settings.LABEL_API_CACHE
        or response.status_code != 200
        or response.streaming
        or response.cookies
        or not key_from_headers(request.META)
        or settings.SESSION_COOKIE_NAME in request.COOKIES
    ):
        return
    headers = [
        (name, None if name.lower() in ("etag", "content-length") else value)
        for name, value in response.items()
        if name.lower() not in NOT_REPLAYED
    ]
    try:
        cache.set(_batch_headers_key(request), headers, timeout=settings.LABEL_API_CACHE_SECONDS)
    except Exception:
        logger.warning("batch answer headers not cached", exc_info=True)


# --- the WSGI front door ----------------------------------------------------------------------

WSGI_LOOKUP = "labels.answer_cache.lookup"  # a lookup read at the WSGI door, for the middleware
BATCH_BODY_LIMIT = 64 * 1024  # a batch of 100 keys is under 8 KB; larger bodies go to Django


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
        method = environ.get("REQUEST_METHOD")
        if method in ("GET", "POST") and settings.LABEL_API_CACHE:
            try:
                replay = self._hit(environ) if method == "GET" else self._batch(environ)
            except Exception:  # never worse than without the door
                logger.exception("label answer cache door failed; Django answers")
                replay = None
            if replay is not None:
                start_response(f"{replay.status} {responses[replay.status]}", list(replay.headers))
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

    @staticmethod
    def _batch(environ: dict) -> "_Replay | None":
        """A key's batch of serials whose labels are all cached, spliced as the view splices it.

        Anything else (other keys, a label not cached, odd input, a key not remembered) goes on
        to Django with the body it sent, which the view then judges and explains.
        """
        content_type = environ.get("CONTENT_TYPE", "").lower().replace(" ", "")
        if content_type not in ("application/json", "application/json;charset=utf-8"):
            return None
        length = environ.get("CONTENT_LENGTH", "")
        if not length.isdigit() or not 0 < int(length) <= BATCH_BODY_LIMIT:
            return None
        request = WSGIRequest(environ.copy())
        if request.path_info != ROUTES.batch_path:
            return None
        key = key_from_headers(request.META)
        if (
            not key
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or (settings.SECURE_SSL_REDIRECT and not request.is_secure())
        ):
            return None
        try:
            request.get_host()
        except DisallowedHost:
            return None
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)  # Django reads the body from here if it answers
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        asked = plain_serials(data)
        if asked is None:
            return None
        serials = list(dict.fromkeys(asked))
        generation, keys_token, headers = _get_many(
            (GENERATION_KEY, KEYS_VERSION, _batch_headers_key(request))
        )
        if headers is None:
            return None
        if generation is None:
            LabelAnswerCacheMiddleware._new_token(
                GENERATION_KEY, settings.LABEL_API_CACHE_SECONDS + TOKEN_GRACE_SECONDS
            )
        fragments, unchecked = FRAGMENT_MEMORY.checked(serials, generation)
        if unchecked:
            generation, *tokens = _get_many(
                (GENERATION_KEY, *(_serial_token_key(serial) for serial in unchecked))
            )
            if None in tokens:
                return None
            more, missing = _fragments_current(unchecked, tokens, generation)
            if missing:
                return None
            fragments.update(more)
        if len(_unexpired(fragments)) < len(fragments):
            return None
        lookup = _Lookup("", "", api=True, key=key, found=[None, None, keys_token, None])
        if not _allowed(request, lookup, database=False):
            return None
        etag = batch_etag(fragments.values())
        # Plain serials: their JSON is the serial between quotes (key_json's plain case).
        answer = batch_body(
            (b'{"serial":"%s"}' % serial.encode(), [fragments[serial].body]) for serial in asked
        )
        return _replay(
            request,
            (
                None,
                None,
                [
                    (
                        name,
                        value
                        if value is not None
                        else etag
                        if name.lower() == "etag"
                        else str(len(answer)),
                    )
                    for name, value in headers
                ],
                answer,
                etag,
            ),
        )
