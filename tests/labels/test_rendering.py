"""Label artwork, QR codes and certificates: what a scanner, a printer and a reader get.

QR codes are read back with zxing-cpp, an independent decoder, and PDFs with poppler, so these
tests check the files as outside tools see them rather than as our code wrote them.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import zxingcpp
from django.utils import translation
from PIL import Image

from labels.rendering.artwork import PRINT_SIZES_MM, label_png, label_svg
from labels.rendering.certificate import (
    certificate_html,
    certificate_pdf,
    content_fingerprint,
    data_only_url_fetcher,
    harfbuzz_subset_available,
)
from labels.rendering.facts import (
    NATIONAL_TITLE_EN,
    NATIONAL_TITLE_ZH,
    SELF_FILED_TITLE_EN,
    SELF_FILED_TITLE_ZH,
    LabelFacts,
    StageFigure,
)
from labels.rendering.qr import (
    SERIAL_ALPHABET,
    new_serial,
    qr_code,
    qr_png,
    qr_svg,
    resolver_url,
    serial_is_valid,
)

HOST = "labels.example.cn"
SERIAL = "7K3M9QX2HD4B"
GTIN_URL = f"https://{HOST}/01/06901234567892/21/{SERIAL}"
SERIAL_URL = f"https://{HOST}/L/{SERIAL}"
HOLDER = "广东绿源电池有限公司"
CERTIFICATE_NUMBER = "CFP-2025-GD-000123"
NATIONAL_GREEN = "#1f7a4d"
WARNING_RED = (198, 40, 40)


def label_facts(**changes: object) -> LabelFacts:
    facts = LabelFacts(
        serial=SERIAL,
        certificate_number=CERTIFICATE_NUMBER,
        scheme="national_pilot",
        status="valid",
        product_name="磷酸铁锂储能电池",
        product_model="LFP-280Ah-3.2V",
        gtin="06901234567892",
        trademark="绿源",
        manufacturer=HOLDER,
        plant_address="广东省惠州市仲恺高新区惠风七路18号",
        holder_name=HOLDER,
        holder_uscc="91441300MA4UJ5XW8B",
        holder_address="广东省惠州市仲恺高新区惠风七路18号",
        body_name="华南低碳认证中心有限公司",
        body_code="CB01",
        body_approval_number="CNCA-R-2019-001",
        footprint_value="75.4",
        footprint_unit="kgCO2e",
        declared_unit="1 kWh of battery energy capacity",
        unit_kind="declared",
        boundary="cradle_to_gate",
        stages=(
            StageFigure("raw_material", "原材料获取", "Raw material acquisition", "61.2"),
            StageFigure("production", "生产", "Production", "12.9"),
            StageFigure("distribution", "分销", "Distribution", "1.3"),
        ),
        standard="GB/T 24067-2024",
        product_rule="锂离子电池产品碳足迹核算规则 v1.0",
        certification_mode=(
            "文件评审 + 现场检查 + 碳足迹核查 "
            "Document review + on-site inspection + footprint verification"
        ),
        issued_on=date(2025, 7, 1),
        valid_until=date(2027, 6, 30),
        resolver_url=GTIN_URL,
        public_page_url=f"https://{HOST}/verify/{SERIAL}",
    )
    return replace(facts, **changes)  # type: ignore[arg-type]


def decoded(png: bytes) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def rasterised_svg(svg: bytes, tmp_path: Path, *, width_mm: int = 60) -> bytes:
    """Draw an SVG the way the certificate does (WeasyPrint) and rasterise it with poppler."""
    from weasyprint import HTML

    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    page = (
        f"<style>@page {{ size: {width_mm + 20}mm {width_mm * 2}mm; margin: 10mm }}</style>"
        f'<img src="{uri}" style="width: {width_mm}mm">'
    )
    pdf = tmp_path / "svg.pdf"
    pdf.write_bytes(HTML(string=page, url_fetcher=data_only_url_fetcher()).write_pdf())
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-singlefile", pdf, tmp_path / "svg"], check=True
    )
    return (tmp_path / "svg.png").read_bytes()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", path, "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(["pdffonts", path], check=True, capture_output=True, text=True)
    return [line.split() for line in output.stdout.splitlines()[2:]]


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(pdf)
    output = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)$", output.stdout, re.MULTILINE)[1])  # type: ignore[index]


# Resolver URL and QR (CONTRACTS §2)


def test_resolver_url_with_a_gtin_uses_the_digital_link_path() -> None:
    url = resolver_url(scheme="https", host=HOST, serial=SERIAL, gtin="06901234567892")

    assert url == GTIN_URL


def test_resolver_url_pads_a_gtin_13_to_14_digits() -> None:
    url = resolver_url(scheme="https", host=HOST, serial=SERIAL, gtin="6901234567892")

    assert url == GTIN_URL


def test_resolver_url_without_a_gtin_uses_the_short_path() -> None:
    url = resolver_url(scheme="https", host=HOST, serial=SERIAL, gtin=None)

    assert url == SERIAL_URL


def test_resolver_url_takes_http_for_local_demonstrations() -> None:
    url = resolver_url(scheme="http", host="127.0.0.1:8000", serial=SERIAL, gtin=None)

    assert url == f"http://127.0.0.1:8000/L/{SERIAL}"


@pytest.mark.parametrize(
    "arguments",
    [
        {"scheme": "ftp"},
        {"host": ""},
        {"host": "labels.example.cn/evil"},
        {"host": "labels.example.cn?x=1"},
        {"serial": SERIAL.lower()},
        {"serial": "7K3M9QX2HD4I"},  # I is not Crockford base32
        {"serial": "ABC"},
        {"gtin": "06901234567891"},  # wrong check digit
        {"gtin": "690123456789"},  # 12 digits, wrong check digit
        {"gtin": "0690123456789x"},
    ],
)
def test_resolver_url_refuses_what_the_resolver_would_answer_400_to(
    arguments: dict[str, str],
) -> None:
    valid = {"scheme": "https", "host": HOST, "serial": SERIAL, "gtin": "06901234567892"}

    with pytest.raises(ValueError):
        resolver_url(**{**valid, **arguments})  # type: ignore[arg-type]


@pytest.mark.parametrize("url", [GTIN_URL, SERIAL_URL, f"http://127.0.0.1:8000/L/{SERIAL}"])
def test_qr_png_decodes_to_exactly_the_resolver_url_at_level_m(url: str) -> None:
    barcodes = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(url))))

    assert [(barcode.text, barcode.ec_level) for barcode in barcodes] == [(url, "M")]
    assert barcodes[0].format == zxingcpp.BarcodeFormat.QRCode


@pytest.mark.parametrize("url", [GTIN_URL, SERIAL_URL])
def test_qr_svg_decodes_to_exactly_the_resolver_url(url: str, tmp_path: Path) -> None:
    assert decoded(rasterised_svg(qr_svg(url), tmp_path)) == [url]


def test_error_correction_stays_m_when_boosting_would_have_raised_it() -> None:
    short = "https://a.example/L/ABCDEFGH"

    assert qr_code(short).error == "M"
    assert qr_code(GTIN_URL).error == "M"


def test_qr_png_has_a_quiet_zone_of_four_modules() -> None:
    scale = 8
    image = Image.open(io.BytesIO(qr_png(GTIN_URL, scale=scale))).convert("L")
    side = qr_code(GTIN_URL).symbol_size(border=0)[0]
    quiet = 4 * scale

    assert image.size == ((side + 8) * scale, (side + 8) * scale)
    assert image.crop((0, 0, image.width, quiet)).getextrema() == (255, 255)
    assert image.crop((0, 0, quiet, image.height)).getextrema() == (255, 255)
    # The finder pattern starts right after the quiet zone.
    assert image.getpixel((quiet, quiet)) == 0


def test_qr_svg_is_scalable_vector_markup() -> None:
    svg = qr_svg(SERIAL_URL)

    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg and b"<image" not in svg


# Serials (CONTRACTS §1)


def test_new_serials_are_uppercase_crockford_base32_and_distinct() -> None:
    serials = {new_serial() for _ in range(1000)}

    assert len(serials) == 1000
    assert all(len(serial) == 12 and set(serial) <= set(SERIAL_ALPHABET) for serial in serials)
    assert all(serial_is_valid(serial) for serial in serials)


def test_serial_alphabet_leaves_out_ambiguous_letters() -> None:
    assert SERIAL_ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(new_serial(20)) == 20


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (SERIAL, True),
        ("0123456789ABCDEFGHJKMNPQRSTVWXYZ", True),
        (SERIAL.lower(), False),
        ("7K3M9QX2HD4O", False),
        ("7K3M9QX2HD4L", False),
        ("7K3M9QX2HD4U", False),
        ("7K3M-QX2HD4B", False),
        ("7K3M9QX", False),
        ("7" * 33, False),
        ("", False),
        (None, False),
        (f"{SERIAL}\n", False),
    ],
)
def test_serial_validation(value: object, valid: bool) -> None:
    assert serial_is_valid(value) is valid


# Label artwork


@pytest.mark.parametrize("size_mm", PRINT_SIZES_MM)
@pytest.mark.parametrize("scheme", ["national_pilot", "self_filed"])
def test_label_png_qr_decodes_to_the_resolver_url_at_every_print_size(
    size_mm: int, scheme: str
) -> None:
    png = label_png(label_facts(scheme=scheme), size_mm=size_mm)

    assert decoded(png) == [GTIN_URL]


def test_label_png_is_sized_and_tagged_for_300_dpi_print() -> None:
    image = Image.open(io.BytesIO(label_png(label_facts(), size_mm=30)))

    assert image.width == round(30 / 25.4 * 300)
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert PRINT_SIZES_MM == (20, 30, 50)


def test_label_svg_qr_decodes_to_the_resolver_url(tmp_path: Path) -> None:
    facts = label_facts(gtin=None, resolver_url=SERIAL_URL)

    assert decoded(rasterised_svg(label_svg(facts), tmp_path)) == [SERIAL_URL]


def test_national_label_shows_the_national_title_mark_and_the_footprint_as_a_number() -> None:
    svg = label_svg(label_facts()).decode("utf-8")

    assert NATIONAL_TITLE_ZH in svg and NATIONAL_TITLE_EN in svg
    assert NATIONAL_GREEN in svg
    assert ">75.4</text>" in svg and ">kgCO2e</text>" in svg
    assert "1 kWh of battery energy capacity" in svg
    assert CERTIFICATE_NUMBER in svg
    assert 'width="30mm"' in svg


def test_self_filed_label_never_shows_the_national_title_or_green_mark() -> None:
    svg = label_svg(label_facts(scheme="self_filed")).decode("utf-8")

    assert NATIONAL_TITLE_ZH not in svg and NATIONAL_TITLE_EN not in svg
    assert NATIONAL_GREEN not in svg
    assert SELF_FILED_TITLE_ZH in svg and SELF_FILED_TITLE_EN in svg
    assert "华南低碳认证中心有限公司" in svg
    assert ">75.4</text>" in svg


def test_national_and_self_filed_artworks_differ_in_pixels_too() -> None:
    national = Image.open(io.BytesIO(label_png(label_facts()))).convert("RGB")
    self_filed = Image.open(io.BytesIO(label_png(label_facts(scheme="self_filed"))))

    assert national.getpixel((2, national.height // 2)) == (31, 122, 77)
    assert self_filed.convert("RGB").getpixel((2, self_filed.height // 2)) != (31, 122, 77)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("suspended", "已暂停 SUSPENDED"),
        ("revoked", "已撤销 REVOKED"),
        ("cancelled", "已注销 CANCELLED"),
        ("expired", "已过期 EXPIRED"),
    ],
)
@pytest.mark.parametrize("scheme", ["national_pilot", "self_filed"])
def test_a_label_that_is_not_valid_carries_the_status_overlay(
    status: str, words: str, scheme: str
) -> None:
    facts = label_facts(status=status, scheme=scheme)

    svg = label_svg(facts).decode("utf-8")
    png = label_png(facts)

    assert f">{words}</text>" in svg
    assert _has_colour(png, WARNING_RED)
    # The QR stays clear, so scanning the stale print leads to the live status.
    assert decoded(png) == [GTIN_URL]


def test_a_valid_label_has_no_overlay() -> None:
    facts = label_facts()

    svg = label_svg(facts).decode("utf-8")

    assert not any(word in svg for word in ("SUSPENDED", "REVOKED", "CANCELLED", "EXPIRED"))
    assert not _has_colour(label_png(facts), WARNING_RED)


def test_an_unknown_status_is_never_shown_as_valid() -> None:
    svg = label_svg(label_facts(status="withdrawn")).decode("utf-8")

    assert ">无效 WITHDRAWN</text>" in svg


def test_text_in_the_svg_is_escaped() -> None:
    svg = label_svg(label_facts(certificate_number="A<B&C")).decode("utf-8")

    assert "A&lt;B&amp;C" in svg and "A<B" not in svg


def _has_colour(png: bytes, colour: tuple[int, int, int]) -> bool:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return any(rgb == colour for _, rgb in image.getcolors(maxcolors=1 << 24) or [])


# Certificate


def test_certificate_pdf_carries_the_chinese_text_with_the_font_embedded(tmp_path: Path) -> None:
    pdf = certificate_pdf(label_facts())

    text = pdf_text(pdf, tmp_path)
    fonts = pdf_fonts(pdf, tmp_path)

    for expected in (
        "证书编号",
        CERTIFICATE_NUMBER,
        HOLDER,
        "91441300MA4UJ5XW8B",
        "磷酸铁锂储能电池",
        "LFP-280Ah-3.2V",
        "06901234567892",
        "GB/T 24067-2024",
        "认证模式",
        "华南低碳认证中心有限公司",
        "CNCA-R-2019-001",
        "2025年7月1日",
        "2027年6月30日",
        "75.4",
        "原材料获取",
        "从摇篮到大门",
        "中国产品碳足迹标识认证证书",
    ):
        assert expected in text, expected
    assert fonts, "no fonts in the PDF"
    # pdffonts columns: name type… emb sub uni object-id generation; every font is embedded.
    assert all(any("WenQuanYi" in part for part in font) for font in fonts)
    assert all(font[-5] == "yes" for font in fonts)
    assert pdf_pages(pdf, tmp_path) == 1


def test_self_filed_certificate_does_not_claim_the_national_label(tmp_path: Path) -> None:
    text = pdf_text(certificate_pdf(label_facts(scheme="self_filed")), tmp_path)

    assert NATIONAL_TITLE_ZH not in text
    assert "产品碳足迹认证证书" in text and CERTIFICATE_NUMBER in text


def test_revoked_certificate_says_so_and_stays_on_one_page(tmp_path: Path) -> None:
    pdf = certificate_pdf(label_facts(status="revoked"))

    assert "已撤销" in pdf_text(pdf, tmp_path)
    assert pdf_pages(pdf, tmp_path) == 1


def test_certificate_html_keeps_both_languages_whatever_the_active_one() -> None:
    with translation.override("en"):
        english = certificate_html(label_facts())
    with translation.override("zh-hans"):
        chinese = certificate_html(label_facts())

    assert english == chinese
    assert "证书编号 Certificate No." in english
    assert "发证日期" in english and "Date of issue" in english


def test_certificate_html_escapes_facts() -> None:
    html = certificate_html(label_facts(product_name='<img src="http://evil.example/x">'))

    assert '<img src="http://evil.example' not in html
    assert "&lt;img" in html


def test_the_pdf_renderer_loads_data_uris_and_refuses_everything_else() -> None:
    fetcher = data_only_url_fetcher()

    assert fetcher("data:text/plain;base64,b2s=").read() == b"ok"
    for url in ("file:///etc/passwd", "http://evil.example/x.png", "https://evil.example/"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher(url)


def test_harfbuzz_subset_is_available() -> None:
    assert harfbuzz_subset_available() is True


# Fingerprint


def test_fingerprint_is_stable_for_equal_facts() -> None:
    first = content_fingerprint(label_facts())

    assert first == content_fingerprint(label_facts())
    assert re.fullmatch(r"[0-9a-f]{64}", first)


@pytest.mark.parametrize(
    "change",
    [
        {"status": "suspended"},
        {"scheme": "self_filed"},
        {"footprint_value": "75.40"},
        {"holder_name": "广东绿源电池股份有限公司"},
        {"gtin": None},
        {"valid_until": date(2027, 7, 1)},
        {"resolver_url": SERIAL_URL},
        {
            "stages": (
                StageFigure("raw_material", "原材料获取", "Raw material acquisition", "61.3"),
            )
        },
    ],
)
def test_fingerprint_changes_when_any_fact_changes(change: dict[str, object]) -> None:
    assert content_fingerprint(label_facts(**change)) != content_fingerprint(label_facts())
