"""The label API for marketplaces (CONTRACTS §6): lookups by serial, certificate number or
GTIN, a batch of up to 100 keys, and a live badge.

Answers carry the live status (a revoked label is never answered as valid), an ETag that changes
with every status change, and a short Cache-Control. Anonymous single lookups are allowed at a
low rate; keys are rate-limited per key.
"""

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import ApiScope
from audits.transparency.checkpoints import subjects_log
from certification.identifiers import gtin_is_valid
from config.api import problem_response
from config.schema import refuses_anonymous
from config.throttles import AnonymousLookupThrottle, ApiKeyThrottle, PersonThrottle

from . import proxy, stored
from .models import STATUS_REASONS, Label, LabelStatus
from .rendering.badge import badge_png, badge_svg
from .statuslists import public_url
from .vc.verifier import Reason

CACHE_SECONDS = 1
BATCH_LIMIT = 100  # keys in one batch (CONTRACTS §6)
# The reason codes a label's verdict can give (Label.verdict).
VERDICTS = [str(reason) for reason in dict.fromkeys([*STATUS_REASONS.values(), Reason.KEY_REVOKED])]


_LINKS = {
    "publicPage": ("labels:public_page",),
    "qr": ("labels:qr", "svg"),
    "badge": ("api-label-badge", "svg"),
    "credential": ("labels:credential",),
    "certificate": ("labels:certificate_pdf",),
}
_PLAIN_SERIAL = re.compile(r"[0-9A-Za-z]+")


_SLOT = "XLABELSERIALX"


@functools.cache
def _link_templates(public_base: str, script_prefix: str) -> dict[str, str]:
    """The links of a label with the serial left out: reverse() once, not five times a label."""
    return {
        name: public_url(reverse(route[0], args=[_SLOT, *route[1:]]))
        for name, route in _LINKS.items()
    }


def label_links(serial: str) -> dict[str, str]:
    if not _PLAIN_SERIAL.fullmatch(serial):  # never for issued serials; reverse() quotes
        return {
            name: public_url(reverse(route[0], args=[serial, *route[1:]]))
            for name, route in _LINKS.items()
        }
    templates = _link_templates(public_url("/"), get_script_prefix())
    return {name: template.replace(_SLOT, serial) for name, template in templates.items()}


def label_representation(
    label: Label, transparency_log: dict[str, Any] | str | None = None
) -> dict[str, Any]:
    """The API's label. ``transparency_log`` is the label's log.json when the caller read it
    with others' (a batch), or the placeholder of a stored answer; otherwise it is read here,
    with proofs to the current checkpoint."""
    if transparency_log is None:
        transparency_log = subjects_log([label.serial])[label.serial]
    subject = label.credential["credentialSubject"]
    footprint = subject["footprint"]
    verdict = label.verdict()
    return {
        "serial": label.serial,
        "status": verdict.status,
        "valid": verdict.valid,
        "verdict": str(verdict.reason),
        "statusReason": label.status_reason if verdict.status != LabelStatus.VALID else "",
        "statusChangedAt": label.status_changed_at.isoformat(),
        "certificateNumber": subject["certificateNumber"],
        "gtin": label.gtin or None,
        "scheme": subject["scheme"],
        "product": {"name": subject["product"]["name"], "model": subject["product"]["model"]},
        "holder": subject["holder"],
        "footprint": {
            "value": footprint["value"],
            "unit": footprint["unit"],
            "declaredUnit": footprint["declaredUnit"],
            "unitKind": footprint["unitKind"],
            "boundary": footprint["boundary"],
        },
        "validFrom": label.credential["validFrom"],
        "validUntil": label.credential["validUntil"],
        "certificationBody": {
            "name": subject["certificationBody"]["name"],
            "code": subject["certificationBody"]["code"],
            "id": subject["certificationBody"]["id"],
        },
        "version": label.certificate_version,
        "supersededBy": label.supervision.get("supersededBy"),
        "surveillance": {
            "nextDue": label.supervision.get("nextSurveillanceDue"),
            "last": label.supervision.get("lastSurveillance"),
        },
        "statusHistory": label.supervision.get("statusHistory", []),
        "links": label_links(label.serial),
        "credential": label.credential,
        "transparencyLog": transparency_log,
    }


