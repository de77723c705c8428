"""Recompute the audit chain and check it against the heads anchored in the transparency log.

Exit 0 with one line, `audit chain intact: <n> entries, head <hex>`, when every entry links to
the hash of the one before, the numbers run without a gap up to the head row, and every anchored
head is still the chain's; otherwise exit 1 naming the first broken entry. The walk reads only
the entry bytes (they are the record); when it fails, a second walk that also reads each stored
hash names the broken entry exactly. `--deep` also parses every entry and checks its columns.

A long chain is walked in stretches, one process per core (`--workers`): each reads and hashes
its own range of numbers, and the stretches are then joined (each must link to the last hash of
the one before), which is the same check as one walk from the first entry to the last.
"""

import multiprocessing
import os
from contextlib import closing

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from audits.chain.selectors import chain_anchors, chain_bodies, chain_head, chain_rows
from audits.chain.verify import (
    ChainBroken,
    chain_summary,
    verify_columns,
    verify_rows,
    walk_stretch,
)

COLUMNS = "seq, body, kind, actor_id, application_id, certificate_id, body_id, created_at"
# Below this many entries one process walks the whole chain: starting more costs more.
PARALLEL_FROM = 100_000


class Command(BaseCommand):
    help = "Verify the audit chain: hashes, links, order and the anchored heads."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--deep",
            action="store_true",
            help="also parse every entry and check it is canonical JSON (slower)",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes walking stretches of the chain (default: one per core for "
            f"chains of {PARALLEL_FROM:,} entries or more, else 1)",
        )

    def handle(self, *args, deep: bool = False, workers: int | None = None, **options) -> None:
        # The head and the anchors first: entries committed meanwhile only add to the rows.
        head = chain_head()
        anchors = chain_anchors()
        try:
            # Each page is one query bounded by the head read above: no transaction is needed,
            # and none may be open while the walk starts its processes.
            try:
                summary = _walk(head, anchors, _workers(workers, head[0]))
            except ChainBroken as broken:
                self._name_exactly(broken, anchors=anchors, head=head)
            if deep:
                with closing(chain_rows()) as rows:
                    verify_rows(rows, anchors=anchors, head=head, deep=True)
                with closing(chain_rows(columns=COLUMNS)) as rows:
                    verify_columns(rows)
        except ChainBroken as broken:
            raise CommandError(
                f"audit chain broken at entry {broken.seq}: {broken.reason}"
            ) from None
        self.stdout.write(
            f"audit chain intact: {summary.entries} entries, head {summary.head.hex()}"
        )

    @staticmethod
    def _name_exactly(broken: ChainBroken, *, anchors, head) -> None:
        """A broken link at entry n means entry n or n-1 changed (or one between went
        missing): the walk over the stored hashes too says which."""
        with closing(chain_rows()) as rows:
            verify_rows(rows, anchors=anchors, head=head)
        raise broken


def _workers(asked: int | None, entries: int) -> int:
    if asked is not None:
        return max(1, asked)
    return (os.cpu_count() or 1) if entries >= PARALLEL_FROM else 1


def _walk(head: tuple[int, bytes], anchors, workers: int):
    """Walk entries 1..head in `workers` stretches and join them."""
    anchors = dict(anchors)
    if head[0] > 0:
        anchors.setdefault(head[0], (-1, head[1]))
    size = -(-head[0] // workers) if head[0] else 1
    ranges = [(after, min(after + size, head[0])) for after in range(0, head[0], size)]
    if len(ranges) <= 1:
        stretches = [_walk_range(0, head[0], anchors)]
    else:
        # Each process opens its own connection: none may inherit the parent's.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
            stretches = pool.starmap(_walk_range, [(*bounds, anchors) for bounds in ranges])
    for stretch in stretches:
        if isinstance(stretch, tuple):  # a stretch that broke: (number, reason)
            raise ChainBroken(*stretch)
    return chain_summary(stretches, anchors=anchors)


def _walk_range(after: int, up_to: int, anchors):
    try:
        with closing(chain_bodies(after=after, up_to=up_to)) as bodies:
            return walk_stretch(bodies, first=after + 1, anchors=anchors)
    except ChainBroken as broken:
        return (broken.seq, broken.reason)
    finally:
        if multiprocessing.parent_process() is not None:
            connections.close_all()
