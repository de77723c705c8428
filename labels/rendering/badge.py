"""The live status badge marketplaces embed on product pages.

Only a valid label is green; every other status has its own colour and word, so a revoked
label can never keep a green badge, nor can one whose signing key was revoked (``key_revoked``:
not trusted, whatever its status, as the public page says). Badges are small and cached by
their inputs.
"""

from functools import lru_cache

from .drawing import Box, Drawing, Text, to_png, to_svg

WIDTH, HEIGHT = 220.0, 40.0
# 220 units shown as 58 mm is about 220 CSS pixels.
WIDTH_MM = 58.2
COLOURS = {
    "valid": "#1f7a4d",
    "suspended": "#9a6700",
    "revoked": "#b3261e",
    "cancelled": "#b3261e",
    "expired": "#4b5563",
    "key_revoked": "#b3261e",
}
WORDS = {
    "zh": {
        "title": "碳足迹标识",
        "valid": "有效",
        "suspended": "已暂停",
        "revoked": "已撤销",
        "cancelled": "已注销",
        "expired": "已过期",
        "key_revoked": "不可信",
    },
    "en": {
        "title": "Carbon label",
        "valid": "Valid",
        "suspended": "Suspended",
        "revoked": "Revoked",
        "cancelled": "Cancelled",
        "expired": "Expired",
        "key_revoked": "Not trusted",
    },
}


def badge_drawing(*, status: str, value: str, unit: str, language: str) -> Drawing:
    words = WORDS.get(language, WORDS["zh"])
    colour = COLOURS.get(status, COLOURS["revoked"])
    word = words.get(status, words["revoked"])
    right = f"{word} · {value} {unit}" if status == "valid" else word
    return Drawing(
        width=WIDTH,
        height=HEIGHT,
        title=f"{words['title']}: {word}",
        elements=(
            Box(0, 0, WIDTH, HEIGHT, "#24332b", radius=6),
            Box(84, 0, WIDTH - 84, HEIGHT, colour, radius=6),
            Box(84, 0, 10, HEIGHT, colour),
            Text(42, 25.5, words["title"], 13, "#ffffff", anchor="middle"),
            Text(84 + (WIDTH - 84) / 2, 25.5, right, 13, "#ffffff", anchor="middle"),
        ),
    )


@lru_cache(maxsize=2048)
def badge_svg(*, status: str, value: str, unit: str, language: str) -> bytes:
    return to_svg(
        badge_drawing(status=status, value=value, unit=unit, language=language), width_mm=WIDTH_MM
    )


@lru_cache(maxsize=2048)
def badge_png(*, status: str, value: str, unit: str, language: str) -> bytes:
    return to_png(
        badge_drawing(status=status, value=value, unit=unit, language=language),
        width_mm=WIDTH_MM,
        dpi=96 * 2,
    )
