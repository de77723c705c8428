"""The label artwork: national pilot style or a body's own style, with a status overlay.

Only bodies in the national pilot may use the national label (green, footprint mark, national
title); any other body gets a slate frame with its own name, so the two can never be confused.
The footprint is printed as a number with its unit, as CNCA-CFP-00:2025 requires.
"""

from __future__ import annotations

from dataclasses import dataclass

from labels.rendering.drawing import (
    Box,
    Drawing,
    Element,
    Ellipse,
    Polygon,
    Qr,
    Text,
    fit_size,
    text_width,
    to_png,
    to_svg,
    wrap,
)
from labels.rendering.facts import (
    BOUNDARY_NAMES,
    NATIONAL_TITLE_EN,
    NATIONAL_TITLE_ZH,
    SELF_FILED_TITLE_EN,
    SELF_FILED_TITLE_ZH,
    UNIT_KIND_NAMES,
    LabelFacts,
    caption,
    overlay_words,
)

PRINT_SIZES_MM = (20, 30, 50)
PRINT_DPI = 300

WIDTH = 100.0  # layout units; the label is scaled to its print width
HEADER_HEIGHT = 30.0
FRAME = 2.5
CONTENT_WIDTH = 88.0
QR_SIZE = 58.0
WARNING_RED = "#c62828"
WHITE = "#ffffff"


@dataclass(frozen=True)
class Palette:
    frame: str
    ink: str
    muted: str
    corner: float


NATIONAL_PALETTE = Palette(frame="#1f7a4d", ink="#1f7a4d", muted="#44594c", corner=4.0)
SELF_FILED_PALETTE = Palette(frame="#2c3e57", ink="#2c3e57", muted="#4a5568", corner=0.0)


def label_svg(facts: LabelFacts, *, size_mm: int = 30) -> bytes:
    """Vector artwork ``size_mm`` wide, for print."""
    return to_svg(label_drawing(facts), width_mm=size_mm)


def label_png(facts: LabelFacts, *, dpi: int = PRINT_DPI, size_mm: int = 30) -> bytes:
    """Raster artwork ``size_mm`` wide at ``dpi``, with the DPI recorded in the file."""
    return to_png(label_drawing(facts), width_mm=size_mm, dpi=dpi)


def label_drawing(facts: LabelFacts) -> Drawing:
    palette = NATIONAL_PALETTE if facts.is_national else SELF_FILED_PALETTE
    header = _national_header() if facts.is_national else _self_filed_header(facts)
    body = _body(facts, palette)
    height = body.height
    frame: list[Element] = [
        Box(0, 0, WIDTH, height, palette.frame, radius=palette.corner),
        Box(
            FRAME,
            HEADER_HEIGHT,
            WIDTH - 2 * FRAME,
            height - HEADER_HEIGHT - FRAME,
            WHITE,
            radius=palette.corner * 0.75,
        ),
    ]
    overlay = _status_overlay(facts, body)
    title = NATIONAL_TITLE_ZH if facts.is_national else SELF_FILED_TITLE_ZH
    return Drawing(
        width=WIDTH,
        height=height,
        title=f"{title} {facts.certificate_number}",
        elements=(*frame, *header, *body.elements, *overlay),
    )


def _national_header() -> list[Element]:
    title_width = WIDTH - 27 - 4
    return [
        *footprint_mark(x=4, y=3, height=24, fill=WHITE),
        Text(27, 14.5, NATIONAL_TITLE_ZH, fit_size(NATIONAL_TITLE_ZH, 8, title_width), WHITE),
        Text(27, 23.5, NATIONAL_TITLE_EN, fit_size(NATIONAL_TITLE_EN, 4.4, title_width), WHITE),
    ]


def _self_filed_header(facts: LabelFacts) -> list[Element]:
    center = WIDTH / 2
    width = WIDTH - 10
    return [
        Text(
            center,
            11,
            SELF_FILED_TITLE_ZH,
            fit_size(SELF_FILED_TITLE_ZH, 6.6, width),
            WHITE,
            "middle",
        ),
        Text(
            center,
            18,
            SELF_FILED_TITLE_EN,
            fit_size(SELF_FILED_TITLE_EN, 3.9, width),
            WHITE,
            "middle",
        ),
        Text(
            center,
            25.5,
            facts.body_name,
            fit_size(facts.body_name, 3.8, width),
            "#dfe6ee",
            "middle",
        ),
    ]


def footprint_mark(*, x: float, y: float, height: float, fill: str) -> list[Element]:
    """A right footprint: sole, heel and five toes, drawn in an 18 × 24 box scaled to ``height``."""
    scale = height / 24

    def at(px: float, py: float) -> tuple[float, float]:
        return x + px * scale, y + py * scale

    def ellipse(cx: float, cy: float, rx: float, ry: float) -> Ellipse:
        center_x, center_y = at(cx, cy)
        return Ellipse(center_x, center_y, rx * scale, ry * scale, fill)

    # The bridge runs along the outer edge only, leaving the inner arch open as a real print does.
    bridge = (at(9.6, 10.5), at(15.4, 11.2), at(13.4, 18.5), at(9.2, 18.8))
    return [
        ellipse(10.2, 10.6, 5.6, 4.6),  # ball of the foot
        Polygon(bridge, fill),
        ellipse(10.6, 19.2, 3.9, 4.6),  # heel
        ellipse(6.4, 3.4, 2.2, 2.7),  # big toe
        ellipse(10.3, 2.5, 1.55, 1.9),
        ellipse(13.1, 3.3, 1.35, 1.65),
        ellipse(15.3, 4.8, 1.15, 1.45),
        ellipse(16.9, 6.9, 0.95, 1.2),
    ]


