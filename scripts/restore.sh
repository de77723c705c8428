#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and media directory (no
# media directory for a backup taken with STORAGE_URL set: the files stayed in the object store).
#
#   scripts/restore.sh DIRECTORY
#
# Reads DATABASE_URL and MEDIA_ROOT like the platform. Checks SHA256SUMS first; refuses a
# database that already has tables, so a restore never mixes two states. Afterwards run
# `manage.py migrate` (a no-op for a backup of the same version) and `manage.py audit_verify`.
set -euo pipefail
cd "$(dirname "$0")/.."

source_dir="${1:?usage: scripts/restore.sh DIRECTORY}"
database_url="${DATABASE_URL:-sqlite:///$PWD/db.sqlite3}"
media_root="${MEDIA_ROOT:-$PWD/media}"

(cd "$source_dir" && sha256sum --check --quiet SHA256SUMS)

case "$database_url" in
  postgres://*|postgresql://*)
    url="${database_url/#postgres:/postgresql:}"
    tables=$(psql "$url" -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    if [ "$tables" != "0" ]; then
      echo "restore.sh: the target database already has $tables tables; restore into an empty one" >&2
      exit 1
    fi
    pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
      --dbname="$url" "$source_dir/database.dump"
    ;;
  sqlite:///*)
    path="${database_url#sqlite://}"
    if [ -s "$path" ]; then
      echo "restore.sh: $path exists; restore into a new file" >&2
      exit 1
    fi
    cp "$source_dir/database.sqlite3" "$path"
    ;;
  *)
    echo "restore.sh: unsupported DATABASE_URL scheme: ${database_url%%:*}" >&2
    exit 2
    ;;
esac

# A backup taken with STORAGE_URL set has no files: the object store kept them.
if [ -f "$source_dir/media.tar.gz" ]; then
  mkdir -p "$media_root"
  tar -C "$media_root" -xzf "$source_dir/media.tar.gz"
fi
echo "restored $source_dir"
