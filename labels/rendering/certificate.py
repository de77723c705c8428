"""The certificate as HTML and as an A4 PDF (WeasyPrint), and the fingerprint of its content."""

from __future__ import annotations

import base64
import hashlib
import threading
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from labels.rendering.artwork import NATIONAL_PALETTE, SELF_FILED_PALETTE, label_svg
from labels.rendering.facts import (
    BOUNDARY_NAMES,
    SCHEME_NAMES,
    STATUS_NAMES,
    UNIT_KIND_NAMES,
    LabelFacts,
    caption,
    overlay_words,
)
from labels.rendering.qr import qr_svg
from labels.vc.jcs import canonicalize

TEMPLATE = "labels/certificate.html"
# Part of the fingerprint: raising it makes every stored certificate and label re-render once,
# which is what a change of template or artwork needs even though no fact changed.
LAYOUT_VERSION = 1
CERTIFICATE_LABEL_SIZE_MM = 38  # as wide as the template shows it

NATIONAL_CERTIFICATE_TITLE = (
    "中国产品碳足迹标识认证证书",
    "China Product Carbon Footprint Label Certificate",
)
SELF_FILED_CERTIFICATE_TITLE = ("产品碳足迹认证证书", "Product Carbon Footprint Certificate")
# Table headings use a pale shade of the label's frame colour.
NATIONAL_TINT = "#eaf4ee"
SELF_FILED_TINT = "#edf0f5"


def content_fingerprint(facts: LabelFacts) -> str:
    """SHA-256 (hex) of the canonical (RFC 8785) facts and the layout version."""
    document = {"layout": LAYOUT_VERSION, "facts": facts.as_json_value()}
    return hashlib.sha256(canonicalize(document)).hexdigest()


def certificate_html(facts: LabelFacts) -> str:
    return render_to_string(TEMPLATE, _context(facts))


def certificate_pdf(facts: LabelFacts) -> bytes:
    # Imported here: WeasyPrint takes most of a second to import, and most callers of this
    # package (QR, artwork, fingerprint) never need it.
    from weasyprint import HTML

    document = HTML(string=certificate_html(facts), url_fetcher=data_only_url_fetcher())
    return document.write_pdf(font_config=_font_configuration())


def data_only_url_fetcher() -> Any:
    """A WeasyPrint fetcher that loads data: URIs and refuses every other URL.

    Everything the page shows is inline or a data: URI, so nothing a fact contains can make the
    renderer reach the network or the file system.
    """
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


_per_thread = threading.local()


def _font_configuration() -> Any:
    """One fontconfig font list per thread, loaded once.

    Loading it costs about 20 ms, a sixth of a render. It is safe to keep because the template
    declares no @font-face, so nothing accumulates in it; per thread because Pango font maps
    are not safe to share between threads.
    """
    configuration = getattr(_per_thread, "font_configuration", None)
    if configuration is None:
        from weasyprint.text.fonts import FontConfiguration

        configuration = _per_thread.font_configuration = FontConfiguration()
    return configuration


def harfbuzz_subset_available() -> bool:
    """The start-up check of docs/STACK.md.

    Without libharfbuzz-subset WeasyPrint embeds whole CJK fonts, which turns a 0.2 s
    certificate into a 15 s one: deployments must fail this check rather than crawl.
    """
    try:
        from weasyprint.text.ffi import harfbuzz_subset
    except (ImportError, OSError):
        return False
    return harfbuzz_subset is not None


def _context(facts: LabelFacts) -> dict[str, Any]:
    title = NATIONAL_CERTIFICATE_TITLE if facts.is_national else SELF_FILED_CERTIFICATE_TITLE
    return {
        "facts": facts,
        "title_zh": title[0],
        "title_en": title[1],
        "accent": (NATIONAL_PALETTE if facts.is_national else SELF_FILED_PALETTE).frame,
        "tint": NATIONAL_TINT if facts.is_national else SELF_FILED_TINT,
        "status": caption(STATUS_NAMES, facts.status),
        "overlay": overlay_words(facts),
        "scheme": caption(SCHEME_NAMES, facts.scheme),
        "boundary": caption(BOUNDARY_NAMES, facts.boundary),
        "unit_kind": caption(UNIT_KIND_NAMES, facts.unit_kind),
        "issued_on": _bilingual_date(facts.issued_on),
        "valid_until": _bilingual_date(facts.valid_until),
        "label_uri": _svg_data_uri(label_svg(facts, size_mm=CERTIFICATE_LABEL_SIZE_MM)),
        "qr_uri": _svg_data_uri(qr_svg(facts.resolver_url)),
    }


def _bilingual_date(value: date) -> tuple[str, str]:
    """Written out rather than localised: the certificate reads the same in every language."""
    return f"{value.year}年{value.month}月{value.day}日", value.isoformat()


def _svg_data_uri(svg: bytes) -> str:
    """A data: URI is plain ASCII, so the template can print it without marking markup safe."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