@dataclass(frozen=True)
class BodyLayout:
    elements: list[Element]
    figure_baseline: float
    qr_top: float
    notice_baseline: float  # where a status notice goes, below the certificate number
    height: float  # of the whole label


def _body(facts: LabelFacts, palette: Palette) -> BodyLayout:
    """The figure, its unit and boundary, the QR and the certificate number."""
    center = WIDTH / 2
    elements: list[Element] = []
    y = HEADER_HEIGHT + 7.5
    heading = "产品碳足迹 Product carbon footprint"
    elements.append(
        Text(center, y, heading, fit_size(heading, 3.6, CONTENT_WIDTH), palette.muted, "middle")
    )

    y += 16
    figure_baseline = y
    elements.extend(_figure(facts, palette, y))

    kind_zh, kind_en = caption(UNIT_KIND_NAMES, facts.unit_kind)
    y += 7
    kind = f"{kind_zh} {kind_en}"
    elements.append(
        Text(center, y, kind, fit_size(kind, 3.2, CONTENT_WIDTH), palette.muted, "middle")
    )
    size, lines = _wrapped(facts.declared_unit, 3.8, max_lines=2)
    for line in lines:
        y += size * 1.25
        elements.append(Text(center, y, line, size, palette.ink, "middle"))

    boundary_zh, boundary_en = caption(BOUNDARY_NAMES, facts.boundary)
    scope = f"{boundary_zh} {boundary_en} · {facts.standard}"
    y += 5.5
    elements.append(
        Text(center, y, scope, fit_size(scope, 3.2, CONTENT_WIDTH), palette.muted, "middle")
    )

    qr_top = y + 2
    elements.append(Qr(center - QR_SIZE / 2, qr_top, QR_SIZE, facts.resolver_url))
    number = f"证书编号 No. {facts.certificate_number}"
    # Below the QR box: the PNG pastes the QR last, so its quiet zone would cover any overlap.
    y = qr_top + QR_SIZE + 3.4
    elements.append(
        Text(center, y, number, fit_size(number, 3.6, CONTENT_WIDTH), palette.ink, "middle")
    )
    if overlay_words(facts) is not None:
        y += 5  # room for the status notice
    return BodyLayout(elements, figure_baseline, qr_top, y, y + 4.5 + FRAME)


def _figure(facts: LabelFacts, palette: Palette, baseline: float) -> list[Element]:
    """The footprint value large, its unit beside it, centred together and shrunk to fit."""
    value_size, unit_size, gap = 16.0, 5.5, 1.5
    total = (
        text_width(facts.footprint_value, value_size)
        + gap
        + text_width(facts.footprint_unit, unit_size)
    )
    if total > CONTENT_WIDTH:
        factor = CONTENT_WIDTH / total
        value_size, unit_size, gap, total = (
            value_size * factor,
            unit_size * factor,
            gap * factor,
            CONTENT_WIDTH,
        )
    left = (WIDTH - total) / 2
    unit_left = left + text_width(facts.footprint_value, value_size) + gap
    return [
        Text(left, baseline, facts.footprint_value, value_size, palette.ink),
        Text(unit_left, baseline, facts.footprint_unit, unit_size, palette.ink),
    ]


def _wrapped(text: str, preferred: float, *, max_lines: int) -> tuple[float, list[str]]:
    """Wrap to at most ``max_lines`` lines, shrinking the text when it does not fit."""
    size = preferred
    while True:
        lines = wrap(text, size, CONTENT_WIDTH)
        if len(lines) <= max_lines or size <= preferred * 0.6:
            return size, lines
        size *= 0.9


def _status_overlay(facts: LabelFacts, body: BodyLayout) -> list[Element]:
    """A wash, a red band and a notice, so a stale printout cannot pass for a valid label.

    The wash leaves the QR clear on purpose: scanning a stale print leads to the live status.
    """
    words = overlay_words(facts)
    if words is None:
        return []
    text = f"{words[0]} {words[1]}"
    notice = "本标识当前无效，请扫码查询 Not valid: scan for the live status"
    qr_left = (WIDTH - QR_SIZE) / 2
    qr_bottom = body.qr_top + QR_SIZE
    band_top = body.figure_baseline - 11
    return [
        *(
            Box(x, y, width, height, WHITE, opacity=0.6)
            for x, y, width, height in (
                (0, 0, WIDTH, body.qr_top),
                (0, body.qr_top, qr_left, QR_SIZE),
                (qr_left + QR_SIZE, body.qr_top, qr_left, QR_SIZE),
                (0, qr_bottom, WIDTH, body.height - qr_bottom),
            )
        ),
        Box(0, band_top, WIDTH, 15, WARNING_RED),
        Text(WIDTH / 2, band_top + 10.2, text, fit_size(text, 8.5, WIDTH - 8), WHITE, "middle"),
        Text(
            WIDTH / 2,
            body.notice_baseline,
            notice,
            fit_size(notice, 3.2, CONTENT_WIDTH),
            WARNING_RED,
            "middle",
        ),
    ]
