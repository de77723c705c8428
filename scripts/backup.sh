#!/usr/bin/env bash
# Back up the database and the uploaded files into one directory.
#
#   scripts/backup.sh [DIRECTORY]        (default: backups/<UTC time>)
#
# Reads DATABASE_URL (PostgreSQL, or the embedded SQLite default) and MEDIA_ROOT (default
# media/) like the platform. Writes database.dump (pg_dump custom format) or database.sqlite3,
# media.tar.gz and SHA256SUMS; restore with scripts/restore.sh DIRECTORY. With STORAGE_URL set
# the files live in the object store, which keeps them itself (versioning, replication): only
# the database is written (docs/operations.md, "Object storage").
set -euo pipefail
cd "$(dirname "$0")/.."

database_url="${DATABASE_URL:-sqlite:///$PWD/db.sqlite3}"
media_root="${MEDIA_ROOT:-$PWD/media}"
target="${1:-backups/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$target"

case "$database_url" in
  postgres://*|postgresql://*)
    # One consistent snapshot of the whole database, in the format pg_restore reads.
    pg_dump --format=custom --no-owner --no-privileges --file="$target/database.dump" \
      --dbname="${database_url/#postgres:/postgresql:}"
    ;;
  sqlite:///*)
    # SQLite's online backup: consistent even while the platform writes.
    sqlite3 "${database_url#sqlite://}" ".backup '$target/database.sqlite3'"
    ;;
  *)
    echo "backup.sh: unsupported DATABASE_URL scheme: ${database_url%%:*}" >&2
    exit 2
    ;;
esac

media_archive=""
if [ -n "${STORAGE_URL:-}" ]; then
  echo "backup.sh: STORAGE_URL is set: the files are in the object store, not in this backup" >&2
else
  media_archive=media.tar.gz
  if [ -d "$media_root" ]; then
    tar -C "$media_root" -czf "$target/$media_archive" .
  else
    tar -czf "$target/$media_archive" --files-from /dev/null
  fi
fi
(cd "$target" && sha256sum database.* ${media_archive:+"$media_archive"} > SHA256SUMS)
echo "backup written to $target"
