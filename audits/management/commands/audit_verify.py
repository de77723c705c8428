"""Recompute the audit chain and check it against the heads anchored in the transparency log.

Exit 0 with one line, `audit chain intact: <n> entries, head <hex>`, when every entry links to
the hash of the one before, the numbers run without a gap up to the head row, and every anchored
head is still the chain's; otherwise exit 1 naming the first broken entry.

The fast walk reads only the entry bytes (they are the record), a page at a time. A long chain
is cut into stretches walked side by side, one process each (`--jobs`, at least
`STRETCH_ENTRIES` entries a process); the stretches are then joined, each linking to the last
hash of the one before. When the fast walk fails, a second walk, in one process, also reads
each stored hash and names the broken entry exactly; it decides. `--deep` also parses every
entry and checks its columns.
"""

import multiprocessing
import os
from contextlib import closing
from itertools import pairwise

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from audits.chain import selectors
from audits.chain.selectors import chain_anchors, chain_head, chain_pages, chain_rows
from audits.chain.verify import (
    ChainBroken,
    ChainSummary,
    Stretch,
    chain_summary,
    verify_columns,
    verify_rows,
    walk_stretch,
    with_head,
)

COLUMNS = "seq, body, kind, actor_id, application_id, certificate_id, body_id, created_at"
# A process is worth starting for this many entries or more (about 0.1 s of walking).
STRETCH_ENTRIES = 100_000


class Command(BaseCommand):
    help = "Verify the audit chain: hashes, links, order and the anchored heads."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--deep",
            action="store_true",
            help="also parse every entry and check it is canonical JSON (slower)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="processes walking stretches of a long chain side by side (default: the "
            "cores, at most 4)",
        )

    def handle(self, *args, deep: bool = False, jobs: int = 1, **options) -> None:
        # The head and the anchors first: entries committed meanwhile only add to the rows.
        head = chain_head()
        anchors = with_head(chain_anchors(), head)
        try:
            try:
                summary = _walk(up_to=head[0], anchors=anchors, jobs=jobs)
            except ChainBroken:
                # The walk over the stored hashes too names the broken entry exactly.
                with closing(chain_rows()) as rows:
                    summary = verify_rows(rows, anchors=anchors)
            if deep:
                with closing(chain_rows()) as rows:
                    verify_rows(rows, anchors=anchors, deep=True)
                with closing(chain_rows(columns=COLUMNS)) as rows:
                    verify_columns(rows)
        except ChainBroken as broken:
            raise CommandError(
                f"audit chain broken at entry {broken.seq}: {broken.reason}"
            ) from None
        self.stdout.write(
            f"audit chain intact: {summary.entries} entries, head {summary.head.hex()}"
        )


def _walk(*, up_to: int, anchors: dict[int, tuple[int, bytes]], jobs: int) -> ChainSummary:
    bounds = stretch_bounds(up_to, jobs=jobs, page=selectors.FETCH_ROWS)
    if len(bounds) == 1 or not _processes_may_walk():
        stretches = [_walk_stretch(0, up_to, anchors)]
    else:
        connections.close_all()  # each process opens its own connection
        context = multiprocessing.get_context("fork")
        with context.Pool(len(bounds)) as pool:
            stretches = pool.starmap(
                _walk_stretch, [(after, last, anchors) for after, last in bounds]
            )
    return chain_summary(stretches, anchors=anchors)


def stretch_bounds(up_to: int, *, jobs: int, page: int) -> list[tuple[int, int]]:
    """(after, up_to) of each stretch: whole pages, about as many entries each, at least
    STRETCH_ENTRIES a stretch, at most `jobs` stretches."""
    count = max(1, min(jobs, up_to // STRETCH_ENTRIES))
    pages = -(-up_to // page)  # rounded up
    cuts = [min(up_to, (pages * n // count) * page) for n in range(count + 1)]
    return [(after, last) for after, last in pairwise(cuts) if last > after] or [(0, up_to)]


def _walk_stretch(after: int, up_to: int, anchors: dict[int, tuple[int, bytes]]) -> Stretch:
    with closing(chain_pages(after=after, up_to=up_to)) as pages:
        return walk_stretch(pages, first=after + 1, anchors=anchors)


def _processes_may_walk() -> bool:
    """On PostgreSQL, outside a transaction (the walk must see what the transaction wrote: in
    this process), where processes can be forked. The embedded SQLite keeps short chains."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and "fork" in multiprocessing.get_all_start_methods()
    )
