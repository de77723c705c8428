"""Active content in PDFs: JavaScript, actions run on opening or on events, launch actions,
embedded files and rich media. Evidence is read by reviewers in their own viewers, so a PDF
carrying any of them is refused, whatever it would do (an /OpenAction that only names the page
to open at is no action).

The check reads names, the way a viewer does: ``/J#61vaScript`` is ``/JavaScript``. The long
names are searched for in the whole file, binary streams included (a chance match of ten exact
bytes is negligible); the short ``/JS`` and ``/AA`` only outside stream data, where images and
fonts could hold them by chance. Dictionaries may also sit compressed in object streams
(``/Type /ObjStm``): those are inflated, within a bound, and searched for every name. An object
stream that cannot be read (encrypted, an unusual filter) is refused too, since it cannot be
checked.
"""

import bisect
import re
import zlib

ACTIVE_NAMES = {"JavaScript", "OpenAction", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia"}
# /OpenAction may name the page to open at: a destination array, or a GoTo action to one (TeX's
# hyperref writes this into every document). That is no active content; any other action is.
OPENING = "OpenAction"
GOTO_NAMES = {
    "S",
    "GoTo",
    "D",
    "Type",
    "Action",
    "XYZ",
    "Fit",
    "FitH",
    "FitV",
    "FitR",
    "FitB",
    "FitBH",
    "FitBV",
}
OBJECT_HEAD_BYTES = 160  # of each object, kept to tell what an /OpenAction refers to
SHORT_ACTIVE_NAMES = {"JS", "AA"}
OBJECT_STREAMS_MAX_BYTES = 32 * 1024 * 1024  # inflated, all object streams of one file together

_NAME = re.compile(rb"/((?:[^\x00\t\n\x0c\r ()<>\[\]{}/%#]|#[0-9A-Fa-f]{2})+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJECT = re.compile(rb"\d\s+obj\b")
_OBJECT_START = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+obj\b\s*")
_REFERENCE = re.compile(rb"\s*(\d{1,10})\s+\d{1,5}\s+R\b")
_FIRST = re.compile(rb"/First\s+(\d{1,10})")
_STREAM = re.compile(rb"\bstream\r?\n")  # "endstream" has no word boundary inside
_DIRECT_LENGTH = re.compile(rb"/Length\s+(\d{1,10})(?!\s+\d+\s+R)")


class Unchecked(Exception):
    """The file holds an object stream this check cannot read."""


def _decoded(name: bytes) -> str:
    return _ESCAPE.sub(lambda m: bytes.fromhex(m[1].decode()), name).decode("latin-1")


def _names(data: bytes) -> list[tuple[int, str]]:
    return [(match.start(), _decoded(match[1])) for match in _NAME.finditer(data)]


def _streams(data: bytes) -> list[tuple[set[str], bytes, int, int]]:
    """(names of its dictionary, the dictionary, data start, data end) of each stream."""
    objects = [match.end() for match in _OBJECT.finditer(data)]
    found = []
    for keyword in _STREAM.finditer(data):
        at = bisect.bisect_right(objects, keyword.start())
        dictionary = data[objects[at - 1] if at else 0 : keyword.start()]
        start = keyword.end()
        length = _DIRECT_LENGTH.search(dictionary)
        end = start + int(length[1]) if length else -1
        if end < 0 or b"endstream" not in data[end : end + 16]:
            end = data.find(b"endstream", start)
            end = len(data) if end < 0 else end
        found.append(({name for _at, name in _names(dictionary)}, dictionary, start, end))
    return found


def _within(ranges: list[tuple[int, int]]):
    """A test of whether a position lies in one of `ranges` (which may overlap)."""
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    starts = [start for start, _end in merged]

    def test(position: int) -> bool:
        at = bisect.bisect_right(starts, position) - 1
        return at >= 0 and position < merged[at][1]

    return test


def _inflate(dictionary: set[str], raw: bytes, budget: int) -> bytes:
    filters = dictionary & {
        "FlateDecode",
        "Fl",
        "ASCIIHexDecode",
        "ASCII85Decode",
        "LZWDecode",
        "RunLengthDecode",
        "Crypt",
        "DCTDecode",
    }
    if not filters:
        return raw
    if filters - {"FlateDecode", "Fl"}:
        raise Unchecked
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, budget + 1)
    except zlib.error as error:
        raise Unchecked from error
    if len(data) > budget:
        raise Unchecked
    return data


def _packed_objects(dictionary: bytes, inflated: bytes) -> dict[int, bytes]:
    """Object number → its first bytes, for the objects packed in an object stream."""
    first = _FIRST.search(dictionary)
    if first is None:
        raise Unchecked
    numbers = inflated[: int(first[1])].split()
    starts: dict[int, bytes] = {}
    for number, offset in zip(numbers[::2], numbers[1::2], strict=False):
        if not (number.isdigit() and offset.isdigit()):
            raise Unchecked
        start = int(first[1]) + int(offset)
        starts[int(number)] = inflated[start : start + OBJECT_HEAD_BYTES].lstrip()
    return starts


def _opens_a_page(text: bytes, end: int, objects: dict[int, bytes]) -> bool:
    """Whether the /OpenAction ending at `end` of `text` only names the page to open at."""
    value = text[end : end + OBJECT_HEAD_BYTES].lstrip()
    reference = _REFERENCE.match(text, end)
    if reference is not None:
        value = objects.get(int(reference[1]), b"")
    if value.startswith(b"["):
        return True
    closing = value.find(b">>")
    if not value.startswith(b"<<") or closing < 0 or b"<<" in value[2:closing]:
        return False
    names = {name for _at, name in _names(value[:closing])}
    return "GoTo" in names and names <= GOTO_NAMES


def has_active_content(data: bytes) -> bool:
    """Whether the PDF `data` carries active content; raises Unchecked if it cannot be told."""
    streams = _streams(data)
    in_stream = _within([(start, end) for _names_, _dictionary, start, end in streams])
    objects = {
        int(match[1]): data[match.end() : match.end() + OBJECT_HEAD_BYTES]
        for match in _OBJECT_START.finditer(data)
    }
    texts = []  # (text, whether a name at a position is a short active one there)
    texts.append((data, lambda position: not in_stream(position)))
    budget = OBJECT_STREAMS_MAX_BYTES
    for names, dictionary, start, end in streams:
        if "ObjStm" not in names:
            continue
        inflated = _inflate(names, data[start:end], budget)
        budget -= len(inflated)
        objects.update(_packed_objects(dictionary, inflated))
        texts.append((inflated, lambda position: True))
    for text, short_counts in texts:
        for match in _NAME.finditer(text):
            name = _decoded(match[1])
            if name == OPENING and _opens_a_page(text, match.end(), objects):
                continue
            if name in ACTIVE_NAMES or (name in SHORT_ACTIVE_NAMES and short_counts(match.start())):
                return True
    return False
