"""Transparency log benchmark: inclusion proofs at 1,000 and at 1,000,000 leaves, on PostgreSQL.

    .venv/bin/python benchmarks/log_bench.py [--base postgres://postgres@127.0.0.1:5432/bench_log]
                                             [--leaves 1000000] [--proofs 300]
                                             [--entries 1000000]

Creates its own database (dropped at the end), migrates it, appends leaves through the log's own
append code in batches (`log_append_encoded`: the same tree code as one append, under the same
lock, 10,000 entries a transaction), and times `log_inclusion_proof` (one query of the O(log n)
subtree hashes it needs, then the folds) at random indexes when the log holds 1,000 leaves and
again at 1,000,000. Every proof is checked with the verifier module against the log's root before
any figure is printed. Goal: the median proof time at 1M ≤ 2 × at 1k (logarithmic, not linear).

Then, in the same database and run, the audit chain's benchmark (`audit_bench.py`, which also
runs alone): `--entries` chain entries appended, `audit_verify` over them timed beside hashlib's
SHA-256 of the same bytes. Goal: hashing time / verify time >= 0.5. `--entries 0` skips it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

import audit_bench
from scratch_database import scratch_database

BATCH = 10_000


def entry(n: int) -> bytes:
    # RFC 8785 bytes of a typical status-change entry (keys sorted, no spaces).
    return (
        b'{"kind":"labels:label:suspended","label":"BENCH%010d","reasonCode":"body_decision",'
        b'"status":"suspended","time":"2026-01-01T00:00:00Z"}' % n
    )


def append_up_to(target: int) -> None:
    from audits.transparency import selectors, services

    size = selectors.log_size()
    while size < target:
        count = min(BATCH, target - size)
        services.log_append_encoded(
            [("labels:label:suspended", entry(n), "") for n in range(size, size + count)]
        )
        size += count


def time_proofs(
    size: int, count: int, chooser: random.Random, *, memory: bool = False
) -> tuple[float, int]:
    """Median seconds of one inclusion proof at ``size``; every proof is then verified. Without
    `memory`, the process's node memory is emptied before each proof, so each reads its nodes
    from the database: at 1,000 leaves the memory would otherwise soon hold the whole tree, and
    the two sizes would not be compared like with like."""
    from audits.transparency import merkle, selectors

    root = selectors.log_root(size)
    indexes = [chooser.randrange(size) for _ in range(count)]
    timings, proofs = [], []
    selectors.NODE_MEMORY.clear()
    for index in indexes:
        if not memory:
            selectors.NODE_MEMORY.clear()
        start = time.perf_counter()
        proof = selectors.log_inclusion_proof(index, size)
        timings.append(time.perf_counter() - start)
        proofs.append(proof)
    for index, proof in zip(indexes, proofs, strict=True):
        merkle.verify_inclusion(merkle.leaf_hash(entry(index)), index, size, proof, root)
    return statistics.median(timings), len(proofs[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="postgres://postgres@127.0.0.1:5432/bench_log")
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=300)
    parser.add_argument("--entries", type=int, default=1_000_000, help="audit chain entries")
    args = parser.parse_args()
    with scratch_database(args.base):
        from django.db import connection

        chooser = random.Random(9162)
        append_up_to(1000)
        small, small_length = time_proofs(1000, args.proofs, chooser)
        small_warm, _ = time_proofs(1000, args.proofs, chooser, memory=True)
        started = time.perf_counter()
        append_up_to(args.leaves)
        append_seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        large, large_length = time_proofs(args.leaves, args.proofs, chooser)
        large_warm, _ = time_proofs(args.leaves, args.proofs, chooser, memory=True)
        chain_lines = audit_bench.measure(args.entries) if args.entries else []
    print(
        f"appended {args.leaves - 1000:,} leaves in {append_seconds:.1f} s "
        f"({(args.leaves - 1000) / append_seconds:,.0f}/s, batches of {BATCH:,})"
    )
    print(
        f"inclusion proof at 1,000 leaves: median {small * 1000:.3f} ms "
        f"({small_length} hashes, {args.proofs} proofs, all verified)"
    )
    print(
        f"inclusion proof at {args.leaves:,} leaves: median {large * 1000:.3f} ms "
        f"({large_length} hashes, {args.proofs} proofs, all verified)"
    )
    print(f"ratio {large / small:.2f} (goal <= 2; each proof's nodes read from the database)")
    print(
        f"with the node memory filling as proofs are made: median {small_warm * 1000:.3f} ms "
        f"at 1,000 leaves, {large_warm * 1000:.3f} ms at {args.leaves:,}: "
        f"ratio {large_warm / small_warm:.2f}"
    )
    if chain_lines:
        print("\n".join(chain_lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
