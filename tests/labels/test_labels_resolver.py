"""The QR code and the GS1 Digital Link resolver through the HTTP layer (CONTRACTS §2), the DID
documents and JWKS that verifiers fetch (§3), and the certificate PDF."""

import io
import subprocess

import pytest
import zxingcpp
from PIL import Image

from labels import keys, services
from labels.models import Label, SigningKey
from tests.labels.conftest import PUBLIC, path_of

GTIN = "06901234567816"
LINKSET = "application/linkset+json"
GS1 = "https://gs1.org/voc/"


@pytest.fixture
def gtin_label(issue_label, new_product) -> Label:
    return issue_label(
        new_product(gtin=GTIN, name="储能电池包 Energy storage pack", model="GC-ESS-20K")
    )


@pytest.fixture
def plain_label(issue_label, new_product) -> Label:
    """A label of a product without a GTIN."""
    return issue_label(new_product(gtin=""))


def decoded_qr(client, label: Label) -> str:
    response = client.get(f"/labels/{label.serial}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    return barcode.text


def links(label: Label) -> dict[str, str]:
    return {
        "defaultLink": f"{PUBLIC}/labels/{label.serial}/",
        "sustainabilityInfo": f"{PUBLIC}/labels/{label.serial}/credential.json",
        "certificationInfo": f"{PUBLIC}/labels/{label.serial}/certificate.pdf",
        "verificationService": f"{PUBLIC}/vc-api/credentials/verify",
    }


def link_header(anchor: str) -> str:
    return f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'


# --- QR round trip ------------------------------------------------------------------------


def test_the_qr_png_decodes_to_exactly_the_digital_link_and_it_resolves(gtin_label, anon) -> None:
    url = decoded_qr(anon, gtin_label)

    assert url == f"{PUBLIC}/01/{GTIN}/21/{gtin_label.serial}"
    response = anon.get(path_of(url))
    assert response.status_code == 307
    assert response["Location"] == links(gtin_label)["defaultLink"]
    assert response["Link"] == link_header(url)
    page = anon.get(path_of(response["Location"]))
    assert page.status_code == 200
    assert gtin_label.serial in page.content.decode()


def test_the_qr_of_a_product_without_gtin_uses_the_short_path(plain_label, anon) -> None:
    url = decoded_qr(anon, plain_label)

    assert url == f"{PUBLIC}/L/{plain_label.serial}"
    response = anon.get(path_of(url))
    assert response.status_code == 307
    assert response["Location"] == links(plain_label)["defaultLink"]
    assert response["Link"] == link_header(url)


def test_the_qr_svg_carries_the_same_url(gtin_label, anon) -> None:
    response = anon.get(f"/labels/{gtin_label.serial}/qr.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith((b"<?xml", b"<svg"))


@pytest.mark.parametrize("fmt", ["gif", "jpg", "pdf"])
def test_the_qr_in_another_format_is_404(gtin_label, anon, fmt) -> None:
    assert anon.get(f"/labels/{gtin_label.serial}/qr.{fmt}").status_code == 404


def test_the_qr_of_an_unknown_serial_is_404(db, anon) -> None:
    assert anon.get("/labels/ZZZZZZZZZZZZ/qr.png").status_code == 404


# --- link types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link_type",
    [
        "gs1:sustainabilityInfo",
        "gs1:certificationInfo",
        "gs1:verificationService",
        "gs1:defaultLink",
    ],
)
@pytest.mark.parametrize("short", [False, True], ids=["digital link", "short path"])
def test_each_link_type_redirects_to_its_target(gtin_label, anon, link_type, short) -> None:
    anchor = (
        f"{PUBLIC}/L/{gtin_label.serial}" if short else f"{PUBLIC}/01/{GTIN}/21/{gtin_label.serial}"
    )

    response = anon.get(path_of(anchor), {"linkType": link_type})

    assert response.status_code == 307
    assert response["Location"] == links(gtin_label)[link_type.removeprefix("gs1:")]
    assert response["Link"] == link_header(anchor)


def test_the_link_targets_answer(gtin_label, anon) -> None:
    credential = anon.get(path_of(links(gtin_label)["sustainabilityInfo"]))
    assert credential.status_code == 200
    assert credential.json() == gtin_label.credential
    pdf = anon.get(path_of(links(gtin_label)["certificationInfo"]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("short", [False, True], ids=["digital link", "short path"])
def test_the_linkset_is_rfc_9264_json(gtin_label, anon, short) -> None:
    anchor = (
        f"{PUBLIC}/L/{gtin_label.serial}" if short else f"{PUBLIC}/01/{GTIN}/21/{gtin_label.serial}"
    )

    response = anon.get(path_of(anchor), {"linkType": "linkset"})

    assert response.status_code == 200
    assert response["Content-Type"] == LINKSET
    assert response["Link"] == link_header(anchor)
    body = response.json()
    assert list(body) == ["linkset"]
    [context] = body["linkset"]
    assert context["anchor"] == anchor
    relations = {name: targets for name, targets in context.items() if name != "anchor"}
    assert set(relations) == {GS1 + name for name in links(gtin_label)}
    for name, href in links(gtin_label).items():
        targets = relations[GS1 + name]
        assert isinstance(targets, list)
        assert [target["href"] for target in targets] == [href]
    assert relations[GS1 + "sustainabilityInfo"][0]["type"] == "application/vc+ld+json"
    assert relations[GS1 + "certificationInfo"][0]["type"] == "application/pdf"


def test_resolver_answers_are_not_cached(gtin_label, anon) -> None:
    response = anon.get(f"/01/{GTIN}/21/{gtin_label.serial}")

    assert "no-cache" in response["Cache-Control"]


def test_qualifiers_in_order_resolve(gtin_label, anon) -> None:
    response = anon.get(f"/01/{GTIN}/10/LOT7/21/{gtin_label.serial}")

    assert response.status_code == 307
    assert response["Location"] == links(gtin_label)["defaultLink"]


# --- invalid syntax -----------------------------------------------------------------------

INVALID = {
    "bad check digit": "/01/06901234567817/21/{serial}",
    "qualifiers out of order 21 then 10": "/01/" + GTIN + "/21/{serial}/10/LOT",
    "qualifiers out of order 10 then 22": "/01/" + GTIN + "/10/LOT/22/CPV/21/{serial}",
    "repeated qualifier": "/01/" + GTIN + "/21/{serial}/21/{serial}",
    "13-digit GTIN": "/01/6901234567816/21/{serial}",
    "GTIN-8 unpadded": "/01/96385074/21/{serial}",
    "letters in the GTIN": "/01/0690123456781A/21/{serial}",
    "unknown qualifier": "/01/" + GTIN + "/99/X/21/{serial}",
    "qualifier without value": "/01/" + GTIN + "/21",
    "lowercase serial": "/01/" + GTIN + "/21/{lower}",
    "lowercase short path": "/L/{lower}",
    "ambiguous letters in the serial": "/L/ILOUILOU",
}


@pytest.mark.parametrize("template", INVALID.values(), ids=INVALID.keys())
def test_invalid_digital_link_syntax_is_400_never_200(gtin_label, anon, template) -> None:
    path = template.format(serial=gtin_label.serial, lower=gtin_label.serial.lower())

    response = anon.get(path)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400


@pytest.mark.parametrize(
    "path", [f"/01/{GTIN}/21/ZZZZZZZZZZZZ", "/L/ZZZZZZZZZZZZ", "/01/06901234567892/21/{serial}"]
)
def test_an_unknown_serial_or_another_gtin_is_404(gtin_label, anon, path) -> None:
    response = anon.get(path.format(serial=gtin_label.serial))

    assert response.status_code == 404


def test_the_resolver_describes_itself(db, anon) -> None:
    response = anon.get("/.well-known/gs1resolver")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["resolverRoot"] == PUBLIC
    assert body["supportedPrimaryKeys"] == ["gtin"]
    assert {entry["linkType"] for entry in body["supportedLinkTypes"]} >= {
        "gs1:defaultLink",
        "gs1:sustainabilityInfo",
        "gs1:certificationInfo",
        "gs1:verificationService",
        "linkset",
    }
    assert body["supportedMethods"] == ["GET", "HEAD"]
    assert {entry["namespace"] for entry in body["supportedLinkType"]} == {
        "https://gs1.org/voc/",
        "http://gs1.org/voc/",
    }
    assert "17" in body["supportedDataAttributes"]
    [service] = [
        entry
        for entry in body["supportedLinkTypes"]
        if entry["linkType"] == "gs1:verificationService"
    ]
    assert service["method"] == "POST"


# --- HEAD ---------------------------------------------------------------------------------

HEAD_PATHS = {
    "digital link": "/01/" + GTIN + "/21/{serial}",
    "digital link, linkset": "/01/" + GTIN + "/21/{serial}?linkType=linkset",
    "short path": "/L/{serial}",
    "short path, credential": "/L/{serial}?linkType=gs1:sustainabilityInfo",
    "invalid syntax": "/01/06901234567817/21/{serial}",
    "unknown serial": "/L/ZZZZZZZZZZZZ",
    "resolver description": "/.well-known/gs1resolver",
}
COMPARED_HEADERS = ("Content-Type", "Location", "Link", "Cache-Control")


@pytest.mark.parametrize("template", HEAD_PATHS.values(), ids=HEAD_PATHS.keys())
def test_head_answers_like_get_without_a_body(gtin_label, anon, template) -> None:
    path = template.format(serial=gtin_label.serial)

    got = anon.get(path)
    head = anon.head(path)

    assert head.status_code == got.status_code
    assert got.status_code != 405
    for name in COMPARED_HEADERS:
        assert head.get(name) == got.get(name), name
    assert head.content == b""


# --- character sets and data attributes -----------------------------------------------------

INVALID_VALUES = {
    "space in the lot": "/01/" + GTIN + "/10/LOT%207/21/{serial}",
    "hash in the lot": "/01/" + GTIN + "/10/LOT%237/21/{serial}",
    "tilde in the CPV": "/01/" + GTIN + "/22/A~B/21/{serial}",
    "non-ASCII in the lot": "/01/" + GTIN + "/10/%E6%89%B9/21/{serial}",
    "lot of 21 characters": "/01/" + GTIN + "/10/" + "A" * 21 + "/21/{serial}",
    "expiry date not a date": "/01/" + GTIN + "/21/{serial}?17=261341",
    "expiry date of 30 February": "/01/" + GTIN + "/21/{serial}?17=260230",
    "expiry date too short": "/01/" + GTIN + "/21/{serial}?17=2612",
    "expiry date with letters": "/L/{serial}?17=26123A",
    "empty lot in the query": "/01/" + GTIN + "/21/{serial}?10=",
    "hash in a lot in the query": "/L/{serial}?10=A%23B",
    "lot in the path and the query": "/01/" + GTIN + "/10/LOT/21/{serial}?10=LOT",
    "expiry date twice": "/01/" + GTIN + "/21/{serial}?17=261231&17=261130",
    "serial in the short path and the query": "/L/{serial}?21={serial}",
}


@pytest.mark.parametrize("template", INVALID_VALUES.values(), ids=INVALID_VALUES.keys())
def test_a_value_outside_its_ai_format_is_400(gtin_label, anon, template) -> None:
    response = anon.get(template.format(serial=gtin_label.serial))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 400


VALID_VALUES = {
    "set 82 punctuation in the lot": "/01/" + GTIN + "/10/A-1.2_3%2B(x)/21/{serial}",
    "a CPV": "/01/" + GTIN + "/22/Blue-XL/10/LOT7/21/{serial}",
    "percent sign, encoded once": "/01/" + GTIN + "/10/A%2523/21/{serial}",
    "expiry date": "/01/" + GTIN + "/21/{serial}?17=261231",
    "expiry date, day 00": "/L/{serial}?17=260200",
    "leap day": "/01/" + GTIN + "/21/{serial}?17=280229",
    "lot in the query": "/01/" + GTIN + "/21/{serial}?10=LOT7",
    "an AI we do not know": "/01/" + GTIN + "/21/{serial}?3103=000189",
}


@pytest.mark.parametrize("template", VALID_VALUES.values(), ids=VALID_VALUES.keys())
def test_values_in_their_ai_format_resolve(gtin_label, anon, template) -> None:
    response = anon.get(template.format(serial=gtin_label.serial))

    assert response.status_code == 307
    assert response["Location"] == links(gtin_label)["defaultLink"]


def test_a_percent_encoded_value_is_decoded_once() -> None:
    """`%2523` in the URI is the lot `%23` (valid), not `#` (invalid)."""
    from labels.resolver import parse_digital_link

    link = parse_digital_link(GTIN, "/10/A%23/21/ABCDEFGH")

    assert link.qualifiers == {"10": "A%23", "21": "ABCDEFGH"}


# --- link types in full, unknown link types -------------------------------------------------


@pytest.mark.parametrize("namespace", ["https://gs1.org/voc/", "http://gs1.org/voc/"])
@pytest.mark.parametrize(
    "name", ["sustainabilityInfo", "certificationInfo", "verificationService", "defaultLink"]
)
def test_a_link_type_in_its_full_uri_form_is_the_compact_one(
    gtin_label, anon, namespace, name
) -> None:
    path = f"/01/{GTIN}/21/{gtin_label.serial}"

    full = anon.get(path, {"linkType": namespace + name})
    compact = anon.get(path, {"linkType": f"gs1:{name}"})

    assert full.status_code == compact.status_code == 307
    assert full["Location"] == compact["Location"] == links(gtin_label)[name]


@pytest.mark.parametrize(
    "link_type", ["gs1:recipeInfo", "https://gs1.org/voc/pip", "https://example.com/voc/x", ""]
)
def test_a_link_type_we_do_not_serve_gets_the_default_link(gtin_label, anon, link_type) -> None:
    response = anon.get(f"/L/{gtin_label.serial}", {"linkType": link_type})

    assert response.status_code == 307
    assert response["Location"] == links(gtin_label)["defaultLink"]


# --- trailing slash ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    ["/01/" + GTIN + "/21/{serial}", "/01/" + GTIN + "/10/LOT7/21/{serial}", "/L/{serial}"],
    ids=["digital link", "with a lot", "short path"],
)
@pytest.mark.parametrize("link_type", ["", "linkset", "gs1:sustainabilityInfo"])
def test_a_trailing_slash_gets_the_same_answer(gtin_label, anon, template, link_type) -> None:
    path = template.format(serial=gtin_label.serial)
    query = {"linkType": link_type} if link_type else {}

    bare = anon.get(path, query)
    slashed = anon.get(path + "/", query)

    assert bare.status_code in (200, 307)
    assert slashed.status_code == bare.status_code
    for name in COMPARED_HEADERS:
        assert slashed.get(name) == bare.get(name), name
    assert slashed.content == bare.content


@pytest.mark.parametrize(
    "template", ["/01/" + GTIN + "/21/{serial}//", "/L/{serial}//", "/01/" + GTIN + "/21/"]
)
def test_more_than_one_trailing_slash_is_not_the_same_path(gtin_label, anon, template) -> None:
    response = anon.get(template.format(serial=gtin_label.serial))

    assert response.status_code in (400, 404)


# --- the verification service in the linkset --------------------------------------------------


def test_the_linkset_describes_the_verification_service_as_a_post(gtin_label, anon) -> None:
    response = anon.get(f"/L/{gtin_label.serial}", {"linkType": "linkset"})

    [context] = response.json()["linkset"]
    [service] = context[GS1 + "verificationService"]
    assert service["href"] == links(gtin_label)["verificationService"]
    assert service["type"] == "application/json"
    assert "POST" in service["title"]
    assert "credential" in service["title"]


def test_the_verification_service_redirect_leads_to_a_description_not_a_verdict(
    gtin_label, anon
) -> None:
    response = anon.get(f"/L/{gtin_label.serial}", {"linkType": "gs1:verificationService"})

    assert response.status_code == 307
    target = anon.get(path_of(response["Location"]))
    assert target.status_code == 200
    assert target.json()["method"] == "POST"
    assert "verified" not in target.json()


# --- DID documents and JWKS ---------------------------------------------------------------


@pytest.fixture
def three_keys(label, world) -> list[SigningKey]:
    """Body X's keys: the first retired by rotation, the second revoked, the third active."""
    keys.signing_key_rotate(world.body)
    second = SigningKey.objects.get(body=world.body, retired_at__isnull=True)
    services.signing_key_revoke(actor=world.body_admin, key_id=second.pk, reason="Leaked.")
    return list(SigningKey.objects.filter(body=world.body).order_by("created_at", "pk"))


def test_the_did_document_lists_every_key_with_its_lifetime(three_keys, anon) -> None:
    retired, revoked, active = three_keys
    did = "did:web:labels.example.cn:bodies:cqc"

    response = anon.get("/bodies/cqc/did.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    document = response.json()
    assert document["id"] == did
    methods = {method["id"]: method for method in document["verificationMethod"]}
    assert list(methods) == [f"{did}#{key.fragment}" for key in three_keys]
    assert document["assertionMethod"] == list(methods)
    for key in three_keys:
        method = methods[f"{did}#{key.fragment}"]
        assert method["type"] == "Multikey"
        assert method["controller"] == did
        assert method["publicKeyMultibase"] == key.public_key_multibase
        assert method["publicKeyMultibase"].startswith("z6Mk")
    assert "expires" in methods[f"{did}#{retired.fragment}"]
    assert "revoked" not in methods[f"{did}#{retired.fragment}"]
    assert "revoked" in methods[f"{did}#{revoked.fragment}"]
    assert "expires" not in methods[f"{did}#{active.fragment}"]
    assert "revoked" not in methods[f"{did}#{active.fragment}"]


def test_the_did_document_path_matches_the_did_web_rule(label, anon) -> None:
    """did:web:<host>:bodies:<code> → https://<host>/bodies/<code>/did.json."""
    from labels.vc.did import did_web_document_url

    url = did_web_document_url(label.issuer)

    assert url == f"{PUBLIC}/bodies/cqc/did.json"
    assert anon.get(path_of(url)).status_code == 200


def test_an_unknown_body_has_no_did_document(world, anon) -> None:
    assert anon.get("/bodies/nobody/did.json").status_code == 404


def test_jwks_lists_the_keys_that_are_not_revoked(three_keys, anon) -> None:
    retired, revoked, active = three_keys

    response = anon.get("/.well-known/jwks.json")

    assert response.status_code == 200
    entries = response.json()["keys"]
    assert [entry["kid"] for entry in entries] == [
        keys.verification_method(key) for key in (retired, active)
    ]
    assert keys.verification_method(revoked) not in {entry["kid"] for entry in entries}
    for entry in entries:
        assert entry["alg"] == "Ed25519"
        assert (entry["kty"], entry["crv"], entry["use"]) == ("OKP", "Ed25519", "sig")
        assert "d" not in entry


# --- certificate PDF ----------------------------------------------------------------------


def test_the_certificate_pdf_carries_the_certificate_number(gtin_label, anon, tmp_path) -> None:
    response = anon.get(f"/labels/{gtin_label.serial}/certificate.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    number = gtin_label.certificate.number
    assert number in text
    assert gtin_label.serial in text
    assert response["Content-Disposition"].endswith(f'filename="{number}.pdf"')


def test_the_certificate_pdf_of_an_unknown_serial_is_404(db, anon) -> None:
    assert anon.get("/labels/ZZZZZZZZZZZZ/certificate.pdf").status_code == 404
