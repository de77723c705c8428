"""A PostgreSQL database of a benchmark's own: created, migrated, set up for Django, dropped.

    with scratch_database("postgres://postgres@127.0.0.1:5432/bench_log"):
        ...  # Django is set up on the new, migrated database

The database named in the URL is dropped first if it exists, and dropped again at the end,
whatever happens in between.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]


def database_url(base: str, name: str) -> str:
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


def admin_sql(base: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as conn:
        conn.execute(statement)


@contextmanager
def scratch_database(url: str) -> Iterator[None]:
    name = urlsplit(url).path.lstrip("/")
    admin_sql(url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(url, f'CREATE DATABASE "{name}"')
    try:
        os.environ.update(
            {
                "DATABASE_URL": url,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "LOG_LEVEL": "WARNING",
            }
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        try:
            yield
        finally:
            connection.close()
    finally:
        admin_sql(url, f'DROP DATABASE IF EXISTS "{name}"')
