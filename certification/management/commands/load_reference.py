"""Load the published reference data: the product category catalogue (idempotent)."""

import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from certification.models import ProductCategory


class Command(BaseCommand):
    help = "Load the product categories (certification/reference/product_categories.csv)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--categories", type=Path, default=settings.REFERENCE_DIR / "product_categories.csv"
        )

    @transaction.atomic
    def handle(self, *args, categories: Path, **options):
        if not categories.exists():
            raise CommandError(f"Not found: {categories}")
        with categories.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        by_code: dict[str, ProductCategory] = {}
        # Parents first: pilot categories have no parent code.
        source = ""
        for row in sorted(rows, key=lambda r: bool(r["parent_code"])):
            parent = by_code.get(row["parent_code"]) if row["parent_code"] else None
            # The file says "same" where a row shares the previous row's source.
            source = source if row["source"] == "same" else row["source"]
            category, _ = ProductCategory.objects.update_or_create(
                code=row["code"],
                defaults={
                    "parent": parent,
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "level": row["level"],
                    "source": source,
                },
            )
            by_code[category.code] = category
        self.stdout.write(f"product categories: {len(by_code)}")
