"""Public pages and machine endpoints of labels: resolver, verification page, credential,
status lists, DID documents, QR codes, certificate PDFs and the public directory. None needs a
login; none shows anything of the dossier beyond what the label itself states."""

import json

from django.conf import settings
from django.core.files import File
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from accounts.models import Organisation
from accounts.roles import OrganisationKind
from certification.models import ProductCategory

from . import keys, proxy, selectors, statuslists, stored
from .facts import label_qr_url
from .models import CertificateDocument, Label, LabelStatus, SigningKey, StatusList
from .page import page_context
from .rendering.qr import qr_png, qr_svg, serial_is_valid
from .resolver import (
    KNOWN_ATTRIBUTES,
    QUALIFIER_ORDER,
    InvalidDigitalLink,
    parse_digital_link,
    query_attributes,
)
from .vc.did import did_document, verification_method_entry
from .vc.jcs import DuplicateKeyError, loads_strict
from .vc.jws import jwk_from_public_key
from .vc.statuslist import ttl_seconds
from .vc.verifier import Check, Reason, VerificationResult
from .verification import verify

LINKSET_TYPE = "application/linkset+json"
GS1 = "https://gs1.org/voc/"


def _problem(status: int, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def _links(label: Label) -> dict[str, str]:
    serial = label.serial
    return {
        "gs1:defaultLink": statuslists.public_url(reverse("labels:public_page", args=[serial])),
        "gs1:sustainabilityInfo": statuslists.public_url(
            reverse("labels:credential", args=[serial])
        ),
        "gs1:certificationInfo": statuslists.public_url(
            reverse("labels:certificate_pdf", args=[serial])
        ),
        "gs1:verificationService": statuslists.public_url(reverse("labels:verify_api")),
    }


# What each target is, for the linkset. The verification service is not a page to GET: it
# takes a POSTed credential, and its entry says so.
LINK_TARGETS = {
    "gs1:defaultLink": ("text/html", "Public verification page of label {serial}"),
    "gs1:sustainabilityInfo": (
        "application/vc+ld+json",
        "Signed label credential of label {serial}",
    ),
    "gs1:certificationInfo": ("application/pdf", "Certificate of label {serial} (PDF)"),
    "gs1:verificationService": (
        "application/json",
        'Verification service: POST a credential as {{"verifiableCredential": ...}} '
        "(application/json) to verify it",
    ),
}


def _linkset(label: Label, anchor: str) -> dict:
    links = _links(label)
    entry: dict = {"anchor": anchor}
    for link_type, href in links.items():
        name = GS1 + link_type.removeprefix("gs1:")
        media, title = LINK_TARGETS[link_type]
        entry[name] = [{"href": href, "title": title.format(serial=label.serial), "type": media}]
    return {"linkset": [entry]}


# A link type may be given as a compact URI or in full, in either scheme of the vocabulary.
GS1_VOCABULARY = ("https://gs1.org/voc/", "http://gs1.org/voc/")


def _link_type(value: str) -> str:
    """`https://gs1.org/voc/sustainabilityInfo` and `http://…` are `gs1:sustainabilityInfo`."""
    for namespace in GS1_VOCABULARY:
        if value.startswith(namespace):
            return "gs1:" + value.removeprefix(namespace)
    return value


def _current_version(label: Label) -> Label:
    """The QR printed on a product keeps resolving to the label in force: an editorial
    re-issue or a renewal supersedes a label, and the chain is followed to its end."""
    seen = {label.pk}
    while label.superseded_by_id is not None and label.superseded_by_id not in seen:
        label = Label.objects.select_related("superseded_by").get(pk=label.superseded_by_id)
        seen.add(label.pk)
    return label


def _resolve(request: HttpRequest, label: Label, anchor: str) -> HttpResponse:
    """A link type we do not serve gets the default link, as a GS1 resolver does when the
    requested type is not available for the item."""
    label = _current_version(label)
    linkset_url = anchor + "?linkType=linkset"
    link_header = f'<{linkset_url}>; rel="linkset"; type="{LINKSET_TYPE}"'
    link_type = _link_type(request.GET.get("linkType", "").strip())
    if link_type in ("linkset", "all"):
        response = HttpResponse(json.dumps(_linkset(label, anchor)), content_type=LINKSET_TYPE)
    else:
        target = _links(label).get(link_type) or _links(label)["gs1:defaultLink"]
        response = HttpResponseRedirect(target, status=307)
        response.status_code = 307
    response["Link"] = link_header
    patch_cache_control(response, no_cache=True)
    return response


# GET and HEAD on every resolver path: HEAD answers the same status and headers, no body.


@require_safe
def resolve_gtin(request: HttpRequest, gtin: str, rest: str = "") -> HttpResponse:
    try:
        link = parse_digital_link(gtin, rest, request.GET)
    except InvalidDigitalLink as error:
        return _problem(400, "Invalid GS1 Digital Link", str(error))
    if link.serial is None:
        return HttpResponseRedirect(reverse("labels:directory") + f"?q={link.gtin}", status=307)
    label = selectors.labels_for_gtin(link.gtin).filter(serial=link.serial).first()
    if label is None:
        return _problem(404, "Unknown label", "No label with this GTIN and serial.")
    anchor = statuslists.public_url(f"/01/{link.gtin}/21/{link.serial}")
    return _resolve(request, label, anchor)


@require_safe
def resolve_serial(request: HttpRequest, serial: str) -> HttpResponse:
    if not serial_is_valid(serial):
        return _problem(400, "Invalid label path", "Not an uppercase Crockford base32 serial.")
    try:
        query_attributes(request.GET, in_path=("21",))
    except InvalidDigitalLink as error:
        return _problem(400, "Invalid GS1 Digital Link", str(error))
    label = selectors.label_get_public(serial)
    return _resolve(request, label, statuslists.public_url(f"/L/{serial}"))


@require_safe
def gs1_resolver_description(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "name": "Carbon label resolver",
            "resolverRoot": statuslists.public_url(""),
            "supportedPrimaryKeys": ["gtin"],
            "supportedKeyQualifiers": {"01": ["22", "10", "21"]},
            "supportedDataAttributes": sorted(set(KNOWN_ATTRIBUTES) - set(QUALIFIER_ORDER)),
            "validatesAttributeSyntax": True,
            "supportedMethods": ["GET", "HEAD"],
            "supportedLinkType": [
                {"namespace": namespace, "prefix": "gs1:"} for namespace in GS1_VOCABULARY
            ],
            "supportedLinkTypes": [
                {"linkType": "gs1:defaultLink", "type": "text/html"},
                {"linkType": "gs1:sustainabilityInfo", "type": "application/vc+ld+json"},
                {"linkType": "gs1:certificationInfo", "type": "application/pdf"},
                {
                    "linkType": "gs1:verificationService",
                    "type": "application/json",
                    "method": "POST",
                },
                {"linkType": "linkset", "type": LINKSET_TYPE},
            ],
            "unsupportedLinkTypeAnswer": "gs1:defaultLink",
            "linkTypeDefaultCanBeLinkset": False,
            "supportedContextValuesEnumerated": [],
        }
    )


