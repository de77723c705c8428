"""The baselines the label lookups are compared with, and variants that measure proposals.

(a) ``constant_json``: a bare Django view returning constant JSON. It still passes the product's
    whole middleware stack (sessions, locale, CSRF, auth, CSP, axes…), like every request does.
(b) ``PlainLabelViewSet``: a plain DRF ModelViewSet retrieving a Label by serial with a default
    ModelSerializer of a few fields, under the project's default authentication and throttle
    classes (the benchmark sends the same API key as to the label API).

The variants below, (c*), (c**) and (e*), are the product's views with what is still proposed,
not applied: nothing of the product uses them.
"""

import time
import types
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from rest_framework import exceptions, serializers, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from accounts.apikeys import ApiKeyAuthentication, ApiKeyUser, api_key_find
from labels import apis
from labels.models import Label

CONSTANT = {"status": "ok", "service": "carbonlabel", "version": 1}


def constant_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(CONSTANT)


class PlainLabelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Label
        fields = ["serial", "gtin", "status", "valid_from", "valid_until", "status_changed_at"]


class PlainLabelViewSet(viewsets.ModelViewSet):
    queryset = Label.objects.all()
    serializer_class = PlainLabelSerializer
    lookup_field = "serial"
    permission_classes = [AllowAny]
    http_method_names = ["get", "head", "options"]  # read-only even though it is a ModelViewSet


# --- (c*): the API key row kept per process, a one-round-trip throttle -------------------------

KEY_CACHE_SECONDS = 30
_keys: dict[str, tuple[float, object]] = {}


class CachedApiKeyAuthentication(ApiKeyAuthentication):
    """The product's key check with the key row kept per process for KEY_CACHE_SECONDS: no query
    per call. The price: a revocation takes up to that long to bite, and the last-used stamp is not
    written (a real version would keep both in Redis)."""

    def authenticate(self, request: Request):
        key = request.META.get("HTTP_X_API_KEY", "")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith(self.keyword + " "):
            key = header[len(self.keyword) + 1:].strip()
        if not key:
            return None
        now = time.monotonic()
        entry = _keys.get(key)
        if entry is None or entry[0] < now:
            entry = (now + KEY_CACHE_SECONDS, api_key_find(key))
            _keys[key] = entry
        api_key = entry[1]
        if api_key is None or api_key.revoked_at is not None:  # type: ignore[attr-defined]
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        return ApiKeyUser(api_key), api_key  # type: ignore[arg-type]


class FixedWindowKeyThrottle(BaseThrottle):
    """Per key and window, one Redis INCR (+EXPIRE, pipelined): one round trip, constant size,
    where DRF's SimpleRateThrottle GETs and SETs a pickled list of every call in the window."""

    def allow_request(self, request: Request, view) -> bool:
        api_key = getattr(request.user, "api_key", None)
        if api_key is None:
            return True
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_key"]
        number, period = rate.split("/")
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
        window = int(time.time() // seconds)
        key = cache.make_key(f"throttle-fw:{api_key.pk}:{window}")
        client = cache._cache.get_client(key, write=True)  # type: ignore[attr-defined]
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(key)
        pipeline.expire(key, seconds + 1)
        count, _ = pipeline.execute()
        return count <= int(number)


class FastKeyLookupApi(apis.LabelBySerialApi):
    """(c*) the product's lookup by serial, with the two classes above."""

    authentication_classes = [CachedApiKeyAuthentication]
    throttle_classes = [FixedWindowKeyThrottle]


# --- (c**): plus the rendered answer kept in Redis ----------------------------------------------

ANSWER_PREFIX = "bench-answer:"


def answer_render(label: Label) -> tuple[bytes, str]:
    return JSONRenderer().render(apis.label_representation(label)), apis.label_etag([label])


def answer_cache_fill(serials: list[str]) -> int:
    """Pre-render the answers of `serials` into Redis (the benchmark measures the hit path; in the
    product the status change would delete the entry in its on_commit hook)."""
    labels = Label.objects.filter(serial__in=serials)
    entries = {ANSWER_PREFIX + label.serial: answer_render(label) for label in labels}
    cache.set_many(entries, 3600)
    return len(entries)


class CachedAnswerLookupApi(FastKeyLookupApi):
    """(c**) (c*) whose answer comes from one Redis GET when present."""

    def get(self, request: Request, serial: str) -> HttpResponse:  # type: ignore[override]
        serial = serial.upper()
        entry = cache.get(ANSWER_PREFIX + serial)
        if entry is None:
            label = apis._queryset().filter(serial=serial).first()
            if label is None:
                raise exceptions.NotFound("No label with this serial.")
            entry = answer_render(label)
            cache.set(ANSWER_PREFIX + serial, entry, 3600)
        body, etag = entry
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        patch_cache_control(response, max_age=apis.CACHE_SECONDS)
        response["Vary"] = "Authorization, X-API-Key, Accept-Language"
        return response


# --- (e*): the batch with its links from templates and its keys matched through a dict ---------

_LINK_MARKER = "SERIAL0MARKER"
_link_parts: dict[str, list[str]] | None = None


def template_links(serial: str) -> dict[str, str]:
    """label_links without reverse(): the five URLs differ only by the serial."""
    global _link_parts
    if _link_parts is None:
        _link_parts = {name: url.split(_LINK_MARKER)
                       for name, url in apis.label_links(_LINK_MARKER).items()}
    return {name: serial.join(parts) for name, parts in _link_parts.items()}

# The product's own label_representation, its code unchanged, with label_links bound to the
# template version (the product module is not touched).
template_representation = types.FunctionType(
    apis.label_representation.__code__, {**vars(apis), "label_links": template_links},
    "template_representation")


class TemplateLinksBatchApi(apis.LabelBatchApi):
    """(e*) the product's batch; links by template, keys matched through a dict (not 100 × 100)."""

    def post(self, request: Request) -> HttpResponse:  # type: ignore[override]
        data = apis.LabelBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        keys = data.validated_data["keys"]
        serials = {k["serial"] for k in keys if "serial" in k}
        numbers = {k["certificateNumber"] for k in keys if "certificateNumber" in k}
        gtins = {k["gtin"] for k in keys if "gtin" in k}
        labels = list(apis._queryset().filter(
            Q(serial__in=serials) | Q(certificate__number__in=numbers) | Q(gtin__in=gtins)
        ).order_by("-issued_at"))
        index: dict[tuple[str, str], list[Any]] = {}
        for label in labels:
            representation = template_representation(label)
            for key in (("serial", label.serial), ("gtin", label.gtin),
                        ("certificateNumber", representation["certificateNumber"])):
                index.setdefault(key, []).append(representation)
        results = []
        for key in keys:
            kind, value = next(iter(key.items()))
            matched = index.get((kind, value), [])
            results.append({"key": key, "found": bool(matched), "labels": matched})
        return apis._conditional(request, labels, {"results": results})

