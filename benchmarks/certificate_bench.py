"""Time the certificate PDF against its goal (median ≤ 0.25 s) and check its glyphs; time the QR.

Run from the project root: ``.venv/bin/python benchmarks/certificate_bench.py``. One warm-up render
first (WeasyPrint's import and font loading belong to process start, not to a render), then the
median of several renders, so one slow run on a busy machine does not decide the verdict. CPU time
is printed beside wall time: on a shared machine the wall time also counts waiting for a core.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from labels.rendering.certificate import (  # noqa: E402
    certificate_pdf,
    harfbuzz_subset_available,
)
from labels.rendering.facts import LabelFacts, StageFigure  # noqa: E402
from labels.rendering.qr import new_serial, qr_code, qr_png, qr_svg, resolver_url  # noqa: E402

PDF_GOAL_SECONDS = 0.25
PDF_RUNS = 15
QR_RUNS = 50
HOLDER = "广东绿源电池有限公司"
CERTIFICATE_NUMBER = "CFP-2025-GD-000123"
EXPECTED_TEXT = ("证书编号", "中国产品碳足迹标识认证证书", HOLDER, CERTIFICATE_NUMBER, "原材料获取")
SERIAL = "7K3M9QX2HD4B"
URL = resolver_url(scheme="https", host="labels.example.cn", serial=SERIAL, gtin="6901234567892")

FACTS = LabelFacts(
    serial=SERIAL,
    certificate_number=CERTIFICATE_NUMBER,
    scheme="national_pilot",
    status="valid",
    product_name="磷酸铁锂储能电池",
    product_model="LFP-280Ah-3.2V",
    gtin="06901234567892",
    trademark="绿源",
    manufacturer=HOLDER,
    plant_address="广东省惠州市仲恺高新区惠风七路18号",
    holder_name=HOLDER,
    holder_uscc="91441300MA4UJ5XW8B",
    holder_address="广东省惠州市仲恺高新区惠风七路18号",
    body_name="华南低碳认证中心有限公司",
    body_code="CB01",
    body_approval_number="CNCA-R-2019-001",
    footprint_value="75.4",
    footprint_unit="kgCO2e",
    declared_unit="1 kWh of battery energy capacity",
    unit_kind="declared",
    boundary="cradle_to_gate",
    stages=(
        StageFigure("raw_material", "原材料获取", "Raw material acquisition", "61.2"),
        StageFigure("production", "生产", "Production", "12.9"),
        StageFigure("distribution", "分销", "Distribution", "1.3"),
    ),
    standard="GB/T 24067-2024",
    product_rule="锂离子电池产品碳足迹核算规则 v1.0",
    certification_mode="文件评审 + 现场检查 + 碳足迹核查 "
    "Document review + on-site inspection + footprint verification",
    issued_on=date(2025, 7, 1),
    valid_until=date(2027, 6, 30),
    resolver_url=URL,
    public_page_url=f"https://labels.example.cn/verify/{SERIAL}",
)


def medians(action: Callable[[int], object], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time of ``runs`` calls, in seconds.

    QR symbols are cached by URL, so each run starts with an empty cache: a real render meets a
    URL for the first time.
    """
    wall, cpu = [], []
    for run in range(runs):
        qr_code.cache_clear()
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        action(run)
        wall.append(time.perf_counter() - wall_start)
        cpu.append(time.process_time() - cpu_start)
    return statistics.median(wall), statistics.median(cpu)


def render_nth(render: Callable[[str], bytes], urls: list[str], run: int) -> bytes:
    return render(urls[run])


def glyphs_round_trip(pdf: bytes) -> tuple[bool, list[str]]:
    """Whether pdftotext reads back the Chinese strings, and the fonts pdffonts lists."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "certificate.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, text=True, check=True
        ).stdout
        fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True)
    return all(expected in text for expected in EXPECTED_TEXT), fonts.stdout.splitlines()[2:]


def main() -> int:
    # WeasyPrint reports each rendering step at INFO; the figures are what matters here.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print(f"libharfbuzz-subset available: {harfbuzz_subset_available()}")

    warm_up_start = time.perf_counter()
    pdf = certificate_pdf(FACTS)
    print(f"warm-up render (fonts, first layout): {time.perf_counter() - warm_up_start:.3f} s")
    wall, cpu = medians(lambda _: certificate_pdf(FACTS), PDF_RUNS)
    verdict = "meets" if wall <= PDF_GOAL_SECONDS else "MISSES"
    print(
        f"certificate PDF: median {wall:.3f} s wall, {cpu:.3f} s CPU over {PDF_RUNS} renders, "
        f"{len(pdf) / 1024:.1f} KiB; {verdict} the {PDF_GOAL_SECONDS} s goal"
    )
    glyphs_ok, fonts = glyphs_round_trip(pdf)
    print(f"glyphs correct (pdftotext round trip of the Chinese strings): {glyphs_ok}")
    for font in fonts:
        print(f"  font: {font}")

    # A fresh serial per run, as every label has its own URL.
    urls = [
        resolver_url(scheme="https", host="labels.example.cn", serial=new_serial(), gtin=FACTS.gtin)
        for _ in range(QR_RUNS)
    ]
    renderers: tuple[tuple[str, Callable[[str], bytes]], ...] = (("SVG", qr_svg), ("PNG", qr_png))
    for name, render in renderers:
        render(URL)
        wall, cpu = medians(partial(render_nth, render, urls), QR_RUNS)
        print(
            f"QR {name}: median {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU ({len(URL)}"
            f"-character URL)"
        )
    return 0 if glyphs_ok and verdict == "meets" else 1


if __name__ == "__main__":
    sys.exit(main())
