"""Recompute the audit chain and check it against the heads anchored in the transparency log.

Exit 0 with one line, `audit chain intact: <n> entries, head <hex>`, when every entry links to
the hash of the one before, the numbers run without a gap up to the head row, and every anchored
head is still the chain's; otherwise exit 1 naming the first broken entry. The anchors are read
from the transparency log and proved there first (their leaves and inclusion proofs to the
latest signed checkpoint): an anchor that is not the log's is exit 1 too.

The fast walk reads only the entry bytes (they are the record), a page at a time. When it fails,
a second walk, row by row, also reads each stored hash, names the broken entry exactly and
decides. `--deep` also parses every entry and checks its columns.
"""

from contextlib import closing

from django.core.management.base import BaseCommand, CommandError

from audits.chain.selectors import chain_anchors, chain_head, chain_pages, chain_rows
from audits.chain.verify import (
    ChainBroken,
    chain_summary,
    verify_columns,
    verify_rows,
    walk_stretch,
    with_head,
)
from audits.transparency.verify import LogBroken

COLUMNS = "seq, body, kind, actor_id, application_id, certificate_id, body_id, created_at"


class Command(BaseCommand):
    help = "Verify the audit chain: hashes, links, order and the anchored heads."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--deep",
            action="store_true",
            help="also parse every entry and check it is canonical JSON (slower)",
        )

    def handle(self, *args, deep: bool = False, **options) -> None:
        # The head and the anchors first: entries committed meanwhile only add to the rows.
        head = chain_head()
        try:
            anchors = with_head(chain_anchors(), head)
        except LogBroken as broken:
            raise CommandError(
                f"audit chain anchor not proved by the transparency log, at {broken}"
            ) from None
        try:
            try:
                # Pages end at the head read above: entries appended meanwhile are the next run's.
                with closing(chain_pages(up_to=head[0])) as pages:
                    stretch = walk_stretch(pages, first=1, anchors=anchors)
                summary = chain_summary([stretch], anchors=anchors)
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
