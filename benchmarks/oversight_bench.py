"""The regulator's dashboard at two sizes: its median render time and SQL queries per render.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/oversight_bench.py

Creates two PostgreSQL databases on the server of DATABASE_URL (default
``postgres://postgres@127.0.0.1:5432``), ``bench_oversight_small`` (10,000 labels, 1,000
applications) and ``bench_oversight_large`` (1,000,000 labels, 100,000 applications), migrates
them, fills them, renders the dashboard through Django's test client as a regulator with the
default filters (one warm-up, then --renders renders), prints the median times, the ratio
large/small and the queries per render, and drops both databases (--keep keeps them).

The data is written by the database itself: one ``INSERT … SELECT … FROM generate_series`` per
table, the constant columns taken from a model instance with its defaults, so that a million
labels take seconds. ``benchmarks/seed_labels.py`` (the load benchmark's COPY) clones one label
onto one certificate; the dashboard needs labels, certificates, applications, events, findings
and recomputations spread over bodies, categories, provinces and months, so it is not reused.
What is simplified: labels carry an empty credential and no signature (the dashboard reads none),
their status list entries are numbered in order, events have no actor.

Each size runs in a child process of its own (Django connects to one database per process).
Figures only: nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {"small": (10_000, 1_000), "large": (1_000_000, 100_000)}
GOAL_RATIO = 1.5


def server_url() -> str:
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    if not url.scheme.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at PostgreSQL.")
    return urlunsplit((url.scheme, url.netloc, "", "", ""))


def database_url(name: str) -> str:
    return f"{server_url()}/{name}"


def admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as connection:
        connection.execute(statement)


# --- the child: one size ----------------------------------------------------------------------


def child(size: str, renders: int) -> dict:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    labels, applications = SIZES[size]
    counts = seed(labels, applications)
    seeded = time.perf_counter() - started
    timings, queries, slowest = measure(renders)
    return {
        "size": size,
        "labels": labels,
        "applications": applications,
        "rows": counts,
        "seed_seconds": round(seeded, 1),
        "timings": timings,
        "queries": queries,
        "slowest": slowest,
    }


def insert_select(
    model, source: str, varying: dict[str, str], template: dict, source_params: tuple = ()
) -> int:
    """INSERT INTO model's table SELECT … FROM `source`: the `varying` columns are SQL
    expressions over `source`, every other column the value of a model instance built from
    `template` (its defaults included). One statement, run by the database."""
    from django.db import connection

    instance = model(**template)
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.column in varying:
            expressions.append(varying[field.column])
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(getattr(instance, field.attname), connection))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *source_params])
        return cursor.rowcount


def seed(label_total: int, application_total: int) -> dict[str, int]:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Membership, Organisation, Province, User
    from accounts.roles import OrganisationKind, Role
    from audits.models import Finding
    from certification.models import (
        Application,
        ApplicationEvent,
        Certificate,
        DossierVersion,
        Product,
        ProductCategory,
    )
    from footprint.models import Recomputation
    from labels.models import Label, LabelEvent, SigningKey, StatusList
    from labels.vc.statuslist import MINIMUM_LENGTH

    now = timezone.now()
    bodies = [
        Organisation.objects.create(
            kind=OrganisationKind.CERTIFICATION_BODY,
            name=f"Bench body {number:02d}",
            code=f"bench{number:02d}",
            uscc=f"9111000000BODY{number:04d}",
        )
        for number in range(12)
    ]
    regulator_organisation = Organisation.objects.create(
        kind=OrganisationKind.REGULATOR, name="Bench regulator"
    )
    regulator = User.objects.create(username="bench-regulator", email="regulator@bench.test")
    Membership.objects.create(
        user=regulator, organisation=regulator_organisation, role=Role.REGULATOR
    )
    creator = User.objects.create(username="bench-enterprise", email="enterprise@bench.test")
    categories = list(
        ProductCategory.objects.filter(parent__isnull=False).values_list("pk", flat=True)
    )
    body_ids = [body.pk for body in bodies]
    provinces = list(Province.values)
    from oversight.dashboard.filters import PROVINCE_USCC_CODES

    regions = [PROVINCE_USCC_CODES[province] for province in provinces]
    enterprise_total = max(application_total // 10, 10)
    counts: dict[str, int] = {}

    counts["enterprises"] = _insert_enterprises(enterprise_total, regions, provinces)
    first_enterprise = (
        Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE)
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )

    counts["products"] = insert_select(
        Product,
        "generate_series(1, %s) AS g(i)",
        {
            "enterprise_id": f"{first_enterprise} + g.i %% {enterprise_total}",
            "model": "'M-' || g.i",
            "category_id": f"(ARRAY{categories})[1 + g.i %% {len(categories)}]",
        },
        {
            "name": "Bench product",
            "manufacturer": "Bench",
            "plant_address": "Bench road 1",
            "gtin": None,
        },
        (application_total,),
    )
    first_product = Product.objects.order_by("pk").values_list("pk", flat=True)[0]

    # Twenty statuses in turn: half approved, a tenth refused, the rest along the way.
    status_cycle = (
        ["approved"] * 10
        + ["refused"] * 2
        + [
            "rejected",
            "withdrawn",
            "submitted",
            "accepted",
            "planned",
            "in_evaluation",
            "technical_review",
            "decision",
        ]
    )
    counts["applications"] = insert_select(
        Application,
        "generate_series(1, %s) AS g(i)",
        {
            "reference": "'BENCH-' || lpad(g.i::text, 9, '0')",
            "enterprise_id": f"{first_enterprise} + g.i %% {enterprise_total}",
            "product_id": f"{first_product} + g.i - 1",
            "certification_body_id": f"(ARRAY{body_ids})[1 + g.i %% {len(body_ids)}]",
            "status": f"(ARRAY{status_cycle})[1 + g.i %% 20]",
            "created_at": "now() - ((g.i::bigint * 7919) %% 330) * interval '1 day' "
            "- (g.i %% 24) * interval '1 hour'",
            "updated_at": "now()",
        },
        {
            "plant_address": "Bench road 1",
            "scheme": "national_pilot",
            "product_rule_name": "Bench rule",
            "product_rule_version": "1",
            "created_by_id": creator.pk,
        },
        (application_total,),
    )

    path = [
        "submitted",
        "accepted",
        "planned",
        "in_evaluation",
        "technical_review",
        "peer_review",
        "decision",
    ]
    steps = (
        "CASE a.status WHEN 'approved' THEN 8 WHEN 'refused' THEN 8 "
        "WHEN 'rejected' THEN 2 WHEN 'withdrawn' THEN 2 "
        + " ".join(f"WHEN '{status}' THEN {index + 1}" for index, status in enumerate(path))
        + " ELSE 0 END"
    )
    counts["application events"] = insert_select(
        ApplicationEvent,
        f"certification_application a CROSS JOIN generate_series(1, 8) AS k(n) "
        f"WHERE k.n <= {steps}",
        {
            "application_id": "a.id",
            "action": "'bench'",
            "from_status": f"CASE WHEN k.n = 1 THEN 'draft' ELSE (ARRAY{path})[k.n - 1] END",
            "to_status": f"CASE WHEN k.n = {steps} AND a.status IN ('approved', 'refused', "
            f"'rejected', 'withdrawn') THEN a.status ELSE (ARRAY{path})[k.n] END",
            "created_at": "a.created_at + k.n * (1 + a.id %% 5) * interval '1 day' "
            "+ (k.n * a.id %% 7) * interval '1 hour'",
        },
        {},
        (),
    )
    counts["dossier versions"] = insert_select(
        DossierVersion,
        "certification_application a",
        {"application_id": "a.id", "frozen_at": "a.created_at", "created_at": "a.created_at"},
        {"number": 1},
        (),
    )
    counts["findings"] = insert_select(
        Finding,
        "certification_dossierversion d CROSS JOIN generate_series(1, 3) AS k(n) "
        "WHERE k.n <= d.application_id %% 4",
        {
            "application_id": "d.application_id",
            "dossier_version_id": "d.id",
            "number": "k.n",
            "severity": "(ARRAY['major', 'minor', 'observation'])[k.n]",
            "raised_at": "d.created_at",
        },
        {"description": "Bench finding", "raised_by_id": creator.pk},
        (),
    )
    counts["recomputations"] = insert_select(
        Recomputation,
        "certification_dossierversion d",
        {
            "dossier_version_id": "d.id",
            "deviation": "CASE WHEN d.id %% 17 = 0 THEN NULL ELSE (d.id * 37 %% 300) / 1000.0 END",
        },
        {
            "gwp_set": "AR6",
            "total": 100,
            "fossil": 100,
            "biogenic": 0,
            "declared_total": 100,
            "materiality": "0.05",
            "lines_count": 3,
        },
        (),
    )
    counts["certificates"] = insert_select(
        Certificate,
        "certification_application a JOIN certification_dossierversion d "
        "ON d.application_id = a.id WHERE a.status = 'approved'",
        {
            "application_id": "a.id",
            "number": "'CFP-BENCH-' || a.id",
            "sequence": "a.id",
            "certification_body_id": "a.certification_body_id",
            "enterprise_id": "a.enterprise_id",
            "product_id": "a.product_id",
            "dossier_version_id": "d.id",
            "issued_on": "(a.created_at + interval '20 days')::date",
            "valid_until": "(a.created_at + interval '750 days')::date",
        },
        {"scheme": "national_pilot", "declared_total": 100, "status": "valid"},
        (),
    )
    certificate_total = counts["certificates"]
    first_certificate = Certificate.objects.order_by("pk").values_list("pk", flat=True)[0]

    key = SigningKey.objects.create(
        body=bodies[0], fragment="bench", public_key_multibase="zBench", private_key_encrypted=b""
    )
    list_count = label_total // MINIMUM_LENGTH + 1
    lists = {
        purpose: [
            StatusList.objects.create(body=bodies[0], purpose=purpose, number=number, bits=b"").pk
            for number in range(list_count)
        ]
        for purpose in ("revocation", "suspension")
    }
    counts["labels"] = insert_select(
        Label,
        "generate_series(0, %s) AS g(n)",
        {
            "certificate_id": f"{first_certificate} + g.n %% {certificate_total}",
            "certificate_version": f"1 + g.n / {certificate_total}",
            "serial": "'S' || lpad(g.n::text, 11, '0')",
            "issued_at": "now() - (g.n::bigint * 7919 %% 330) * interval '1 day'",
            "status": "CASE WHEN g.n %% 97 = 0 THEN 'revoked' WHEN g.n %% 50 = 0 THEN 'suspended' "
            "WHEN g.n %% 41 = 0 THEN 'expired' ELSE 'valid' END",
            "revocation_list_id": f"(ARRAY{lists['revocation']})[1 + g.n / {MINIMUM_LENGTH}]",
            "revocation_index": f"g.n %% {MINIMUM_LENGTH}",
            "suspension_list_id": f"(ARRAY{lists['suspension']})[1 + g.n / {MINIMUM_LENGTH}]",
            "suspension_index": f"g.n %% {MINIMUM_LENGTH}",
        },
        {
            "credential": {},
            "issuer": "did:web:bench",
            "signing_key_id": key.pk,
            "valid_from": now,
            "valid_until": now,
            "gtin": "",
        },
        (label_total - 1,),
    )
    counts["label events"] = insert_select(
        LabelEvent,
        "labels_label l CROSS JOIN generate_series(1, 2) AS k(n) WHERE k.n = 1 "
        "OR (k.n = 2 AND l.status IN ('suspended', 'revoked'))",
        {
            "label_id": "l.id",
            "action": "CASE WHEN k.n = 1 THEN 'issued' WHEN l.status = 'revoked' THEN 'revoked' "
            "ELSE 'suspended' END",
            "created_at": "l.issued_at + (k.n - 1) * (l.id %% 30) * interval '1 day'",
        },
        {"reason": ""},
        (),
    )
    # The services keep the dashboard's counts as they write; rows inserted around them are
    # counted by the same recount the migration's backfill runs.
    from audits.dashboard.facts import dashboard_facts_rebuild

    counts["dashboard count cells"] = dashboard_facts_rebuild()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = "
            "'public'::regnamespace"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    return counts


def _insert_enterprises(total: int, regions: list[str], provinces: list[str]) -> int:
    """Enterprises with a USCC whose region code matches their province; one in ten has no
    province field (the dashboard then reads the USCC)."""
    from django.db import connection

    sql = (
        "INSERT INTO accounts_organisation (kind, name, legal_name, uscc, address, province, "
        "cnca_approval_number, scheme, status, created_at) "
        "SELECT 'enterprise', 'Bench enterprise ' || g.i, '', "
        "'91' || (%s::text[])[1 + g.i %% 31] || lpad(g.i::text, 14, '0'), '', "
        "CASE WHEN g.i %% 10 = 0 THEN '' ELSE (%s::text[])[1 + g.i %% 31] END, "
        "'', '', 'active', now() FROM generate_series(1, %s) AS g(i)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [regions, provinces, total])
        return cursor.rowcount


def measure(renders: int) -> tuple[list[float], list[int], list[tuple[float, str]]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username="bench-regulator"))
    assert client.get("/portal/oversight/dashboard/").status_code == 200  # warm-up
    timings, queries = [], []
    for _ in range(renders):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/portal/oversight/dashboard/")
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200
        queries.append(len(captured))
    slowest: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            slowest.append((time.perf_counter() - started, " ".join(sql.split())[:90]))

    with connection.execute_wrapper(timed):
        client.get("/portal/oversight/dashboard/")
    slowest.sort(reverse=True)
    return timings, queries, slowest[:4]


# --- the parent -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--renders", type=int, default=7)
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--child", choices=list(SIZES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options.child, options.renders)))
        return

    results = {}
    for size in options.sizes:
        name = f"bench_oversight_{size}"
        admin(f'DROP DATABASE IF EXISTS "{name}"')
        admin(f'CREATE DATABASE "{name}"')
        try:
            environment = {
                **os.environ,
                "DATABASE_URL": database_url(name),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "LOG_LEVEL": "WARNING",
            }
            output = subprocess.run(
                [sys.executable, __file__, "--child", size, "--renders", str(options.renders)],
                env=environment,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            ).stdout
            results[size] = json.loads(output.strip().splitlines()[-1])
        finally:
            if not options.keep:
                admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        report(results[size])
    if len(results) == 2:
        small = statistics.median(results["small"]["timings"])
        large = statistics.median(results["large"]["timings"])
        print(f"ratio large/small of the median render: {large / small:.2f} (goal <= {GOAL_RATIO})")
        queries = {size: sorted(set(result["queries"])) for size, result in results.items()}
        print(
            f"SQL queries per render: small {queries['small']}, large {queries['large']} "
            f"({'equal' if queries['small'] == queries['large'] else 'NOT equal'})"
        )


def report(result: dict) -> None:
    timings = [round(seconds * 1000, 1) for seconds in result["timings"]]
    print(
        f"{result['size']}: {result['labels']:,} labels, {result['applications']:,} "
        f"applications (seeded in {result['seed_seconds']} s: "
        + ", ".join(f"{count:,} {name}" for name, count in result["rows"].items())
        + ")"
    )
    print(
        f"  median render {statistics.median(timings):.1f} ms over {len(timings)} renders "
        f"(min {min(timings):.1f}, max {max(timings):.1f}); "
        f"SQL queries per render: {sorted(set(result['queries']))}"
    )
    for seconds, sql in result["slowest"]:
        print(f"  {seconds * 1000:8.1f} ms  {sql}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
