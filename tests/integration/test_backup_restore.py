"""scripts/backup.sh and scripts/restore.sh: a backup of a certified platform restores into a
fresh database and media directory with every row and file, and the restored platform's
records still verify."""

import hashlib
import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from labels.models import CertificateDocument, Label
from oversight.demo import seed_demo

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
TABLES = [
    "certification_application",
    "labels_label",
    "labels_labelevent",
    "audits_logentry",
    "audits_auditentry",
]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run(command: list[str], **environment: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def counts(url: str) -> dict[str, int]:
    code = (
        "import sys, django; django.setup(); from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    for t in sys.argv[1:]:\n"
        "        c.execute(f'SELECT count(*) FROM {t}'); print(t, c.fetchone()[0])\n"
    )
    result = run(
        [sys.executable, "-c", code, *TABLES],
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return {line.split()[0]: int(line.split()[1]) for line in result.stdout.splitlines()}


TAMPER = (
    "import sys, django; django.setup(); from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    c.execute(sys.argv[1])\n"
)


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def restored_database(tmp_path):
    """An empty database to restore into (a new PostgreSQL database, or a new SQLite file)."""
    source = database_url()
    if source.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = source.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield source.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_every_row_and_file(
    settings, media_root, tmp_path, restored_database
) -> None:
    settings.LABEL_PUBLIC_HOST = "labels.example.cn"
    call_command("load_reference", stdout=StringIO())
    seed_demo()
    assert Label.objects.exists()
    assert CertificateDocument.objects.exists(), "the demo's certificate PDF is a media file"
    backup = tmp_path / "backup"

    run(["scripts/backup.sh", str(backup)], DATABASE_URL=database_url(), MEDIA_ROOT=str(media_root))
    restored_media = tmp_path / "restored-media"
    run(
        ["scripts/restore.sh", str(backup)],
        DATABASE_URL=restored_database,
        MEDIA_ROOT=str(restored_media),
    )

    assert counts(restored_database) == counts(database_url())
    assert files(restored_media) == files(Path(media_root))
    # The restored database is at the code's migration state: nothing left to migrate.
    run(
        [sys.executable, "manage.py", "migrate", "--check", "--noinput"],
        DATABASE_URL=restored_database,
    )
    # The restored audit chain verifies, up to the same head, against the anchors in the restored
    # transparency log; and it is still append-only.
    entries = counts(database_url())["audits_auditentry"]
    assert entries > 0
    verified = run([sys.executable, "manage.py", "audit_verify"], DATABASE_URL=restored_database)
    assert f"audit chain intact: {entries} entries" in verified.stdout
    refused = subprocess.run(
        [sys.executable, "-c", TAMPER, "UPDATE audits_auditentry SET kind = 'x' WHERE seq = 1"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": restored_database,
            "DJANGO_SETTINGS_MODULE": "config.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "append-only" in refused.stderr


def test_with_object_storage_a_backup_holds_the_database_alone(
    settings, media_root, tmp_path, restored_database
) -> None:
    call_command("load_reference", stdout=StringIO())
    (media_root / "left-over.pdf").write_bytes(b"%PDF-1.4 not the platform's files")
    backup = tmp_path / "backup"

    result = run(
        ["scripts/backup.sh", str(backup)],
        DATABASE_URL=database_url(),
        MEDIA_ROOT=str(media_root),
        STORAGE_URL="s3://carbonlabel-files?region_name=cn-north-1",
    )

    assert "the files are in the object store" in result.stderr
    dump = "database.sqlite3" if database_url().startswith("sqlite") else "database.dump"
    assert sorted(path.name for path in backup.iterdir()) == ["SHA256SUMS", dump]
    restored_media = tmp_path / "restored-media"
    run(
        ["scripts/restore.sh", str(backup)],
        DATABASE_URL=restored_database,
        MEDIA_ROOT=str(restored_media),
    )
    assert counts(restored_database) == counts(database_url())
    assert not restored_media.exists()


def test_restore_refuses_a_database_that_has_tables(settings, media_root, tmp_path) -> None:
    call_command("load_reference", stdout=StringIO())
    backup = tmp_path / "backup"
    run(["scripts/backup.sh", str(backup)], DATABASE_URL=database_url(), MEDIA_ROOT=str(media_root))

    result = subprocess.run(
        ["scripts/restore.sh", str(backup)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(), "MEDIA_ROOT": str(tmp_path / "m")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "restore into" in result.stderr


def test_restore_refuses_a_damaged_backup(settings, media_root, tmp_path, restored_database):
    backup = tmp_path / "backup"
    run(["scripts/backup.sh", str(backup)], DATABASE_URL=database_url(), MEDIA_ROOT=str(media_root))
    archive = backup / "media.tar.gz"
    archive.write_bytes(archive.read_bytes() + b"\0")

    result = subprocess.run(
        ["scripts/restore.sh", str(backup)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": restored_database, "MEDIA_ROOT": str(tmp_path / "m")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr
