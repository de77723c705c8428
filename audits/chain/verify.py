"""Verifying the audit chain: pure functions over (seq, body, hash) rows, shared by
`manage.py audit_verify` and the benchmark.

The fast path parses no JSON: an entry is intact when SHA-256 of its bytes is its stored hash,
its bytes end with ``,"prev":"<previous hash>","seq":<n>}`` (RFC 8785 sorts "event" < "prev" <
"seq", so these are always the last keys) and the numbers run from 1 without a gap. `deep` also
parses each entry and checks that it is its own canonical form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

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
