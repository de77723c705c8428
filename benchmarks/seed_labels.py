"""Top the label table of a benchmark database up to --total labels by cloning its first issued
label (PostgreSQL COPY; see label_clones.py for what is simplified, on purpose).

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/seed_labels.py --total 1000000

Benchmark tooling, never a product command: it drops indexes and turns the foreign-key triggers
off while it copies.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--total", type=int, required=True, help="labels wanted in the table, the template included"
    )
    parser.add_argument(
        "--per-gtin", type=int, default=1, help="labels sharing one GTIN (default 1)"
    )
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="COPY into the indexed table instead of dropping the secondary indexes and unique "
        "constraints and rebuilding them after",
    )
    parser.add_argument(
        "--no-vacuum", action="store_true", help="skip VACUUM (ANALYZE) of the label table"
    )
    return parser


def main() -> int:
    options = arguments().parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from label_clones import Seeder, SeedError

    try:
        Seeder().handle(**vars(options))
    except SeedError as error:
        print(f"seed_labels: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
