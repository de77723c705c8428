"""The database settings behind a connection pooler in transaction mode (`DATABASE_POOLER`).

PgBouncer with `pool_mode = transaction` lends a server session to a client for one transaction
only; the client's next transaction may run on another session. Whatever outlives a transaction
on the session is then lost or, worse, met by another client:
- a cursor held open between queries: Django's `.iterator()` declares one `WITH HOLD` outside a
  transaction and fetches from it later (`DISABLE_SERVER_SIDE_CURSORS` makes it fetch at once);
- a prepared statement (psycopg prepares a query it has run five times when asked to:
  `prepare_threshold` None never prepares; PgBouncer before 1.21 cannot carry them over);
- a session setting: `assume_role` runs `SET ROLE` once per connection, so it is refused.
The code itself keeps to one transaction for each such state: row locks rather than advisory
locks, `SET LOCAL` inside `transaction.atomic()`, no LISTEN, no temporary tables, exports and
verifiers that page by key (`audits/chain/selectors.py`). The time zone Django sets per
connection is one of the parameters PgBouncer itself carries to every server session.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured

POOLERS = ("", "pgbouncer")


def database_behind_pooler(database: dict[str, Any], pooler: str) -> dict[str, Any]:
    """`database` (one DATABASES entry) as it must be behind `pooler` ("" for none)."""
    if pooler not in POOLERS:
        raise ImproperlyConfigured(
            f"DATABASE_POOLER={pooler!r}: use 'pgbouncer' (transaction mode) or leave it empty."
        )
    if not pooler:
        return database
    if not database["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_POOLER=pgbouncer needs a postgres:// DATABASE_URL.")
    options = dict(database.get("OPTIONS") or {})
    if "assume_role" in options:
        raise ImproperlyConfigured(
            "assume_role sets the role once per connection: behind a transaction-mode pooler "
            "the next transaction may run on another session. Connect as that role instead."
        )
    options["prepare_threshold"] = None
    return {**database, "OPTIONS": options, "DISABLE_SERVER_SIDE_CURSORS": True}


# psycopg prepares a statement when it is asked to or once it has run this many times. Django's
# own cursors bind their parameters on the client, so each query is new text and no count ever
# gets there: only the statements run by ``config.sql.prepared_cursor`` are prepared.
PREPARE_WHEN_ASKED = 2**31 - 1


def database_with_prepared_statements(database: dict[str, Any]) -> dict[str, Any]:
    """`database` with prepared statements allowed on its connections (PostgreSQL reached
    directly, not through a transaction-mode pooler); a threshold set in the URL stays."""
    if not database["ENGINE"].endswith("postgresql"):
        return database
    options = {"prepare_threshold": PREPARE_WHEN_ASKED, **(database.get("OPTIONS") or {})}
    return {**database, "OPTIONS": options}
