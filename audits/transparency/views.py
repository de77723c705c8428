"""The transparency log's public endpoints (CONTRACTS §5, C2SP tlog-tiles), no login.

- ``/log/checkpoint``: the signed checkpoint, cached for a few seconds;
- ``/log/tile/<L>/<N>[.p/<W>]`` and ``/log/tile/entries/<N>[.p/<W>]``: tiles and entry bundles,
  immutable (a tile's hashes, full or partial, never change once the tree holds them);
- ``/log/key``: the log's note verifier key;
- ``/log/proof/inclusion?index=&size=`` and ``/log/proof/consistency?old=&new=``: proofs as JSON,
  for clients that do not read tiles;
- ``/labels/<serial>/log.json``: a label's entries with their inclusion proofs to one checkpoint.
"""

from __future__ import annotations

import base64
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from . import selectors
from .checkpoints import checkpoint_signed, log_verifier_key, subjects_log
from .merkle import ProofError

IMMUTABLE = "public, max-age=31536000, immutable"
TILE_PATH = re.compile(r"^(?:x\d{3}/)*\d{3}$")
WIDTH = re.compile(r"^[1-9]\d{0,2}$")


def _problem(status: int, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def _text(body: str, cache_control: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = cache_control
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    _size, note = checkpoint_signed()
    return _text(note, f"public, max-age={settings.TRANSPARENCY_CHECKPOINT_MAX_AGE}")


@require_safe
def key(request: HttpRequest) -> HttpResponse:
    return _text(log_verifier_key() + "\n", "public, max-age=3600")


def _tile_index(path: str) -> int | None:
    """tlog-tiles' <N>: 3-digit elements, all but the last prefixed by x, no needless ones."""
    if not TILE_PATH.match(path):
        return None
    parts = path.split("/")
    if len(parts) > 1 and parts[0] == "x000":
        return None  # 000/… would name the same tile as a shorter path
    return int("".join(part.lstrip("x") for part in parts))


def _parse_tile(path: str) -> tuple[int, int] | None:
    """``<N>`` or ``<N>.p/<W>``: the tile index and width (256 for a full tile)."""
    index_path, partial, width_text = path.partition(".p/")
    index = _tile_index(index_path)
    if index is None:
        return None
    if not partial:
        return index, selectors.TILE_WIDTH
    if not WIDTH.match(width_text) or int(width_text) >= selectors.TILE_WIDTH:
        return None
    return index, int(width_text)


def _octets(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    return response


def _not_found() -> JsonResponse:
    return _problem(404, "No such tile", "The log does not hold this tile (yet).")


def _bad_tile() -> JsonResponse:
    return _problem(
        400, "Invalid tile path", "Use /log/tile/<L>/<N>[.p/<W>] as C2SP tlog-tiles defines it."
    )


def _available(height: int, index: int, width: int) -> bool:
    """Whether the current tree holds hashes ``index·256 … index·256 + width - 1`` of a level."""
    return (selectors.log_size() >> height) >= index * selectors.TILE_WIDTH + width


@require_safe
def tile(request: HttpRequest, level: str, path: str) -> HttpResponse:
    parsed = _parse_tile(path)
    if parsed is None or (len(level) > 1 and level.startswith("0")) or int(level) > 63:
        return _bad_tile()
    index, width = parsed
    height = int(level) * selectors.TILE_HEIGHT
    if not _available(height, index, width):
        return _not_found()
    return _octets(selectors.log_tile(int(level), index, width))


@require_safe
def entries(request: HttpRequest, path: str) -> HttpResponse:
    parsed = _parse_tile(path)
    if parsed is None:
        return _bad_tile()
    index, width = parsed
    if not _available(0, index, width):
        return _not_found()
    return _octets(selectors.log_entry_bundle(index, width))


def _integers(request: HttpRequest, *names: str) -> list[int] | None:
    values = []
    for name in names:
        text = request.GET.get(name, "")
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return None
        values.append(int(text))
    return values


def _hashes(hashes: list[bytes]) -> JsonResponse:
    response = JsonResponse({"hashes": [base64.b64encode(h).decode() for h in hashes]})
    response["Cache-Control"] = IMMUTABLE
    return response


@require_safe
def inclusion_proof(request: HttpRequest) -> HttpResponse:
    values = _integers(request, "index", "size")
    if values is None:
        return _problem(
            400, "Invalid proof request", "Give index and size as non-negative integers."
        )
    index, size = values
    if size > selectors.log_size() or index >= size:
        return _problem(
            400,
            "Invalid proof request",
            "The index must be below the size, and the size at most the log's.",
        )
    try:
        return _hashes(selectors.log_inclusion_proof(index, size))
    except ProofError as error:
        return _problem(400, "Invalid proof request", str(error))


@require_safe
def consistency_proof(request: HttpRequest) -> HttpResponse:
    values = _integers(request, "old", "new")
    if values is None:
        return _problem(400, "Invalid proof request", "Give old and new as non-negative integers.")
    old, new = values
    if new > selectors.log_size() or old > new:
        return _problem(
            400, "Invalid proof request", "old must be at most new, and new at most the log's size."
        )
    return _hashes(selectors.log_consistency_proof(old, new))


@require_safe
def label_log(request: HttpRequest, serial: str) -> HttpResponse:
    """CONTRACTS §5: the signed checkpoint and every entry about the label, with proofs to it."""
    document = subjects_log([serial])[serial]
    if not document["entries"]:
        return _problem(404, "Unknown label", "The log holds no entry about this label.")
    response = JsonResponse(document)
    response["Cache-Control"] = f"public, max-age={settings.TRANSPARENCY_CHECKPOINT_MAX_AGE}"
    return response
