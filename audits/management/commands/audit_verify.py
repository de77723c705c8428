"""Recompute the audit chain and check it against the heads anchored in the transparency log.

Exit 0 with one line, `audit chain intact: <n> entries, head <hex>`, when every entry links to
the hash of the one before, the numbers run without a gap up to the head row, and every anchored
head is still the chain's; otherwise exit 1 naming the first broken entry. The walk reads only
the entry bytes (they are the record); when it fails, a second walk that also reads each stored
hash names the broken entry exactly. `--deep` also parses every entry and checks its columns.
"""

from contextlib import closing

from django.core.management.base import BaseCommand, CommandError

from audits.chain.selectors import chain_anchors, chain_bodies, chain_head, chain_rows
from audits.chain.verify import ChainBroken, verify_bodies, verify_columns, verify_rows

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
        anchors = chain_anchors()
        try:
            # Each page is one query bounded by the head read above: entries appended meanwhile
            # are left to the next run.
            try:
                with closing(chain_bodies(up_to=head[0])) as bodies:
                    summary = verify_bodies(bodies, anchors=anchors, head=head)
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
