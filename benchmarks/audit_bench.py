"""Audit chain benchmark: `audit_verify` over 1,000,000 entries on PostgreSQL, beside plain
SHA-256 of the same bytes.

    .venv/bin/python benchmarks/audit_bench.py [--base postgres://postgres@127.0.0.1:5432/bench_audit]
                                               [--entries 1000000]

Creates its own database (dropped at the end), migrates it, appends entries of about 300 bytes
through the chain's own bulk path (`chain_append_many`: the same encoding, hashing and head
lock as one append, 10,000 entries a transaction), anchors the head in the transparency log,
then times `manage.py audit_verify` (pages of 2,500 entries streamed from PostgreSQL by one COPY,
each page one value; every hash, link and the anchor checked) once right after the load and
three times after a CHECKPOINT, and, in the same run, hashlib's SHA-256 of each entry's bytes
already in memory (three times; the median is the yardstick).
Goal: hashing time / verify time (the median after the checkpoint) >= 0.5.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time

from scratch_database import scratch_database

BATCH = 10_000


def event(n: int):
    """A typical label status change: ids, a serial, a certificate number, a reason."""
    from audits.chain.services import ChainEvent

    return ChainEvent(
        kind="labels:label:suspended",
        data={
            "label": f"BENCH{n:010d}",
            "certificate": f"CFP-BCH-2026-{n % 100000:05d}",
            "certificateVersion": 1,
            "status": "suspended",
            "reason": "Overdue",
            "reasonCode": "body_decision",
        },
        actor_id=1000 + n % 50,
        application_id=n // 3 + 1,
        certificate_id=n // 3 + 1,
        body_id=n % 20 + 1,
    )


def append(count: int) -> None:
    from audits.chain.services import chain_append_many

    done = 0
    while done < count:
        size = min(BATCH, count - done)
        chain_append_many([event(n) for n in range(done, done + size)])
        done += size


def timed_verify() -> tuple[float, str]:
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("audit_verify", stdout=out)
    return time.perf_counter() - started, out.getvalue().strip()


def time_hashing(bodies: list[bytes]) -> float:
    """hashlib over the entries in memory, one hash each: the yardstick."""
    sha256 = hashlib.sha256
    started = time.perf_counter()
    digests = [sha256(body).digest() for body in bodies]
    seconds = time.perf_counter() - started
    assert len(digests) == len(bodies)
    return seconds


def measure(entries: int) -> list[str]:
    """Append `entries`, time `audit_verify` and hashlib beside it: the lines to print. Django
    is set up on a scratch database (this benchmark's, or the log benchmark's after its proofs)."""
    from django.db import connection, transaction

    from audits.chain.selectors import chain_rows
    from audits.chain.services import chain_anchor

    started = time.perf_counter()
    append(entries)
    append_seconds = time.perf_counter() - started
    chain_anchor()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audits_auditentry")

    # The first walk right after the load competes with PostgreSQL writing that load out (the
    # checkpoint of some 400 MB of fresh pages); the goal is judged on a settled database,
    # after a CHECKPOINT, and the first walk is printed beside it.
    unsettled_seconds, _ = timed_verify()
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")
    settled = [timed_verify() for _ in range(3)]
    verify_seconds, out = sorted(settled)[1]  # the median of three

    with transaction.atomic():
        bodies = [body for _seq, body, _hash in chain_rows()]
    total_bytes = sum(map(len, bodies))
    hash_runs = [time_hashing(bodies) for _ in range(3)]
    hash_seconds = sorted(hash_runs)[1]
    return [
        f"appended {entries:,} chain entries in {append_seconds:.1f} s "
        f"({entries / append_seconds:,.0f}/s, batches of {BATCH:,}, "
        f"{total_bytes / len(bodies):.0f} bytes on average)",
        out,
        f"audit_verify over {entries:,} entries, right after the load: "
        f"{unsettled_seconds:.3f} s (ratio {hash_seconds / unsettled_seconds:.2f})",
        f"audit_verify after a CHECKPOINT, median of 3: {verify_seconds:.3f} s "
        f"(runs: {', '.join(f'{seconds:.3f}' for seconds, _ in settled)})",
        f"hashlib SHA-256 of the same {entries:,} entries in memory, median of 3: "
        f"{hash_seconds:.3f} s (runs: {', '.join(f'{seconds:.3f}' for seconds in hash_runs)})",
        f"ratio {hash_seconds / verify_seconds:.2f} (hashing / verify; goal >= 0.5)",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="postgres://postgres@127.0.0.1:5432/bench_audit")
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with scratch_database(args.base):
        lines = measure(args.entries)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