def label_etag(labels: list[Label]) -> str:
    """Changes whenever any label's status or verdict changes: they and the status's timestamp
    are hashed."""
    return etag_of_lines([etag_line(label) for label in labels])


def etag_of_lines(lines: list[str]) -> str:
    digest = hashlib.sha256("".join(lines).encode())
    return f'"{digest.hexdigest()[:32]}"'


def etag_line(label: Label) -> str:
    # The supervision summary is hashed too: a passed surveillance changes the answer; and the
    # verdict with the status: a revoked signing key changes the answer, not the status.
    supervision = hashlib.sha256(repr(sorted(label.supervision.items())).encode()).hexdigest()
    status, reason = label.verdict()
    return (
        f"{label.serial}|{status}:{reason}|"
        f"{label.status_changed_at.isoformat()}|{label.pk}|{supervision[:16]}\n"
    )


def etag_matches(condition: str | None, etag: str | None) -> bool:
    """If-None-Match by weak comparison (RFC 9110 13.1.2): ``W/`` is ignored, ``*`` matches."""
    if not condition or not etag:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in condition.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def _not_modified() -> HttpResponse:
    response = HttpResponse(status=304)
    del response["Content-Type"]  # a 304 has no content to describe
    return response


def _conditional(request: Request, labels: list[Label], body: Any) -> HttpResponse:
    return _headed(request, label_etag(labels), lambda: Response(body))


def _headed(
    request: Request, etag: str, answer: Callable[[], HttpResponse], badge: bool = False
) -> HttpResponse:
    """``answer()``, or 304 when the caller holds it, with the caching headers of the lookups
    (or of the badge, which any page may embed and caches may keep for seconds)."""
    if etag_matches(request.headers.get("If-None-Match"), etag):
        response = _not_modified()
    else:
        response = answer()
    response["ETag"] = etag
    if badge:
        patch_cache_control(response, public=True, max_age=settings.BADGE_CACHE_SECONDS)
        response["Access-Control-Allow-Origin"] = "*"
    else:
        patch_cache_control(response, max_age=CACHE_SECONDS)
        response["Vary"] = "Authorization, X-API-Key, Accept-Language"
    return response


def _stored(
    request: Request, kind: str, value: str, wrap: Callable[[list[bytes]], bytes] | None = None
) -> HttpResponse | None:
    """The labels' stored answers with their log proofs, or None when any is not current (or
    the caller asked for another format than JSON): the view then renders live."""
    if not isinstance(request.accepted_renderer, JSONRenderer):
        return None
    found = stored.stored_lookup(kind, value, "api")
    if found is None:
        return None

    def answer() -> HttpResponse:
        bodies = stored.with_logs(found)
        body = wrap(bodies) if wrap else bodies[0]
        return HttpResponse(body, content_type="application/json")

    response = _headed(request, etag_of_lines([answer.etag_line for answer in found]), answer)
    proxy.shared(response, [proxy.tag(kind, value)], stored.fresh_until(found), request.user)
    return response


class LabelLookupBase(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousLookupThrottle, PersonThrottle, ApiKeyThrottle]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        has_scope = getattr(request.user, "has_scope", None)
        if has_scope is not None and not has_scope(ApiScope.LABELS_READ):
            raise PermissionDenied("This API key does not have the scope api:labels:read.")


def _queryset():
    """The answer is built from the label row alone (the signed credential states everything
    else), so no join is needed: the lookups stay one indexed read."""
    return Label.objects.all()


