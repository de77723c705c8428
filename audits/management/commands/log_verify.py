"""Rebuild the transparency log's tree from its entries and check the stored subtrees, the head
and the signed checkpoint against it.

Exit 0 with one line, `transparency log intact: <n> entries, root <hex>, checkpoint of <m>
entries verified`, when every entry up to the head's size is there, every leaf hash and every
complete subtree rebuilt from the entries is the stored node, the head's frontier is the rebuilt
one, and the signed checkpoint verifies with the log's key and has the rebuilt root at its
size; otherwise exit 1 naming the first entry, node (height/index), the head or the checkpoint
that differs. The entries are read a page at a time (`audits/transparency/verify.py`).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audits.transparency.checkpoints import log_verifier_key
from audits.transparency.verify import (
    LogBroken,
    checkpoint_latest,
    checkpoint_opened,
    log_walk,
)


class Command(BaseCommand):
    help = "Verify the transparency log: entries, stored subtrees, head and signed checkpoint."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="check this signed checkpoint (one a witness or a visitor kept) rather than "
            "the one the log serves now",
        )

    def handle(self, *args, checkpoint: str | None = None, **options) -> None:
        try:
            # The checkpoint before the head: the head read after it is at least as large.
            if checkpoint:
                opened = checkpoint_opened(_read(checkpoint), log_verifier_key())
            else:
                opened = checkpoint_latest()
            summary = log_walk(opened)
        except LogBroken as broken:
            raise CommandError(f"transparency log broken at {broken}") from None
        self.stdout.write(
            f"transparency log intact: {summary.entries} entries, root {summary.root.hex()}, "
            f"checkpoint of {summary.checkpoint.size} entries verified"
        )


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read the checkpoint {path}: {error}") from None