# --- the public verification page ---------------------------------------------------------


@require_GET
def public_page(request: HttpRequest, serial: str) -> HttpResponse:
    """The verification page. ``?lang=zh-hans|en`` picks the language for this page alone (a
    QR code's visitor has no account, and a link keeps the page free of CSRF tokens), so the page
    is the same for every anonymous visitor: they get the stored one."""
    language = request.GET.get("lang")
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    column = stored.PAGE_COLUMNS.get(translation.get_language())
    found = None
    if column and not request.user.is_authenticated:
        found = stored.stored_answer(serial, column)
    if found is not None:
        response = HttpResponse(stored.with_logs([found], page=True)[0])
        proxy.shared(response, [proxy.tag("serial", serial)], found.fresh_until)
    else:
        label = selectors.label_get_public(serial)
        response = render(request, "labels/public_page.html", page_context(label))
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_GET
def label_status(request: HttpRequest, serial: str) -> JsonResponse:
    label = selectors.label_get_public(serial)
    verdict = label.verdict()
    response = JsonResponse(
        {
            "serial": label.serial,
            "status": verdict.status,
            "valid": verdict.valid,
            "verdict": verdict.reason,
            "reason": label.status_reason,
            "changedAt": label.status_changed_at.isoformat(),
        }
    )
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_GET
def credential(request: HttpRequest, serial: str) -> JsonResponse:
    label = selectors.label_get_public(serial)
    response = JsonResponse(
        label.credential,
        content_type="application/vc+ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _stored_pdf(label: Label) -> File | None:
    document = CertificateDocument.objects.filter(label=label).first()
    if document is None or not document.file or label.document_stale:
        return None
    try:
        return document.file.open("rb")
    except FileNotFoundError:
        # A database restored beside newer files may name a PDF since replaced and deleted.
        return None


@require_GET
def certificate_pdf(request: HttpRequest, serial: str) -> FileResponse:
    label = selectors.label_get_public(serial)
    stored = _stored_pdf(label)
    if stored is None:
        from .documents import certificate_render

        # Render now rather than fail the reader or show a status that is no longer true.
        certificate_render(label.pk)
        stored = CertificateDocument.objects.get(label=label).file.open("rb")
    return FileResponse(
        stored, content_type="application/pdf", filename=f"{label.certificate.number}.pdf"
    )


@require_GET
def qr_code(request: HttpRequest, serial: str, fmt: str) -> HttpResponse:
    if fmt not in ("svg", "png"):
        raise Http404
    label = selectors.label_get_public(serial)
    url = label_qr_url(label)
    if fmt == "svg":
        response = HttpResponse(qr_svg(url), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr_png(url), content_type="image/png")
    patch_cache_control(response, public=True, max_age=86400)
    return response


# --- status lists, DIDs, keys, context --------------------------------------------------


@require_GET
def status_list(request: HttpRequest, code: str, purpose: str, number: int) -> JsonResponse:
    entry = (
        StatusList.objects.select_related("body")
        .filter(body__code=code, purpose=purpose, number=number)
        .first()
    )
    if entry is None:
        raise Http404
    signed = statuslists.current_credential(entry)
    response = JsonResponse(signed, content_type="application/vc+ld+json")
    # The list states its own ttl; caches must follow what was signed, not today's setting.
    patch_cache_control(response, public=True, max_age=ttl_seconds(signed))
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _method(key: SigningKey) -> dict:
    return verification_method_entry(
        keys.body_did(key.body),
        key.fragment,
        keys.public_key(key),
        expires=key.retired_at,
        revoked=key.revoked_at,
    )


@require_GET
def body_did_document(request: HttpRequest, code: str) -> JsonResponse:
    body = Organisation.objects.filter(kind=OrganisationKind.CERTIFICATION_BODY, code=code).first()
    if body is None:
        raise Http404
    methods = [_method(key) for key in body.signing_keys.select_related("body")]
    document = did_document(keys.body_did(body), methods)
    response = JsonResponse(document, content_type="application/did+json")
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=60)
    return response


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    entries = []
    for key in SigningKey.objects.select_related("body").filter(revoked_at__isnull=True):
        jwk = jwk_from_public_key(keys.public_key(key), kid=keys.verification_method(key))
        jwk.update({"use": "sig", "alg": "Ed25519"})
        entries.append(jwk)
    response = JsonResponse({"keys": entries})
    patch_cache_control(response, public=True, max_age=60)
    return response