LabelOutput = inline_serializer(
    "Label",
    fields={
        "serial": serializers.CharField(),
        "status": serializers.ChoiceField(choices=LabelStatus.choices),
        "valid": serializers.BooleanField(),
        "verdict": serializers.ChoiceField(
            choices=VERDICTS,
            help_text=(
                "The reason code of the verdict, as the verifier gives it (POST "
                "/vc-api/credentials/verify): VALID, or why the label is not valid. KEY_REVOKED: "
                "the key that signed it was revoked as compromised, whatever its status."
            ),
        ),
        "statusReason": serializers.CharField(),
        "statusChangedAt": serializers.DateTimeField(),
        "certificateNumber": serializers.CharField(),
        "gtin": serializers.CharField(allow_null=True),
        "scheme": serializers.CharField(),
        "product": serializers.DictField(),
        "holder": serializers.DictField(),
        "footprint": serializers.DictField(),
        "validFrom": serializers.DateTimeField(),
        "validUntil": serializers.DateTimeField(),
        "certificationBody": serializers.DictField(),
        "version": serializers.IntegerField(help_text="Label version under its certificate."),
        "supersededBy": serializers.CharField(
            allow_null=True, help_text="Serial of the version that superseded this one."
        ),
        "surveillance": inline_serializer(
            "LabelSurveillance",
            fields={
                "nextDue": serializers.DateField(allow_null=True),
                "last": inline_serializer(
                    "LabelLastSurveillance",
                    fields={
                        "date": serializers.DateField(),
                        "outcome": serializers.ChoiceField(
                            choices=["continued", "suspended", "withdrawn", "cancelled"]
                        ),
                    },
                    allow_null=True,
                ),
            },
        ),
        "statusHistory": inline_serializer(
            "LabelStatusChange",
            many=True,
            fields={
                "date": serializers.DateField(),
                "status": serializers.CharField(),
                "reason": serializers.CharField(help_text="The rule or request behind the change."),
            },
        ),
        "links": serializers.DictField(child=serializers.URLField()),
        "credential": serializers.JSONField(),
        "transparencyLog": inline_serializer(
            "LabelTransparencyLog",
            help_text=(
                "The label's entries in the transparency log with their inclusion proofs to "
                "the checkpoint given, as GET /labels/{serial}/log.json answers them."
            ),
            fields={
                "checkpoint": serializers.CharField(
                    help_text="The whole C2SP signed note of a tlog-checkpoint, as text."
                ),
                "entries": inline_serializer(
                    "LabelTransparencyLogEntry",
                    many=True,
                    fields={
                        "index": serializers.IntegerField(help_text="The leaf index."),
                        "entry": serializers.CharField(
                            help_text="Base64 of the entry bytes (RFC 8785 JSON with its kind)."
                        ),
                        "inclusionProof": serializers.ListField(
                            child=serializers.CharField(),
                            help_text="RFC 9162 inclusion proof to the checkpoint's tree, base64.",
                        ),
                    },
                ),
            },
        ),
    },
)
EXAMPLE_LABEL = {
    "serial": "JDYA1H9WXJ7F",
    "status": "valid",
    "valid": True,
    "verdict": "VALID",
    "statusReason": "",
    "statusChangedAt": "2026-11-25T15:31:21+00:00",
    "certificateNumber": "CFP-CQC-2026-00001",
    "gtin": "06901234567816",
    "scheme": "national_pilot",
    "product": {"name": "储能电池包 Energy storage pack", "model": "GC-ESS-20K"},
    "holder": {"name": "绿能电池有限公司", "USCC": "91110000600037341L"},
    "footprint": {
        "value": "75.4",
        "unit": "kgCO2e",
        "declaredUnit": "1 kWh",
        "unitKind": "declared",
        "boundary": "cradle_to_gate",
    },
    "validFrom": "2026-11-24T16:00:00Z",
    "validUntil": "2028-11-25T16:00:00Z",
    "certificationBody": {
        "name": "华认碳足迹认证中心",
        "code": "cqc",
        "id": "did:web:labels.example.cn:bodies:cqc",
    },
    "links": {"publicPage": "https://labels.example.cn/labels/JDYA1H9WXJ7F/"},
    "credential": {"type": ["VerifiableCredential", "CarbonLabelCredential"]},
    "transparencyLog": {
        "checkpoint": "labels.example.cn/log\n2\n<base64 root hash>\n\n"
        "— labels.example.cn/log <base64 key ID and signature>\n",
        "entries": [
            {
                "index": 1,
                "entry": "<base64 of the issuance entry>",
                "inclusionProof": ["<base64 hash>"],
            }
        ],
    },
}
NOT_MODIFIED = OpenApiResponse(description="Not modified (If-None-Match matched the ETag).")


