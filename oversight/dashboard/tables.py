"""Every dashboard table as (headers, rows), and its CSV and XLSX exports.

Exports are formula-safe as the inventory export is: text a spreadsheet program would run as a
formula (a body name starting with ``=``, say) is prefixed with ``'`` in .csv and stored as plain
text in .xlsx. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from config.exports import csv_safe
from oversight.dashboard.figures import Dashboard


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: list[str]
    rows: Sequence[Sequence[object]]


TABLE_NAMES = ("statuses", "lead_times", "bodies", "findings", "deviation", "label_events")


def _status_table(board: Dashboard) -> Table:
    return Table(
        "statuses",
        _("Applications by status"),
        [_("Status"), _("Applications")],
        [[str(label), count] for _status, label, count in board.status_counts],
    )


def _lead_table(board: Dashboard) -> Table:
    headers = [_("Step"), _("Transitions"), _("Median days, all bodies")]
    headers += [row.name for row in board.bodies]
    rows = []
    for step, label, count, median in board.step_medians:
        rows.append(
            [str(label), count, median]
            + [board.step_medians_by_body.get(row.body_id, {}).get(step) for row in board.bodies]
        )
    return Table("lead_times", _("Median days spent in each step"), headers, rows)


def _body_table(board: Dashboard) -> Table:
    headers = [
        _("Certification body"),
        _("Applications"),
        _("Certified"),
        _("Refused"),
        _("Refusal rate"),
        _("Median days to decision"),
        _("Findings per application"),
        _("Suspensions"),
        _("Withdrawals"),
    ]
    rows = [
        [
            row.name,
            row.applications,
            row.certified,
            row.refused,
            row.refusal_rate,
            row.median_lead_days,
            row.findings_per_application,
            row.suspensions,
            row.withdrawals,
        ]
        for row in board.bodies
    ]
    return Table("bodies", _("Body performance"), headers, rows)


def _finding_table(board: Dashboard) -> Table:
    return Table(
        "findings",
        _("Findings by severity"),
        [_("Severity"), _("Findings")],
        [[str(label), count] for _severity, label, count in board.findings_by_severity],
    )


def _deviation_table(board: Dashboard) -> Table:
    return Table(
        "deviation",
        _("Deviation of declared from recomputed footprint"),
        [_("Deviation"), _("Recomputed dossier versions")],
        [[str(label), count] for _key, label, count in board.deviation],
    )


def _label_event_table(board: Dashboard) -> Table:
    return Table(
        "label_events",
        _("Suspensions and withdrawals per month"),
        [_("Month"), _("Suspensions"), _("Withdrawals")],
        [
            [f"{month:%Y-%m}", suspensions, withdrawals]
            for month, suspensions, withdrawals in board.months
        ],
    )


BUILDERS = {
    "statuses": _status_table,
    "lead_times": _lead_table,
    "bodies": _body_table,
    "findings": _finding_table,
    "deviation": _deviation_table,
    "label_events": _label_event_table,
}
assert set(BUILDERS) == set(TABLE_NAMES)


def table(board: Dashboard, name: str) -> Table:
    return BUILDERS[name](board)


def export_csv(data: Table) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheet programs show Chinese text correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(header) for header in data.headers])
    for row in data.rows:
        writer.writerow([csv_safe(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(data: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(data.name)

    def cell(value: object) -> WriteOnlyCell:
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"  # never a formula, whatever the text starts with
        return written

    sheet.append([cell(header) for header in data.headers])
    for row in data.rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
