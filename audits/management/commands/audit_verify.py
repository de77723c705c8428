"""Recompute the audit chain and check it against the heads anchored in the transparency log.

Exit 0 with one line, `audit chain intact: <n> entries, head <hex>`, when every entry hashes to
its stored hash, links to the one before and the numbers run without a gap, and every anchored
head is still the chain's; otherwise exit 1 naming the first broken entry.
"""

from contextlib import closing

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audits.chain.selectors import chain_anchors, chain_head, chain_rows
from audits.chain.verify import ChainBroken, verify_rows


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
        anchors = chain_anchors()
        try:
            # One transaction for every page; the cursor is closed before it ends, also when
            # the walk stops at a broken entry.
            with transaction.atomic(), closing(chain_rows()) as rows:
                summary = verify_rows(rows, anchors=anchors, head=head, deep=deep)
        except ChainBroken as broken:
            raise CommandError(
                f"audit chain broken at entry {broken.seq}: {broken.reason}"
            ) from None
        self.stdout.write(
            f"audit chain intact: {summary.entries} entries, head {summary.head.hex()}"
        )
