"""Benchmark of the supervision sweep: its cost follows the certificates that change, not the table.

    .venv/bin/python benchmarks/supervision_bench.py           # 10,000 and 1,000,000 labels
    .venv/bin/python benchmarks/supervision_bench.py --quick   # 2,000 and 20,000 labels, fast

Issue 10, "Must show" 4: a sweep over 1,000,000 labels of which 1,000 are due, beside the same
over 10,000 labels with 1,000 due, in one run; the ratio of the times ≤ 3 and the SQL queries per
changed label the same at both sizes. (``--quick``: 2,000 and 20,000 labels, 100 due each.)

One run, on PostgreSQL (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/
bench_supervision``; the run creates and drops ``<name>_small`` and ``<name>_large``):

1. ``<name>_small`` is created and migrated, and ``manage.py seed_demo`` issues one label through
   the real services (application, procedure, approval, certificate with its rules and its
   scheduled surveillance, signed label, status lists). ``<name>_large`` is a copy of it
   (``CREATE DATABASE … TEMPLATE``).
2. For each size, a child process tops the database up to N labels with PostgreSQL COPY: each
   clone is a label of its own certificate, with the certificate's application and its
   scheduled surveillance, as the product creates them: the demo's rows with their own keys,
   numbers, dates, status list entries and a re-signed credential (the approach of
   ``benchmarks/seed_labels.py``). Then ``VACUUM ANALYZE``.
   "Due": the sweep date is the demo certificate's issue date; the due clones were issued 400+
   days before it, so their surveillance is overdue past the 30-day grace and the sweep
   suspends exactly them. Every other clone was issued 0 to 300 days before it: its
   surveillance deadline (suspend_after) and its validity end lie more than 30 days after the
   sweep date, so no change and no notice is due for it. The due clones are spread evenly
   through the tables.
3. The child measures ``oversight.supervision.sweep.supervision_sweep`` (the code the management
   command and Celery beat run): the dry run (the plan; median of 5), the sweep, and a second
   sweep; it counts the SQL statements of each (a connection execute_wrapper) and checks the
   answers before printing a time: the plan lists exactly the due certificates, the sweep
   suspends exactly them (certificate, label, suspension bit, label event, status history), and
   the second sweep changes nothing. It also EXPLAINs every distinct statement the sweep sent
   and lists any sequential scan of a table of more than 10,000 rows.
4. The parent prints both times, the ratio large/small (goal ≤ 3) and the queries per changed
   label at each size (goal: the same at both sizes). No assertion on time.

Celery: the tasks a status change queues on commit (PDF re-render, e-mails) must not run inside
the measurement; the children run with ``CELERY_TASK_ALWAYS_EAGER=false`` and the in-memory
broker (``memory://``, no REDIS_URL), so ``.delay()`` only enqueues. The cache is the local
memory one (no REDIS_URL).

Simplified, on purpose: the clones share the demo's product and frozen dossier version (the
certificate points to it; the clones' applications have no dossier rows of their own); their
PDFs are not rendered (``document_stale`` is false: the sweep enqueues renders, it does not
render); their status entries fill fresh status lists in order; COPY runs with
``session_replication_role = replica`` (foreign-key triggers off, keys valid by construction;
unique indexes still enforced). ``--keep`` keeps the databases for EXPLAIN by hand.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_supervision"
FULL: dict[str, Any] = {"sizes": (10_000, 1_000_000), "due": 1_000}
QUICK: dict[str, Any] = {"sizes": (2_000, 20_000), "due": 100}
GOAL_RATIO = 3.0
BIG_TABLE_ROWS = 10_000
CHUNK_ROWS = 50_000
REBUILD_ROWS = 100_000  # from this many rows on, drop the indexes during COPY and rebuild them
DUE_AGE_DAYS = 400  # a due clone was issued this long before the sweep date (12 months + grace)
SPREAD_DAYS = 300  # the other clones were issued 0..300 days before it
DRY_RUNS = 5
RESULT_PREFIX = "RESULT "


# --- the parent: databases, children, the summary ----------------------------------------------


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/" + name))


def admin_sql(base: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


def child_env(url: str, shared: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(shared)
    env["DATABASE_URL"] = url
    return env


def run(command: list[str], env: dict[str, str], *, show: bool = True) -> str:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)
        if show and not line.startswith(RESULT_PREFIX):
            print("    " + line.rstrip(), flush=True)
    if process.wait() != 0:
        if not show:
            sys.stdout.write("".join(lines[-40:]))
        raise SystemExit(f"{' '.join(command[1:3])} failed")
    return "".join(lines)


def parent(args: argparse.Namespace) -> None:
    from cryptography.fernet import Fernet

    preset = QUICK if args.quick else FULL
    sizes, due = preset["sizes"], preset["due"]
    base = args.database_url
    name = urlsplit(base).path.lstrip("/") or "bench_supervision"
    names = {"small": f"{name}_small", "large": f"{name}_large"}
    media = tempfile.mkdtemp(prefix="supervision-bench-")
    shared = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "DJANGO_SECRET_KEY": "bench-throwaway-" + os.urandom(16).hex(),
        "LABEL_MASTER_KEY": Fernet.generate_key().decode(),
        "TRANSPARENCY_LOG_KEY": base64.b64encode(os.urandom(32)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LABEL_PUBLIC_HOST": "labels.bench.invalid",
        "LABEL_PUBLIC_SCHEME": "https",
        "MEDIA_ROOT": media,
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at",
    }
    print(
        f"Supervision sweep benchmark: {sizes[0]:,} and {sizes[1]:,} labels, {due:,} due "
        f"each ({'--quick' if args.quick else 'full'})",
        flush=True,
    )
    print(
        "Celery: CELERY_TASK_ALWAYS_EAGER=false, broker memory:// (tasks queued on commit are "
        "enqueued in memory, not run); cache: local memory",
        flush=True,
    )
    started = time.perf_counter()
    for db in names.values():
        admin_sql(base, f'DROP DATABASE IF EXISTS "{db}"')
    results = {}
    try:
        small_url = database_url(base, names["small"])
        admin_sql(base, f'CREATE DATABASE "{names["small"]}"')
        print(f"[{time.perf_counter() - started:5.0f} s] migrate {names['small']}", flush=True)
        run(
            [str(PYTHON), "manage.py", "migrate", "--no-input", "-v", "0"],
            child_env(small_url, shared),
        )
        print(
            f"[{time.perf_counter() - started:5.0f} s] seed_demo (one label issued through "
            "the services; tasks eager for this step only)",
            flush=True,
        )
        run(
            [str(PYTHON), "manage.py", "seed_demo", "--no-supervision"],
            child_env(small_url, {**shared, "CELERY_TASK_ALWAYS_EAGER": "true"}),
            show=False,
        )
        admin_sql(base, f'CREATE DATABASE "{names["large"]}" TEMPLATE "{names["small"]}"')
        measured = {**shared, "CELERY_TASK_ALWAYS_EAGER": "false"}
        for key, size in zip(("small", "large"), sizes, strict=True):
            url = database_url(base, names[key])
            print(
                f"[{time.perf_counter() - started:5.0f} s] {names[key]}: {size:,} labels, "
                f"{due:,} due",
                flush=True,
            )
            output = run(
                [
                    str(PYTHON),
                    str(Path(__file__).resolve()),
                    "--child",
                    "--labels",
                    str(size),
                    "--due",
                    str(due),
                ]
                + (["--profile"] if args.profile else []),
                child_env(url, measured),
            )
            line = next(line for line in output.splitlines() if line.startswith(RESULT_PREFIX))
            results[key] = json.loads(line[len(RESULT_PREFIX) :])
    finally:
        if not args.keep:
            for db in names.values():
                admin_sql(base, f'DROP DATABASE IF EXISTS "{db}"')
    print(f"[{time.perf_counter() - started:5.0f} s] done", flush=True)
    summary(results, due)


def summary(results: dict[str, dict], due: int) -> None:
    small, large = results["small"], results["large"]
    ratio = large["sweep_s"] / small["sweep_s"]
    plan_ratio = large["plan_s"] / small["plan_s"]
    per = {key: result["queries"] / result["changed"] for key, result in results.items()}
    per_change = {
        key: (result["queries"] - result["second_queries"]) / result["changed"]
        for key, result in results.items()
    }
    rows = [
        ("labels in the table", f"{small['labels']:,}", f"{large['labels']:,}"),
        (
            "certificates suspended by the sweep (checked)",
            f"{small['changed']:,}",
            f"{large['changed']:,}",
        ),
        (
            "dry run (plan), median of 5",
            f"{small['plan_s'] * 1000:.1f} ms",
            f"{large['plan_s'] * 1000:.1f} ms",
        ),
        ("sweep, wall time", f"{small['sweep_s']:.2f} s", f"{large['sweep_s']:.2f} s"),
        (
            "sweep, CPU time of this process",
            f"{small['sweep_cpu_s']:.2f} s",
            f"{large['sweep_cpu_s']:.2f} s",
        ),
        (
            "machine: load average (1 min) as the sweep began",
            f"{small['load_average']:.2f}",
            f"{large['load_average']:.2f}",
        ),
        (
            "machine: CPU busy during the sweep (all processes and cores)",
            f"{small['machine_busy']:.0%}",
            f"{large['machine_busy']:.0%}",
        ),
        ("SQL statements of the sweep", f"{small['queries']:,}", f"{large['queries']:,}"),
        ("SQL statements per changed label", f"{per['small']:.2f}", f"{per['large']:.2f}"),
        (
            "  of which the plan and notices (second sweep, nothing to do)",
            f"{small['second_queries']}",
            f"{large['second_queries']}",
        ),
        ("  per change, beside those", f"{per_change['small']:.2f}", f"{per_change['large']:.2f}"),
        ("SQL statements of the dry run", f"{small['plan_queries']}", f"{large['plan_queries']}"),
        (
            "second sweep: changes / wall time",
            f"0 / {small['second_s'] * 1000:.1f} ms",
            f"0 / {large['second_s'] * 1000:.1f} ms",
        ),
        (
            "sequential scans of a table > 10,000 rows",
            small["big_seq_scans"] or "none",
            large["big_seq_scans"] or "none",
        ),
    ]
    width = max(len(row[0]) for row in rows)
    print()
    print(f"{'':<{width}}  {'small':>18}  {'large':>18}")
    for label, left, right in rows:
        print(f"{label:<{width}}  {left!s:>18}  {right!s:>18}")
    print()
    print(
        f"sweep time ratio large/small: {ratio:.2f} (goal ≤ {GOAL_RATIO:g}: "
        f"{'met' if ratio <= GOAL_RATIO else 'NOT met'})"
    )
    print(f"dry-run (plan) time ratio large/small: {plan_ratio:.2f}")
    equal = small["queries"] == large["queries"]
    print(
        f"SQL statements per changed label: {per['small']:.2f} and {per['large']:.2f} "
        f"(goal: equal at both sizes: {'met' if equal else 'NOT met'})"
    )
    print(
        f"each of the {due:,} changes sent the same number of statements at both sizes: "
        f"{'yes' if small['per_change_counts'] == large['per_change_counts'] else 'no'} "
        f"({small['per_change_counts']} / {large['per_change_counts']})"
    )


# --- the child: seeding -------------------------------------------------------------------------


def copy_text(value) -> str:
    """One value in COPY's text format."""
    from decimal import Decimal

    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(value, int | Decimal):
        value = str(value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


class Raw(str):
    """A value already in COPY's text format."""


class RowTemplate:
    """A table's template row as COPY text, with some columns filled per row."""

    def __init__(self, table: str, pk: int, varying: tuple[str, ...]) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            # The table names are the models' own (Model._meta.db_table), never input.
            cursor.execute(f'SELECT * FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
            row = cursor.fetchone()
            self.columns = [column.name for column in cursor.description]
        self.table = table
        missing = set(varying) - set(self.columns)
        if missing:
            raise SystemExit(f"{table} has no column {sorted(missing)}")
        self.parts = [copy_text(value) for value in row]
        self.positions = [self.columns.index(name) for name in varying]

    def line(self, values: tuple) -> str:
        parts = self.parts.copy()
        for position, value in zip(self.positions, values, strict=True):
            parts[position] = value if isinstance(value, Raw) else copy_text(value)
        return "\t".join(parts) + "\n"

    def statement(self) -> str:
        return f'COPY "{self.table}" ({", ".join(self.columns)}) FROM STDIN'


def next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')  # noqa: S608
        return cursor.fetchone()[0]


def drop_indexes(table: str) -> list[str]:
    """Drop a table's unique constraints and secondary indexes; return the DDL to rebuild them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'u'",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary",
            [table],
        )
        owned = {name for name, _ in constraints}
        indexes = [(name, ddl) for name, ddl in cursor.fetchall() if name not in owned]
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {ddl}' for name, ddl in constraints] + [
        ddl for _, ddl in indexes
    ]


def seed(labels_wanted: int, due_wanted: int) -> tuple[date, set[int]]:
    """Top the database up to `labels_wanted` labels; returns the sweep date and the due ids."""
    import hashlib

    from django.conf import settings
    from django.db import DatabaseError, connection, transaction
    from label_clones import (
        _tokenised_credential,
        gtin_for,
        serial_for,
    )

    from certification.models import Application, Certificate
    from labels import keys, statuslists
    from labels.credentials import _local_midnight
    from labels.models import Label, StatusList, StatusPurpose
    from labels.vc.dataintegrity import hash_data
    from labels.vc.dates import parse_date_time
    from labels.vc.jcs import canonicalize
    from labels.vc.multibase import base58btc_encode
    from labels.vc.statuslist import MINIMUM_LENGTH, Bitstring
    from oversight.models import Surveillance
    from oversight.supervision.schedule import surveillance_due_dates

    template = Label.objects.select_related(
        "certificate__certification_body", "certificate__application", "signing_key"
    ).get()
    certificate = template.certificate
    surveillance = Surveillance.objects.get(certificate=certificate)
    body = certificate.certification_body
    as_of = certificate.issued_on
    clones = labels_wanted - 1
    step = clones // due_wanted
    due_numbers = {k * step for k in range(due_wanted)}
    started = time.perf_counter()

    # The credential with holes for what differs per clone; its proof re-signed per clone.
    tokenised = _tokenised_credential(template)
    text = json.dumps(tokenised, ensure_ascii=False)
    for value, token in (
        (certificate.number, "@NUMBER@"),
        (template.credential["validFrom"], "@VFROM@"),
        (template.credential["validUntil"], "@VUNTIL@"),
    ):
        text = text.replace(json.dumps(value), json.dumps(token))
    tokenised = json.loads(text)
    proof = tokenised.pop("proof")
    configuration = {name: value for name, value in proof.items() if name != "proofValue"}
    proof_hash = hash_data(configuration, {})[:32]
    canonical = canonicalize(tokenised).decode()
    stored = dict(tokenised, proof={**proof, "proofValue": "@PROOF@"})
    stored_text = copy_text(stored)
    private_key = keys.private_key(template.signing_key)

    def fill(text: str, values: dict[str, str]) -> str:
        for name, value in values.items():
            text = text.replace(f"@{name}@", value)
        return text

    # Fresh status lists for the clones, filled in order.
    lists: dict[str, list[StatusList]] = {}
    for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
        first = (
            max(
                StatusList.objects.filter(body=body, purpose=purpose).values_list(
                    "number", flat=True
                )
            )
            + 1
        )
        lists[purpose] = [
            StatusList.objects.create(
                body=body,
                purpose=purpose,
                number=first + slot,
                length=MINIMUM_LENGTH,
                bits=Bitstring(MINIMUM_LENGTH).to_bytes(),
                allocated=min(clones - slot * MINIMUM_LENGTH, MINIMUM_LENGTH),
            )
            for slot in range(-(-clones // MINIMUM_LENGTH))
        ]
    urls = {
        purpose: [statuslists.status_list_url(entry) for entry in entries]
        for purpose, entries in lists.items()
    }

    tables = {
        "application": RowTemplate(
            Application._meta.db_table, certificate.application_id, ("id", "reference")
        ),
        "certificate": RowTemplate(
            Certificate._meta.db_table,
            certificate.pk,
            (
                "id",
                "application_id",
                "number",
                "sequence",
                "issued_on",
                "valid_until",
                "next_surveillance_due",
                "status_history",
            ),
        ),
        "surveillance": RowTemplate(
            Surveillance._meta.db_table,
            surveillance.pk,
            ("id", "certificate_id", "due_on", "suspend_after"),
        ),
        "label": RowTemplate(
            Label._meta.db_table,
            template.pk,
            (
                "id",
                "certificate_id",
                "serial",
                "gtin",
                "credential",
                "valid_from",
                "valid_until",
                "revocation_list_id",
                "revocation_index",
                "suspension_list_id",
                "suspension_index",
                "supervision",
                "document_stale",
            ),
        ),
    }
    first_id = {key: next_id(row.table) for key, row in tables.items()}
    number_format = settings.CERTIFICATE_NUMBER_FORMAT
    body_code = (body.code or "").upper()
    rebuild = clones >= REBUILD_ROWS
    dropped = {key: drop_indexes(row.table) for key, row in tables.items()} if rebuild else {}
    connection.ensure_connection()
    raw = connection.connection
    try:
        for chunk_start in range(0, clones, CHUNK_ROWS):
            chunk_end = min(chunk_start + CHUNK_ROWS, clones)
            lines: dict[str, list[str]] = {key: [] for key in tables}
            for k in range(chunk_start, chunk_end):
                issued = as_of - timedelta(
                    days=DUE_AGE_DAYS + k % 20 if k in due_numbers else k % (SPREAD_DAYS + 1)
                )
                valid_until = issued + timedelta(days=settings.CERTIFICATE_VALIDITY_DAYS)
                sequence = certificate.sequence + 1 + k
                number = number_format.format(
                    body_code=body_code, year=issued.year, sequence=sequence
                )
                shape = Certificate(
                    issued_on=issued,
                    valid_until=valid_until,
                    surveillance_interval_months=(certificate.surveillance_interval_months),
                )
                due_dates = surveillance_due_dates(shape)
                if len(due_dates) != 1:
                    raise SystemExit(f"clone {k}: {len(due_dates)} surveillances planned")
                due_on = due_dates[0]
                suspend_after = due_on + timedelta(days=certificate.surveillance_grace_days)
                application_id = first_id["application"] + k
                certificate_id = first_id["certificate"] + k
                history = [{"date": issued.isoformat(), "status": "valid", "reason": "issued"}]
                lines["application"].append(
                    tables["application"].line((application_id, f"BENCH-{k:09d}"))
                )
                lines["certificate"].append(
                    tables["certificate"].line(
                        (
                            certificate_id,
                            application_id,
                            number,
                            sequence,
                            issued,
                            valid_until,
                            due_on,
                            history,
                        )
                    )
                )
                lines["surveillance"].append(
                    tables["surveillance"].line(
                        (first_id["surveillance"] + k, certificate_id, due_on, suspend_after)
                    )
                )
                slot, index = divmod(k, MINIMUM_LENGTH)
                valid_from_text = _local_midnight(issued)
                valid_until_text = _local_midnight(valid_until + timedelta(days=1))
                serial = serial_for(k)
                values = {
                    "SERIAL": serial,
                    "GTIN": gtin_for(k),
                    "NUMBER": number,
                    "VFROM": valid_from_text,
                    "VUNTIL": valid_until_text,
                    "RURL": urls[StatusPurpose.REVOCATION][slot],
                    "SURL": urls[StatusPurpose.SUSPENSION][slot],
                    "RIDX": str(index),
                    "SIDX": str(index),
                }
                digest = hashlib.sha256(fill(canonical, values).encode()).digest()
                values["PROOF"] = base58btc_encode(private_key.sign(proof_hash + digest))
                supervision = {
                    "nextSurveillanceDue": due_on.isoformat(),
                    "lastSurveillance": None,
                    "statusHistory": history,
                    "supersededBy": None,
                }
                lines["label"].append(
                    tables["label"].line(
                        (
                            first_id["label"] + k,
                            certificate_id,
                            serial,
                            values["GTIN"],
                            Raw(fill(stored_text, values)),
                            parse_date_time(valid_from_text),
                            parse_date_time(valid_until_text),
                            lists[StatusPurpose.REVOCATION][slot].pk,
                            index,
                            lists[StatusPurpose.SUSPENSION][slot].pk,
                            index,
                            supervision,
                            False,
                        )
                    )
                )
            with transaction.atomic(), raw.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                for key, row in tables.items():
                    with cursor.copy(row.statement()) as copy_in:
                        copy_in.write("".join(lines[key]))
            elapsed = time.perf_counter() - started
            print(f"seed: {chunk_end:,}/{clones:,} clones, {elapsed:.0f} s", flush=True)
    finally:
        if dropped:
            rebuilt = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                for statements in dropped.values():
                    for statement in statements:
                        cursor.execute(statement)
                cursor.execute("RESET maintenance_work_mem")
            print(
                f"seed: rebuilt {sum(map(len, dropped.values()))} indexes and constraints in "
                f"{time.perf_counter() - rebuilt:.0f} s",
                flush=True,
            )
    with connection.cursor() as cursor:
        for row in tables.values():
            sql = (
                f"SELECT setval(pg_get_serial_sequence('\"{row.table}\"', 'id'), "  # noqa: S608
                f'(SELECT MAX(id) FROM "{row.table}"))'
            )
            cursor.execute(sql)
    for entries in lists.values():
        for entry in entries:
            statuslists.sign_list(entry)
    # The due clones' certificates, and one clone checked like an issued label.
    due_ids = {first_id["certificate"] + k for k in due_numbers}
    check = Label.objects.get(serial=serial_for(clones - 1))
    from labels.verification import verify

    if not verify(check.credential).valid:
        raise SystemExit(f"clone {check.serial} does not verify")
    clone_certificate = Certificate.objects.get(pk=check.certificate_id)
    if check.credential["credentialSubject"]["certificateNumber"] != clone_certificate.number:
        raise SystemExit("a clone's credential does not name its certificate")
    print(
        f"seed: {clones:,} clones in {time.perf_counter() - started:.0f} s; clone "
        f"{check.serial} verifies",
        flush=True,
    )
    vacuumed = time.perf_counter()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        with contextlib.suppress(DatabaseError):  # CHECKPOINT needs a superuser: optional
            cursor.execute("CHECKPOINT")
    print(
        f"seed: VACUUM ANALYZE and CHECKPOINT in {time.perf_counter() - vacuumed:.0f} s", flush=True
    )
    return as_of, due_ids


# --- the child: measuring -----------------------------------------------------------------------


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


class Counter:
    """Counts (and keeps) the statements sent through the connection."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.marks: list[int] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def state(due_ids: set[int]) -> dict:
    """What the sweep changes, as numbers to compare before and after."""
    from certification.models import Certificate
    from labels.models import Label, LabelEvent, StatusList
    from labels.vc.statuslist import Bitstring

    suspended = set(Certificate.objects.filter(status="suspended").values_list("pk", flat=True))
    labels = list(
        Label.objects.filter(status="suspended").values_list(
            "certificate_id", "suspension_list_id", "suspension_index"
        )
    )
    bits = {entry.pk: Bitstring.from_bytes(bytes(entry.bits)) for entry in StatusList.objects.all()}
    bits_set = sum(1 for _, list_id, index in labels if bits[list_id].get(index))
    histories = Certificate.objects.filter(pk__in=list(due_ids)).values_list(
        "status_history", flat=True
    )
    return {
        "suspended_certificates": suspended,
        "suspended_labels": {certificate_id for certificate_id, _, _ in labels},
        "suspension_bits_set": bits_set,
        "label_events": LabelEvent.objects.count(),
        "overdue_entries": sum(
            1 for history in histories if history[-1].get("reason") == "surveillance_overdue"
        ),
    }


def explain(statements: list[tuple[str, Any]]) -> list[str]:
    """EXPLAIN each distinct statement; name every sequential scan of a big table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        rows = dict(cursor.fetchall())
    found = set()
    seen = set()
    for sql, params in statements:
        if sql in seen or not sql.lstrip().upper().startswith(
            ("SELECT", "UPDATE", "INSERT", "DELETE")
        ):
            continue
        seen.add(sql)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = plan if isinstance(plan, list) else json.loads(plan)
        stack = [plan[0]["Plan"]]
        while stack:
            node = stack.pop()
            stack.extend(node.get("Plans", []))
            table = node.get("Relation Name")
            if node["Node Type"] == "Seq Scan" and rows.get(table, 0) > BIG_TABLE_ROWS:
                found.add(f"{table} ({sql[:80]}…)")
    return sorted(found)


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    from config.celery import app
    from labels.models import Label
    from oversight.supervision.sweep import supervision_sweep

    if connection.vendor != "postgresql":
        raise SystemExit("The benchmark needs PostgreSQL (DATABASE_URL).")
    if settings.CELERY_TASK_ALWAYS_EAGER or app.conf.task_always_eager:
        raise SystemExit("Celery must not be eager here: CELERY_TASK_ALWAYS_EAGER=false.")
    if settings.CELERY_BROKER_URL != "memory://":
        raise SystemExit("The broker must be memory:// (unset REDIS_URL).")
    as_of, due_ids = seed(args.labels, args.due)
    total = Label.objects.count()
    if total != args.labels:
        raise SystemExit(f"{total:,} labels seeded, {args.labels:,} wanted")
    print(f"measure: sweep as of {as_of}; {len(due_ids):,} certificates due", flush=True)

    counter = Counter()
    plan_times = []
    for _ in range(DRY_RUNS):
        counter.statements.clear()
        with connection.execute_wrapper(counter):
            began = time.perf_counter()
            plan = supervision_sweep(as_of=as_of, dry_run=True)
            plan_times.append(time.perf_counter() - began)
        planned = {change.certificate_id for change in plan}
        if planned != due_ids or {change.new for change in plan} != {"suspended"}:
            raise SystemExit(
                f"the plan lists {len(planned):,} changes, not the {len(due_ids):,} due suspensions"
            )
    plan_statements = list(counter.statements)
    before = state(due_ids)
    if before["suspended_certificates"]:
        raise SystemExit("certificates suspended before the sweep")

    counter = Counter()
    per_change: list[int] = []
    from labels import services as label_services

    apply = label_services.certificate_status_apply

    def counted_apply(**kwargs):
        start = len(counter.statements)
        try:
            return apply(**kwargs)
        finally:
            per_change.append(len(counter.statements) - start)

    import oversight.supervision.sweep as sweep_module

    sweep_module.certificate_status_apply = counted_apply
    profiler = cProfile.Profile() if args.profile else None
    load_average = os.getloadavg()[0]
    busy, ticks = cpu_ticks()
    try:
        with connection.execute_wrapper(counter):
            began, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            done = supervision_sweep(as_of=as_of)
            if profiler:
                profiler.disable()
            sweep_s, sweep_cpu = time.perf_counter() - began, time.process_time() - cpu
    finally:
        sweep_module.certificate_status_apply = apply
    busy_after, ticks_after = cpu_ticks()
    machine_busy = (busy_after - busy) / max(ticks_after - ticks, 1)
    if profiler:
        print("profile of the sweep (its time above includes the profiler's overhead):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    sweep_statements = list(counter.statements)
    after = state(due_ids)
    if {change.certificate_id for change in done} != due_ids:
        raise SystemExit(f"the sweep changed {len(done):,} certificates, not the due ones")
    expected = {
        "suspended_certificates": due_ids,
        "suspended_labels": due_ids,
        "suspension_bits_set": len(due_ids),
        "label_events": before["label_events"] + len(due_ids),
        "overdue_entries": len(due_ids),
    }
    for key, value in expected.items():
        if after[key] != value:
            shown = len(after[key]) if isinstance(after[key], set) else after[key]
            raise SystemExit(f"after the sweep, {key} is {shown}, not as planned")

    counter = Counter()
    with connection.execute_wrapper(counter):
        began = time.perf_counter()
        again = supervision_sweep(as_of=as_of)
        second_s = time.perf_counter() - began
    if again or state(due_ids) != after:
        raise SystemExit(f"the second sweep changed {len(again)} certificates")
    second_queries = len(counter.statements)

    seq_scans = explain(plan_statements + sweep_statements)
    result: dict[str, Any] = {
        "labels": total,
        "changed": len(done),
        "plan_s": statistics.median(plan_times),
        "plan_queries": len(plan_statements),
        "sweep_s": sweep_s,
        "sweep_cpu_s": sweep_cpu,
        "queries": len(sweep_statements),
        "second_s": second_s,
        "second_queries": second_queries,
        "per_change_counts": sorted(set(per_change)),
        "big_seq_scans": ", ".join(seq_scans),
        "load_average": load_average,
        "machine_busy": machine_busy,
    }
    print(
        f"measure: plan {result['plan_s'] * 1000:.1f} ms ({len(plan_statements)} statements); "
        f"sweep {sweep_s:.2f} s, {len(sweep_statements):,} statements, {len(done):,} "
        f"suspended (checked); second sweep {second_s * 1000:.1f} ms, nothing changed",
        flush=True,
    )
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['sizes'][0]:,} and {QUICK['sizes'][1]:,} labels, {QUICK['due']} due",
    )
    parser.add_argument("--keep", action="store_true", help="keep the two databases")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print a cProfile of each sweep (slows the sweep down)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL; its database name is the prefix of the two databases the run creates",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--labels", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--due", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
    else:
        if not args.database_url.startswith(("postgres://", "postgresql://")):
            raise SystemExit("DATABASE_URL must point at PostgreSQL.")
        parent(args)


if __name__ == "__main__":
    main()
