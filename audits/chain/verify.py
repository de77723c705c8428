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

from labels.vc.jcs import canonicalize

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
    """The fast walk over the entry bytes in order (entry 1 first): raise ChainBroken at the
    first entry that does not link to the hash of the bytes before it, or whose hash differs
    from an anchored head or the head row."""
    anchors = dict(anchors or {})
    if head is not None and head[0] > 0:
        anchors.setdefault(head[0], (-1, head[1]))
    sha256 = hashlib.sha256
    hexlify = binascii.hexlify
    previous = ZERO_HASH
    seq = 0
    for seq, body in enumerate(bodies, 1):
        if not body.endswith(b',"prev":"%b","seq":%d}' % (hexlify(previous), seq)):
            raise ChainBroken(seq, "it does not link to the previous entry's hash and number")
        previous = sha256(body).digest()
        if seq in anchors:
            _anchor_check(seq, previous, anchors[seq])
    missing = sorted(number for number in anchors if number > seq)
    if missing:
        index = anchors[missing[0]][0]
        raise ChainBroken(missing[0], f"missing, yet named by the head {_where(index)}")
    return ChainSummary(entries=seq, head=previous)


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
    anchors = dict(anchors or {})
    if head is not None and head[0] > 0:
        anchors.setdefault(head[0], (-1, head[1]))
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
    if canonicalize(parsed) != bytes(body):
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