@require_GET
def label_context(request: HttpRequest) -> JsonResponse:
    base = statuslists.public_url(reverse("labels:context")) + "#"
    terms = [
        "CarbonLabelCredential",
        "CarbonFootprintLabel",
        "labelSerial",
        "certificateNumber",
        "scheme",
        "product",
        "holder",
        "USCC",
        "certificationBody",
        "approvalNumber",
        "footprint",
        "unitKind",
        "declaredUnit",
        "referenceFlow",
        "boundary",
        "gwpSet",
        "stages",
        "stage",
        "standard",
        "productRule",
        "assuranceLevel",
        "model",
        "gtin",
        "trademark",
        "manufacturer",
        "plantAddress",
        "code",
        "value",
        "unit",
        "version",
    ]
    context = {"@context": {"@protected": True, **{t: base + t for t in terms}}}
    response = JsonResponse(context, content_type="application/ld+json")
    patch_cache_control(response, public=True, max_age=86400)
    return response


# --- verification endpoint ---------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def verify_api(request: HttpRequest) -> JsonResponse:
    """VC-API style: {"verifiableCredential": ..., "options": {...}} → checks and a reason.

    A GET (the resolver's `gs1:verificationService` redirect lands here) verifies nothing: it
    describes how to POST, so a browser or a crawler is not led to believe a label was checked."""
    if request.method != "POST":
        return _verify_api_description()
    try:
        # Read as the command line reads a credential file: a member named twice could show one
        # thing to a person and sign another, so the same bytes are MALFORMED everywhere.
        body = loads_strict(request.body or b"{}")
    except DuplicateKeyError as error:
        return _unverifiable_request("A member is named twice.", f"not valid JSON: {error}")
    except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
        return _unverifiable_request("The body is not JSON.", f"not valid JSON: {error}")
    if not isinstance(body, dict) or "verifiableCredential" not in body:
        return _unverifiable_request(
            'Send {"verifiableCredential": …}.', "the body holds no verifiableCredential"
        )
    result = verify(body["verifiableCredential"])
    payload = result.to_dict()
    payload["verified"] = result.valid
    status = 200 if result.valid else (400 if result.reason == Reason.MALFORMED else 422)
    return JsonResponse(payload, status=status)


