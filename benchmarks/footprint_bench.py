"""Time the footprint core against its goals: recomputation, Monte Carlo, spreadsheet import.

Run from the project root: ``.venv/bin/python benchmarks/footprint_bench.py``. No Django needed.
Each figure is the median of several runs, so one slow run (a cold cache, a busy core) does not
decide the verdict.
"""

from __future__ import annotations

import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from footprint.engine import (
    STANDARD_STAGES,
    Factor,
    InventoryLine,
    recompute,
)
from footprint.exporter import export_xlsx
from footprint.importer import parse_inventory
from footprint.montecarlo import simulate

AR6 = {"CO2": Decimal(1), "CH4": Decimal("27.9"), "N2O": Decimal(273)}
FACTORS = [
    Factor("CN-ELEC-CO2-2022-CN", Decimal("0.5366"), "kgCO2/kWh"),
    Factor("CN-ELEC-CFP-2023-CN", Decimal("0.6205"), "kgCO2e/kWh"),
    Factor("IPCC2006-STATIONARY-DIESEL", Decimal("74100"), "kgCO2/TJ"),
    Factor("TEST-ROAD-FREIGHT", Decimal("0.0712"), "kgCO2e/t·km"),
    Factor("TEST-LANDFILL-CH4", Decimal("0.5"), "kgCH4/t"),
]
UNIT_FOR_FACTOR = ["kWh", "MWh", "t", "tkm", "kg"]


def make_lines(count: int) -> list[InventoryLine]:
    """A mixed inventory: electricity, diesel by mass, freight, methane, ratings varied."""
    lines = []
    for index in range(count):
        kind = index % len(FACTORS)
        is_diesel = kind == 2
        rating = index % 3 + 1
        lines.append(
            InventoryLine(
                stage=STANDARD_STAGES[index % len(STANDARD_STAGES)],
                name=f"activity {index}",
                amount=Decimal(index % 997 + 1) / Decimal(8),
                unit=UNIT_FOR_FACTOR[kind],
                factor=FACTORS[kind],
                net_calorific_value=Decimal("42.652") if is_diesel else None,
                net_calorific_value_unit="GJ/t" if is_diesel else None,
                is_primary=index % 2 == 0,
                is_biogenic=index % 7 == 0,
                technological=rating,
                temporal=rating,
                geographical=None if index % 5 == 0 else rating,
                completeness=rating,
                reliability=rating,
                uncertainty_gsd=Decimal("1.1") if index % 4 == 0 else None,
            )
        )
    return lines


def median_seconds(action: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def report(label: str, seconds: float, goal: float) -> bool:
    verdict = "met" if seconds <= goal else "NOT met"
    print(f"{label:<54} {seconds:8.3f} s   goal ≤ {goal:.0f} s   {verdict}")
    return seconds <= goal


def main() -> int:
    lines = make_lines(10_000)
    recompute(lines[:10], AR6)  # warm the unit caches as a running server would have them
    results = [
        report(
            "recompute 10,000 lines (median of 7)",
            median_seconds(lambda: recompute(lines, AR6, Decimal(1)), runs=7),
            goal=1,
        ),
        report(
            "Monte Carlo 10,000 draws × 1,000 lines (median of 5)",
            median_seconds(lambda: simulate(lines[:1000], AR6, draws=10_000, seed=1), runs=5),
            goal=2,
        ),
    ]
    workbook = export_xlsx(lines)
    factors = {factor.code: factor for factor in FACTORS}
    with zipfile.ZipFile(BytesIO(workbook)) as archive:
        entries = archive.infolist()
        ratio = sum(entry.file_size for entry in entries) / sum(
            entry.compress_size for entry in entries
        )
    imported = parse_inventory(workbook, factors.get)
    assert len(imported) == len(lines)
    print(f"(generated workbook: {len(workbook):,} bytes, compressed {ratio:.1f} to 1)")
    results.append(
        report(
            "import a 10,000-row .xlsx (median of 3)",
            median_seconds(lambda: parse_inventory(workbook, factors.get), runs=3),
            goal=5,
        )
    )
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
