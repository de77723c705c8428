"""A tiny display list drawn two ways: as SVG for print and with Pillow as PNG.

One layout feeds both outputs so the SVG and the PNG of a label never disagree. Text is measured
with the same WenQuanYi Zen Hei font the SVG names, so line breaks and shrink-to-fit widths computed
here hold in both. Coordinates are abstract units; the outputs scale them to millimetres or pixels.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageColor, ImageDraw, ImageFont

from labels.rendering.qr import QUIET_ZONE_MODULES, qr_code, qr_png, qr_svg_path

FONT_FAMILY = "WenQuanYi Zen Hei"
FONT_FALLBACK_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
SVG_FONT_STACK = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', sans-serif"
# Shapes and text are drawn this many times larger and scaled down: Pillow does not anti-alias
# polygons or ellipses, and a jagged footprint looks cheap on a printed label.
SUPERSAMPLE = 3
MEASURE_SIZE = 1000
MILLIMETRES_PER_INCH = 25.4


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    fill: str
    radius: float = 0
    opacity: float = 1


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float
    fill: str


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    fill: str
    anchor: str = "start"  # start | middle | end, as SVG text-anchor


@dataclass(frozen=True)
class Qr:
    x: float
    y: float
    size: float  # side, quiet zone included
    url: str


Element = Box | Ellipse | Polygon | Text | Qr


@dataclass(frozen=True)
class Drawing:
    width: float
    height: float
    title: str
    elements: tuple[Element, ...]


@cache
def font_file() -> tuple[Path, int]:
    """The WenQuanYi Zen Hei file and face index, as fontconfig (and so WeasyPrint) resolves it."""
    executable = shutil.which("fc-match")
    if executable:
        # The argument list is fixed: no user input reaches this command.
        result = subprocess.run(  # noqa: S603
            [executable, "-f", "%{file}\n%{index}\n%{family}", FONT_FAMILY],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        lines = result.stdout.split("\n")
        # fc-match always answers with some font: only a WenQuanYi answer has the Hanzi we need.
        if len(lines) == 3 and "WenQuanYi" in lines[2] and Path(lines[0]).is_file():
            return Path(lines[0]), int(lines[1] or 0)
    if FONT_FALLBACK_PATH.is_file():
        return FONT_FALLBACK_PATH, 0
    raise RuntimeError("the WenQuanYi Zen Hei font (Debian fonts-wqy-zenhei) is not installed")


# Bounded: sizes follow the text, and a long-running server must not keep every one it met.
@lru_cache(maxsize=128)
def _font(size: float) -> ImageFont.FreeTypeFont:
    path, index = font_file()
    return ImageFont.truetype(str(path), size=size, index=index)


def text_width(text: str, size: float) -> float:
    return _font(MEASURE_SIZE).getlength(text) * size / MEASURE_SIZE


def fit_size(text: str, preferred: float, max_width: float) -> float:
    """The preferred size, or smaller so that one line fits: long names shrink, never overflow."""
    width = text_width(text, preferred)
    return preferred if width <= max_width else preferred * max_width / width


# A line may break after any Hanzi or full-width sign, and at spaces between Latin words.
_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|\s+|[^\s\u2e80-\u9fff]+")


def wrap(text: str, size: float, max_width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        candidate = line + token
        if line and not token.isspace() and text_width(candidate.rstrip(), size) > max_width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def to_svg(drawing: Drawing, *, width_mm: float) -> bytes:
    height_mm = width_mm * drawing.height / drawing.width
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_number(width_mm)}mm"'
        f' height="{_number(height_mm)}mm"'
        f' viewBox="0 0 {_number(drawing.width)} {_number(drawing.height)}"'
        f' role="img" aria-label={quoteattr(drawing.title)}>',
        f"<title>{escape(drawing.title)}</title>",
        f'<g font-family="{SVG_FONT_STACK}">',
    ]
    parts.extend(_svg_element(element) for element in drawing.elements)
    parts.append("</g></svg>")
    return "\n".join(parts).encode("utf-8")


def _svg_element(element: Element) -> str:
    match element:
        case Box():
            opacity = f' fill-opacity="{_number(element.opacity)}"' if element.opacity < 1 else ""
            return (
                f'<rect x="{_number(element.x)}" y="{_number(element.y)}"'
                f' width="{_number(element.width)}" height="{_number(element.height)}"'
                f' rx="{_number(element.radius)}" fill="{element.fill}"{opacity}/>'
            )
        case Ellipse():
            return (
                f'<ellipse cx="{_number(element.cx)}" cy="{_number(element.cy)}"'
                f' rx="{_number(element.rx)}" ry="{_number(element.ry)}" fill="{element.fill}"/>'
            )
        case Polygon():
            points = " ".join(f"{_number(x)},{_number(y)}" for x, y in element.points)
            return f'<polygon points="{points}" fill="{element.fill}"/>'
        case Text():
            # textLength pins the measured width, so a viewer that substitutes another font still
            # keeps every line inside the frame.
            return (
                f'<text x="{_number(element.x)}" y="{_number(element.y)}"'
                f' font-size="{_number(element.size)}" fill="{element.fill}"'
                f' text-anchor="{element.anchor}"'
                f' textLength="{_number(text_width(element.text, element.size))}"'
                f' lengthAdjust="spacingAndGlyphs">{escape(element.text)}</text>'
            )
        case Qr():
            path, side = qr_svg_path(element.url)
            scale = element.size / side
            return (
                f'<g transform="translate({_number(element.x)} {_number(element.y)})'
                f' scale({scale:.5f})"><rect width="{side}" height="{side}" fill="#fff"/>'
                f'<path d="{path}" fill="none" stroke="#000" stroke-width="1"'
                f' shape-rendering="crispEdges"/></g>'
            )
    raise TypeError(f"cannot draw {element!r}")


def to_png(drawing: Drawing, *, width_mm: float, dpi: int) -> bytes:
    pixels_per_unit = width_mm / MILLIMETRES_PER_INCH * dpi / drawing.width
    final_size = (round(drawing.width * pixels_per_unit), round(drawing.height * pixels_per_unit))
    scale = pixels_per_unit * SUPERSAMPLE
    image = Image.new("RGBA", (final_size[0] * SUPERSAMPLE, final_size[1] * SUPERSAMPLE), "white")
    for element in drawing.elements:
        if not isinstance(element, Qr):
            image = _draw(image, element, scale)
    image = image.convert("RGB").resize(final_size, Image.Resampling.LANCZOS)
    # The QR goes on last, at a whole number of pixels per module: scaling it with the rest
    # would blur module edges, which is what makes a small printed code hard to scan.
    for element in drawing.elements:
        if isinstance(element, Qr):
            _paste_qr(image, element, pixels_per_unit)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def _draw(image: Image.Image, element: Element, scale: float) -> Image.Image:
    if isinstance(element, Box) and element.opacity < 1:
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        red, green, blue = ImageColor.getrgb(element.fill)[:3]
        ImageDraw.Draw(layer).rounded_rectangle(
            _box(element, scale),
            radius=element.radius * scale,
            fill=(red, green, blue, round(element.opacity * 255)),
        )
        return Image.alpha_composite(image, layer)
    pen = ImageDraw.Draw(image)
    match element:
        case Box():
            pen.rounded_rectangle(
                _box(element, scale), radius=element.radius * scale, fill=element.fill
            )
        case Ellipse():
            pen.ellipse(
                [
                    (element.cx - element.rx) * scale,
                    (element.cy - element.ry) * scale,
                    (element.cx + element.rx) * scale,
                    (element.cy + element.ry) * scale,
                ],
                fill=element.fill,
            )
        case Polygon():
            pen.polygon([(x * scale, y * scale) for x, y in element.points], fill=element.fill)
        case Text():
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[element.anchor]
            pen.text(
                (element.x * scale, element.y * scale),
                element.text,
                font=_font(round(element.size * scale, 1)),
                fill=element.fill,
                anchor=anchor,
            )
    return image


def _box(element: Box, scale: float) -> list[int]:
    """Whole pixels, the far edge inclusive as Pillow counts it, so boxes that abut in the layout
    neither overlap nor leave a gap (a translucent wash would show either as a line)."""
    return [
        round(element.x * scale),
        round(element.y * scale),
        round((element.x + element.width) * scale) - 1,
        round((element.y + element.height) * scale) - 1,
    ]


def _paste_qr(image: Image.Image, element: Qr, pixels_per_unit: float) -> None:
    side = int(qr_code(element.url).symbol_size(border=QUIET_ZONE_MODULES)[0])
    room = round(element.size * pixels_per_unit)
    module = max(1, room // side)
    code = Image.open(io.BytesIO(qr_png(element.url, scale=module))).convert("RGB")
    offset = (room - code.width) // 2
    image.paste(
        code,
        (round(element.x * pixels_per_unit) + offset, round(element.y * pixels_per_unit) + offset),
    )