def _unverifiable_request(detail: str, failure: str) -> JsonResponse:
    """A body that holds no credential to verify: a problem, with the verdict, the reason code
    and the failed format check a malformed credential gets (CONTRACTS §8)."""
    verdict = VerificationResult(Reason.MALFORMED, (Check("format", False, failure),))
    return JsonResponse(
        {
            "type": "about:blank",
            "title": "Malformed request",
            "status": 400,
            "detail": detail,
            **verdict.to_dict(),
        },
        status=400,
        content_type="application/problem+json",
    )


def _verify_api_description() -> JsonResponse:
    response = JsonResponse(
        {
            "description": "Verification service for signed carbon label credentials. A GET "
            "verifies nothing: POST the credential to this URL.",
            "method": "POST",
            "contentType": "application/json",
            "request": {"verifiableCredential": "<the signed label credential>"},
            "responses": {
                "200": "verified: the checks passed",
                "400": "the body or the credential is malformed",
                "422": "not verified; `reason` says why",
            },
            "directory": statuslists.public_url(reverse("labels:directory")),
        }
    )
    response["Allow"] = "GET, HEAD, POST"
    return response


# --- public directory --------------------------------------------------------------------


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "")
    labels = (
        Label.objects.select_related(*selectors.PUBLIC_RELATED)
        .filter(status__in=[LabelStatus.VALID, LabelStatus.SUSPENDED])
        .order_by("-issued_at")
    )
    if query:
        gtin = Q(gtin=query.zfill(14)) if query.isdigit() and len(query) <= 14 else Q(pk=None)
        # A family's variant label is found by its own product, not the representative's.
        product = (
            Q(variant__isnull=True)
            & (
                Q(certificate__product__name__icontains=query)
                | Q(certificate__product__model__icontains=query)
            )
            | Q(variant__product__name__icontains=query)
            | Q(variant__product__model__icontains=query)
        )
        labels = labels.filter(
            gtin
            | product
            | Q(certificate__enterprise__name__icontains=query)
            | Q(certificate__number__icontains=query)
            | Q(serial=query.upper())
        )
    if category:
        labels = labels.filter(
            Q(certificate__product__category__code=category)
            | Q(certificate__product__category__parent__code=category)
        )
    page = Paginator(labels, 25).get_page(request.GET.get("page"))
    bodies = Organisation.objects.filter(kind=OrganisationKind.CERTIFICATION_BODY)
    if query:
        bodies = bodies.filter(Q(name__icontains=query) | Q(code__icontains=query))
    return render(
        request,
        "labels/directory.html",
        {
            "page": page,
            "q": query,
            "category": category,
            "bodies": bodies[:20],
            "categories": ProductCategory.objects.filter(parent__isnull=True),
        },
    )
