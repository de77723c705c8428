"""Verifying the audit chain: pure functions shared by `manage.py audit_verify` and the
benchmark.

The entry bytes alone are the record: entry n ends with ``,"prev":"<SHA-256 of entry n-1>",
"seq":n}`` (RFC 8785 sorts "event" < "prev" < "seq", so these are always the last keys), so
walking the bytes in order and hashing each one checks every entry, every link and the order,
with no JSON parsed (`verify_bodies`, the default walk). The other columns are derived from the
bytes: `verify_rows` also checks the stored hash of each entry (it names the first broken entry
exactly, which is why the command runs it when the fast walk fails), and `verify_columns`, with
`--deep`, parses every entry and checks that it is canonical and that the filter columns say
what it says.
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

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


def verify_bodies(
    bodies: Iterable[bytes],
    *,
    anchors: Mapping[int, tuple[int, bytes]] | None = None,
    head: tuple[int, bytes] | None = None,
) -> ChainSummary:
    """The fast walk over the entry bytes in order, entry 1 first: raise ChainBroken at the
    first entry that does not link to the hash of the bytes before it, or whose hash differs
    from an anchored head or the head row."""
    anchors = _with_head(anchors, head)
    return chain_summary([walk_stretch(bodies, first=1, anchors=anchors)], anchors=anchors)


@dataclass(frozen=True)
class Stretch:
    """What a walk over entries `first`..`last` found: the hash the first one links to (to be
    the last hash of the stretch before it) and the hash of the last one."""

    first: int
    last: int
    links_to: bytes
    head: bytes


def walk_stretch(
    bodies: Iterable[bytes], *, first: int, anchors: Mapping[int, tuple[int, bytes]]
) -> Stretch:
    """Walk entries from number `first` on: each links to the hash of the one before it. The
    first one's link is read, not checked: `chain_summary` checks it against the stretch before
    (so stretches can be walked apart, one per process, and joined)."""
    sha256 = hashlib.sha256
    hexlify = binascii.hexlify
    entries = iter(bodies)
    body = next(entries, None)
    if body is None:
        return Stretch(first=first, last=first - 1, links_to=b"", head=b"")
    links_to = _link_of(body, first)
    previous = sha256(body).digest()
    seq = first
    if seq in anchors:
        _anchor_check(seq, previous, anchors[seq])
    for seq, body in enumerate(entries, first + 1):
        if not body.endswith(b',"prev":"%b","seq":%d}' % (hexlify(previous), seq)):
            raise ChainBroken(seq, "it does not link to the previous entry's hash and number")
        previous = sha256(body).digest()
        if seq in anchors:
            _anchor_check(seq, previous, anchors[seq])
    return Stretch(first=first, last=seq, links_to=links_to, head=previous)


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


def _with_head(
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
    anchors = _with_head(anchors, head)
    sha256 = hashlib.sha256
    expected = 1
    previous = ZERO_HASH
    for seq, body, digest in rows:
        if seq != expected:
            raise ChainBroken(expected, f"missing (the next entry is {seq})")
        if sha256(body).digest() != digest:
            raise ChainBroken(seq, "its bytes do not hash to its stored hash")
        if not body.endswith(b',"prev":"%b","seq":%d}' % (previous.hex().encode(), seq)):
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
