"""Verifying the audit chain: pure functions shared by `manage.py audit_verify` and the
benchmark.

The entry bytes alone are the record: entry n ends with ``,"prev":"<SHA-256 of entry n-1>",
"seq":n}`` (RFC 8785 sorts "event" < "prev" < "seq", so these are always the last keys), so
walking the bytes in order and hashing each one checks every entry, every link and the order,
with no JSON parsed (`walk_stretch`, the default walk, over the whole chain or one stretch of
it, joined to the others by `chain_summary`). The other columns are derived from the
bytes: `verify_rows` also checks the stored hash of each entry (it names the first broken entry
exactly, which is why the command runs it when the fast walk fails), and `verify_columns`, with
`--deep`, parses every entry and checks that it is canonical and that the filter columns say
what it says.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter

import rfc8785

ZERO_HASH = bytes(32)


class ChainBroken(Exception):
    """The first entry that fails, and why."""

    def __init__(self, seq: int, reason: str):
        super().__init__(f"entry {seq}: {reason}")
        self.seq = seq
        self.reason = reason


@dataclass(frozen=True)
class ChainSummary:
    entries: int
    head: bytes


@dataclass(frozen=True)
class Stretch:
    """What a walk over entries `first`..`last` found: the hash the first one links to (to be
    the last hash of the stretch before it) and the hash of the last one."""

    first: int
    last: int
    links_to: bytes
    head: bytes


# How entry n ends, given the hex of entry n-1's hash and n.
LINK = b',"prev":"%b","seq":%d}'


def walk_stretch(
    pages: Iterable[Sequence[bytes]], *, first: int, anchors: Mapping[int, tuple[int, bytes]]
) -> Stretch:
    """Walk entries from number `first` on, given in pages in order: each entry ends with
    `LINK`, the hash of the one before it and its own number. The first one's link is read,
    not checked: `chain_summary` checks it against the stretch before (so stretches can be
    walked apart, one per process, and joined).

    A page is checked as a whole, with as little beside the hashing as Python allows: the
    links of all its entries, cut from where `LINK` puts them, joined, against the hex of the
    hashes before them, joined; the numbers of its first and last entries. Every entry is
    hashed and every link compared; the numbers between follow from the links, which fix
    the order, and from the page's size (its entries are one range of numbers). The walk
    says which page fails; `verify_rows`, entry by entry, names the entry."""
    sha256 = hashlib.sha256
    numbers = sorted(anchors)
    links_to = previous = head = b""
    last = first - 1
    for page in pages:
        if not page:
            continue
        start = last + 1
        if not previous:
            previous = links_to = _link_of(page[0], start)
        hashes = [sha256(body).digest() for body in page]
        if not _page_links(page, start, previous, hashes):
            raise ChainBroken(start, "an entry of the page from here on does not link")
        last = start + len(page) - 1
        for number in numbers[bisect_left(numbers, start) : bisect_right(numbers, last)]:
            _anchor_check(number, hashes[number - start], anchors[number])
        previous = head = hashes[-1]
    return Stretch(first=first, last=last, links_to=links_to, head=head)


def _page_links(page: Sequence[bytes], start: int, previous: bytes, hashes: list[bytes]) -> bool:
    """Whether entries start, start+1, … of the page link to `previous` and to each other's
    hashes, and the first and last carry their numbers."""
    end = start + len(page) - 1
    if not (page[0].endswith(b'","seq":%d}' % start) and page[-1].endswith(b'","seq":%d}' % end)):
        return False
    links: list[bytes] = []
    for at, count, digits in _digit_runs(start, len(page)):
        cut = itemgetter(slice(-(73 + digits), -(9 + digits)))  # the hex between the quotes
        links += map(cut, page[at - start : at - start + count])
    return b"".join(links) == binascii.hexlify(previous + b"".join(hashes[:-1]))


def _digit_runs(start: int, count: int) -> Iterator[tuple[int, int, int]]:
    """(first number, how many, digits) of the runs of numbers with as many digits each."""
    while count > 0:
        digits = len(str(start))
        run = min(count, 10**digits - start)
        yield start, run, digits
        start, count = start + run, count - run


def chain_summary(
    stretches: Iterable[Stretch], *, anchors: Mapping[int, tuple[int, bytes]]
) -> ChainSummary:
    """Join stretches walked in order of their numbers: each must start where the one before
    ended and link to its last hash; entry 1 links to zeros."""
    previous, last = ZERO_HASH, 0
    for stretch in stretches:
        if stretch.last < stretch.first:
            break  # nothing from here on (the head counts entries that are missing)
        if stretch.first != last + 1:
            raise ChainBroken(last + 1, f"missing (the next entry is {stretch.first})")
        if stretch.links_to != previous:
            raise ChainBroken(stretch.first, "it does not link to the previous entry's hash")
        previous, last = stretch.head, stretch.last
    missing = sorted(number for number in anchors if number > last)
    if missing:
        index = anchors[missing[0]][0]
        raise ChainBroken(missing[0], f"missing, yet named by the head {_where(index)}")
    return ChainSummary(entries=last, head=previous)


def with_head(
    anchors: Mapping[int, tuple[int, bytes]] | None, head: tuple[int, bytes] | None
) -> dict[int, tuple[int, bytes]]:
    anchors = dict(anchors or {})
    if head is not None and head[0] > 0:
        anchors.setdefault(head[0], (-1, head[1]))
    return anchors


def _link_of(body: bytes, seq: int) -> bytes:
    """The hash an entry links to, read from its last bytes: ``,"prev":"<hex>","seq":<n>}``."""
    tail = b'","seq":%d}' % seq
    start = len(body) - len(tail) - 64
    if not body.endswith(tail) or body[start - 9 : start] != b',"prev":"':
        raise ChainBroken(seq, "it does not end with its link and number")
    try:
        return binascii.unhexlify(body[start : start + 64])
    except binascii.Error:
        raise ChainBroken(seq, "its link is not a hash") from None


def verify_rows(
    rows: Iterable[tuple[int, bytes, bytes]],
    *,
    anchors: Mapping[int, tuple[int, bytes]] | None = None,
    head: tuple[int, bytes] | None = None,
    deep: bool = False,
) -> ChainSummary:
    """Walk the chain in order; raise ChainBroken at the first entry that fails.

    `anchors`: seq → (log index, hash) of the heads anchored in the transparency log. A chain
    rewritten consistently from some entry on still links, but no longer has the anchored hash.
    `head`: the head row's (seq, hash), read before the rows: the entries it counts must exist
    (an entry removed from the end leaves every other link intact).
    """
    anchors = with_head(anchors, head)
    sha256 = hashlib.sha256
    expected = 1
    previous = ZERO_HASH
    for seq, body, digest in rows:
        if seq != expected:
            raise ChainBroken(expected, f"missing (the next entry is {seq})")
        if sha256(body).digest() != digest:
            raise ChainBroken(seq, "its bytes do not hash to its stored hash")
        if not body.endswith(LINK % (previous.hex().encode(), seq)):
            raise ChainBroken(seq, "it does not link to the previous entry's hash and number")
        if deep:
            _deep_check(seq, body, previous)
        if seq in anchors:
            _anchor_check(seq, digest, anchors[seq])
        previous = bytes(digest)
        expected += 1
    count = expected - 1
    missing = sorted(seq for seq in anchors if seq > count)
    if missing:
        index = anchors[missing[0]][0]
        raise ChainBroken(missing[0], f"missing, yet named by the head {_where(index)}")
    return ChainSummary(entries=count, head=previous)


def _anchor_check(seq: int, digest: bytes, anchor: tuple[int, bytes]) -> None:
    index, anchored = anchor
    if bytes(digest) != anchored:
        raise ChainBroken(seq, f"its hash differs from the head {_where(index)}")


def _where(index: int) -> str:
    return "row of the chain" if index < 0 else f"anchored in the transparency log at {index}"


def _deep_check(seq: int, body: bytes, previous: bytes) -> None:
    try:
        parsed = json.loads(body)
    except ValueError as error:
        raise ChainBroken(seq, f"not JSON ({error})") from error
    if rfc8785.dumps(parsed) != bytes(body):
        raise ChainBroken(seq, "not in RFC 8785 canonical form")
    if set(parsed) != {"event", "prev", "seq"} or not isinstance(parsed["event"], dict):
        raise ChainBroken(seq, "not an entry (event, prev, seq)")
    if parsed["seq"] != seq or parsed["prev"] != previous.hex():
        raise ChainBroken(seq, "its number or link differs from its position")
    if not isinstance(parsed["event"].get("kind"), str):
        raise ChainBroken(seq, "its event has no kind")


def verify_columns(rows: Iterable[tuple]) -> None:
    """With --deep: each entry's filter columns (kind, actor, application, certificate, body,
    time) say what its bytes say. Rows: (seq, body, kind, actor_id, application_id,
    certificate_id, body_id, created_at)."""
    for seq, body, kind, actor, application, certificate, body_id, created_at in rows:
        event = json.loads(bytes(body))["event"]
        stored = {
            "kind": kind,
            "actor": actor,
            "application": application,
            "certificate": certificate,
            "body": body_id,
        }
        for name, value in stored.items():
            if event.get(name) != value:
                raise ChainBroken(seq, f"its {name} column differs from its bytes")
        if created_at.tzinfo is None:  # SQLite's raw rows: the UTC the column holds
            created_at = created_at.replace(tzinfo=UTC)
        if _moment(event.get("time")) != created_at:
            raise ChainBroken(seq, "its time column differs from its bytes")


def _moment(text) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