class LabelBySerialApi(LabelLookupBase):
    @extend_schema(
        responses={200: LabelOutput, 304: NOT_MODIFIED},
        examples=[OpenApiExample("A valid label", value=EXAMPLE_LABEL, response_only=True)],
        summary="Look up a label by its serial",
    )
    def get(self, request: Request, serial: str) -> HttpResponse:
        found = _stored(request, "serial", serial.upper())
        if found is not None:
            return found
        label = _queryset().filter(serial=serial.upper()).first()
        if label is None:
            raise NotFound("No label with this serial.")
        return _conditional(request, [label], label_representation(label))


class LabelByCertificateApi(LabelLookupBase):
    @extend_schema(
        responses={200: LabelOutput, 304: NOT_MODIFIED},
        summary="Look up the current label of a certificate",
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        found = _stored(request, "certificate", number)
        if found is not None:
            return found
        label = (
            _queryset()
            .filter(certificate__number=number, variant=None)
            .order_by("-certificate_version")
            .first()
        )
        if label is None:
            raise NotFound("No label for this certificate number.")
        return _conditional(request, [label], label_representation(label))


def _gtin_fourteen(value: str) -> str:
    if len(value) not in (8, 12, 13, 14) or not gtin_is_valid(value):
        raise serializers.ValidationError({"gtin": ["Not a valid GTIN (check digit, length)."]})
    return value.zfill(14)


class LabelsByGtinApi(LabelLookupBase):
    @extend_schema(
        responses={
            200: inline_serializer(
                "GtinLabels",
                fields={
                    "gtin": serializers.CharField(),
                    "labels": LabelOutput.__class__(many=True),
                },
            ),
            304: NOT_MODIFIED,
            400: OpenApiResponse(description="Not a valid GTIN (check digit)."),
        },
        parameters=[
            OpenApiParameter(
                "gtin",
                {"type": "string", "pattern": "^(?:[0-9]{8}|[0-9]{12,14})$"},
                OpenApiParameter.PATH,
                description="A GTIN-8, -12, -13 or -14.",
            )
        ],
        summary="All current labels of a GTIN",
    )
    def get(self, request: Request, gtin: str) -> HttpResponse:
        gtin = _gtin_fourteen(gtin)
        prefix = b'{"gtin":' + _RENDERER.render(gtin) + b',"labels":['
        found = _stored(request, "gtin", gtin, lambda bodies: prefix + b",".join(bodies) + b"]}")
        if found is not None:
            return found
        labels = list(_queryset().filter(gtin=gtin).order_by("-issued_at", "-pk"))
        if not labels:
            raise NotFound("No label for this GTIN.")
        logs = subjects_log(label.serial for label in labels)
        return _conditional(
            request,
            labels,
            {
                "gtin": gtin,
                "labels": [label_representation(label, logs[label.serial]) for label in labels],
            },
        )


class BatchKey(serializers.Serializer):
    serial = serializers.CharField(required=False, max_length=32)
    certificateNumber = serializers.CharField(required=False, max_length=64)
    gtin = serializers.CharField(required=False, max_length=14)

    def validate(self, attrs: dict) -> dict:
        if len(attrs) != 1:
            raise serializers.ValidationError(
                "Each key names exactly one of serial, certificateNumber, gtin."
            )
        if "gtin" in attrs:
            attrs["gtin"] = _gtin_fourteen(attrs["gtin"])
        if "serial" in attrs:
            attrs["serial"] = attrs["serial"].upper()
        return attrs


class LabelBatchInput(serializers.Serializer):
    keys = BatchKey(many=True, allow_empty=False)

    def validate_keys(self, value: list) -> list:
        if len(value) > BATCH_LIMIT:
            raise serializers.ValidationError(f"At most {BATCH_LIMIT} keys in one batch.")
        return value


class LabelBatchApi(LabelLookupBase):
    """Up to 100 keys in one request, answered in the order asked: the labels' stored answers
    in one query, the nodes of their log proofs in one more (``labels/stored.py``). A label whose
    stored answer is not current is rendered live, as a single lookup would be."""

    throttle_classes = [PersonThrottle, ApiKeyThrottle]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.is_authenticated:
            from rest_framework.exceptions import NotAuthenticated

            raise NotAuthenticated("Batch lookups need an API key.")

    @refuses_anonymous  # in initial()
    @extend_schema(
        request=LabelBatchInput,
        responses={
            200: inline_serializer(
                "LabelBatch",
                fields={
                    "results": inline_serializer(
                        "LabelBatchResult",
                        fields={
                            "key": serializers.DictField(),
                            "found": serializers.BooleanField(),
                            "labels": LabelOutput.__class__(many=True),
                        },
                        many=True,
                    )
                },
            ),
            412: OpenApiResponse(
                description="Unchanged: If-None-Match matched the ETag (a POST is answered "
                "412, not 304, RFC 9110 13.1.2)."
            ),
        },
        examples=[
            OpenApiExample(
                "Three keys",
                request_only=True,
                value={
                    "keys": [
                        {"serial": "JDYA1H9WXJ7F"},
                        {"certificateNumber": "CFP-CQC-2026-00001"},
                        {"gtin": "06901234567816"},
                    ]
                },
            )
        ],
        summary="Look up to 100 labels at once",
    )
    def post(self, request: Request) -> HttpResponse:
        keys = batch_keys_plain(request.data)
        if keys is None:
            keys = _batch_keys_validated(request.data)
        found = _batch_found(keys)
        # The keys asked are part of what the answer says (their order, the keys found none).
        asked = _RENDERER.render(keys).decode() + "\n"
        etag = etag_of_lines([asked, *(line for _label, line, _body in found)])
        response: HttpResponse
        if etag_matches(request.headers.get("If-None-Match"), etag):
            # RFC 9110 13.1.2: a condition that fails on a method other than GET or HEAD is
            # answered 412, not 304. Here it says that nothing asked has changed.
            response = problem_response(
                status_code=412,
                title=str(_("Unchanged")),
                detail=str(_("Nothing these keys name has changed since the ETag you sent.")),
                code="unchanged",
            )
        else:
            named: dict[tuple[str, str], list[bytes]] = {}
            for label, _line, body in found:
                for kind, value in label.items():
                    named.setdefault((kind, value), []).append(body)
            results = [
                (_RENDERER.render(key), named.get(next(iter(key.items())), [])) for key in keys
            ]
            response = HttpResponse(_batch_body(results), content_type="application/json")
        response["ETag"] = etag
        patch_cache_control(response, max_age=CACHE_SECONDS)
        response["Vary"] = "Authorization, X-API-Key, Accept-Language"
        return response


def _batch_found(keys: list[dict[str, str]]) -> list[tuple[dict[str, str], str, bytes]]:
    """Every label a key names, newest first: its keys, its share of the ETag, its JSON."""
    wanted: dict[str, set[str]] = {"serial": set(), "certificateNumber": set(), "gtin": set()}
    for key in keys:
        ((kind, value),) = key.items()
        wanted[kind].add(value)
    rows = stored.stored_batch(wanted)
    current = [answer for _values, answer in rows if answer is not None]
    bodies = iter(stored.with_logs(current)) if current else iter(())
    live_serials = [values[0] for values, answer in rows if answer is None]
    live = {label.serial: label for label in _queryset().filter(serial__in=live_serials)}
    logs = subjects_log(live.keys()) if live else {}
    found = []
    for (serial, number, gtin), answer in rows:
        label_keys = {"serial": serial, "certificateNumber": number, "gtin": gtin}
        if answer is not None:
            found.append((label_keys, answer.etag_line, next(bodies)))
        else:
            label = live[serial]
            body = _RENDERER.render(label_representation(label, logs[serial]))
            found.append((label_keys, etag_line(label), body))
    return found


def _batch_body(results: list[tuple[bytes, list[bytes]]]) -> bytes:
    """The batch answer from (the key's JSON, the JSON of the labels it found), in the order
    asked, joined once: the labels' JSON is most of the answer."""
    parts = [b'{"results":[']
    for number, (key, found) in enumerate(results):
        parts += (
            b',{"key":' if number else b'{"key":',
            key,
            b',"found":true,"labels":[' if found else b',"found":false,"labels":[',
            b",".join(found),
            b"]}",
        )
    parts.append(b"]}")
    return b"".join(parts)


_RENDERER = JSONRenderer()
_BATCH_FIELDS = {"serial": 32, "certificateNumber": 64, "gtin": 14}


def batch_keys_plain(data: Any) -> list[dict[str, str]] | None:
    """The keys of a plainly well-formed batch, normalised exactly as ``LabelBatchInput`` does;
    None for anything else, which the serializer then judges (and explains)."""
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not keys or len(keys) > BATCH_LIMIT:
        return None
    normalised = []
    for item in keys:
        if not isinstance(item, dict) or len(item) != 1:
            return None
        ((kind, value),) = item.items()
        limit = _BATCH_FIELDS.get(kind)
        if (
            limit is None
            or type(value) is not str
            or not value
            or len(value) > limit
            or value != value.strip()
            or not value.isascii()
            or "\x00" in value
        ):
            return None  # the serializer judges the rest (surrogates, control characters…)
        if kind == "gtin":
            if len(value) not in (8, 12, 13, 14) or not gtin_is_valid(value):
                return None
            value = value.zfill(14)
        elif kind == "serial":
            value = value.upper()
        normalised.append({kind: value})
    return normalised


def _batch_keys_validated(data: Any) -> list[dict[str, str]]:
    if (
        isinstance(data, dict)
        and isinstance(data.get("keys"), list)
        and len(data["keys"]) > BATCH_LIMIT
    ):
        raise serializers.ValidationError({"keys": [f"At most {BATCH_LIMIT} keys in one batch."]})
    batch = LabelBatchInput(data=data)
    batch.is_valid(raise_exception=True)
    return [dict(key) for key in batch.validated_data["keys"]]


class LabelBadgeApi(LabelLookupBase):
    """An SVG or PNG badge that always shows the live status; cacheable for seconds."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "lang",
                OpenApiTypes.STR,
                description="`zh` (the default) or `en`; any other value gives `zh`, so that "
                "a badge on a product page always shows.",
            )
        ],
        responses={
            (200, "image/svg+xml"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
        },
        summary="A live status badge for product pages",
    )
    def get(self, request: Request, serial: str, fmt: str) -> HttpResponse:
        language = request.query_params.get("lang", "zh")
        language = language if language in ("zh", "en") else "zh"
        found = None
        if fmt == "svg":
            found = stored.stored_answer(serial.upper(), stored.BADGE_COLUMNS[language])
        if found is not None:
            response = _headed(
                request,
                etag_of_lines([found.etag_line])[:-1] + f'-{fmt}-{language}"',
                lambda: HttpResponse(found.body, content_type="image/svg+xml"),
                badge=True,
            )
            proxy.shared(response, [proxy.tag("serial", serial.upper())], found.fresh_until)
            return response
        label = _queryset().filter(serial=serial.upper()).first()
        if label is None or fmt not in ("svg", "png"):
            raise NotFound("No label with this serial.")
        status = label.verdict().shown
        footprint = label.credential["credentialSubject"]["footprint"]
        render = badge_svg if fmt == "svg" else badge_png
        return _headed(
            request,
            label_etag([label])[:-1] + f'-{fmt}-{language}"',
            lambda: HttpResponse(
                render(
                    status=status,
                    value=footprint["value"],
                    unit=footprint["unit"],
                    language=language,
                ),
                content_type=BADGE_TYPES[fmt],
            ),
            badge=True,
        )


BADGE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def badge_of(label: Label, language: str) -> bytes:
    """The SVG badge the label's stored answers keep."""
    footprint = label.credential["credentialSubject"]["footprint"]
    return badge_svg(
        status=label.verdict().shown,
        value=footprint["value"],
        unit=footprint["unit"],
        language=language,
    )
