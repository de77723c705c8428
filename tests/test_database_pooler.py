"""DATABASE_POOLER=pgbouncer: the settings a transaction-mode pooler needs (config/database.py).
tests/integration/test_pgbouncer.py runs the platform through a real PgBouncer."""

import os
import subprocess
import sys

import environ
import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.database import (
    PREPARE_WHEN_ASKED,
    database_behind_pooler,
    database_with_prepared_statements,
)

URL = "postgres://carbonlabel@db.internal:6432/carbonlabel"


def test_behind_pgbouncer_nothing_outlives_a_transaction() -> None:
    database = environ.Env.db_url_config(URL)

    pooled = database_behind_pooler(database, "pgbouncer")

    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["OPTIONS"]["prepare_threshold"] is None
    assert (pooled["HOST"], pooled["PORT"], pooled["NAME"]) == ("db.internal", 6432, "carbonlabel")


def test_a_prepare_threshold_in_the_url_is_overruled() -> None:
    database = environ.Env.db_url_config(f"{URL}?prepare_threshold=5&sslmode=require")

    pooled = database_behind_pooler(database, "pgbouncer")

    assert pooled["OPTIONS"] == {"prepare_threshold": None, "sslmode": "require"}
    assert database["OPTIONS"]["prepare_threshold"] == 5  # the caller's dict is left as it was


def test_without_a_pooler_the_settings_are_left_alone() -> None:
    database = environ.Env.db_url_config(URL)

    assert database_behind_pooler(database, "") is database
    assert "DISABLE_SERVER_SIDE_CURSORS" not in database


@pytest.mark.parametrize(
    ("url", "pooler", "message"),
    [
        (URL, "pgpool", "DATABASE_POOLER='pgpool'"),
        ("sqlite:///db.sqlite3", "pgbouncer", "needs a postgres:// DATABASE_URL"),
        (f"{URL}?assume_role=labels", "pgbouncer", "assume_role sets the role once"),
    ],
)
def test_what_a_pooler_cannot_carry_is_refused(url: str, pooler: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        database_behind_pooler(environ.Env.db_url_config(url), pooler)


def settings_printed(script: str, pooler: str) -> str:
    """What `script` prints in a fresh process of the production settings module."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": URL,
        "DATABASE_POOLER": pooler,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_settings_module_reads_the_switch() -> None:
    script = (
        "from django.conf import settings; db = settings.DATABASES['default']; "
        "print(db['DISABLE_SERVER_SIDE_CURSORS'], db['OPTIONS']['prepare_threshold'])"
    )

    assert settings_printed(script, "pgbouncer") == "True None\n"


def test_reached_directly_statements_are_prepared_when_asked() -> None:
    database = environ.Env.db_url_config(URL)

    direct = database_with_prepared_statements(database)

    assert direct["OPTIONS"]["prepare_threshold"] == PREPARE_WHEN_ASKED
    assert "prepare_threshold" not in (database.get("OPTIONS") or {})  # the caller's dict as it was


def test_a_threshold_in_the_url_is_kept_and_sqlite_is_left_alone() -> None:
    database = environ.Env.db_url_config(f"{URL}?prepare_threshold=5")
    sqlite = environ.Env.db_url_config("sqlite:///db.sqlite3")

    assert database_with_prepared_statements(database)["OPTIONS"]["prepare_threshold"] == 5
    assert database_with_prepared_statements(sqlite) is sqlite


def test_the_settings_module_prepares_only_without_a_pooler() -> None:
    script = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS'].get('prepare_threshold'))"
    )
    printed = [settings_printed(script, pooler) for pooler in ("", "pgbouncer")]

    assert printed == [f"{PREPARE_WHEN_ASKED}\n", "None\n"]
