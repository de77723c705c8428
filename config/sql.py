"""Prepared statements for the few queries every label read runs.

PostgreSQL plans each query it is sent. For a label lookup (one indexed row, joined to its stored
answer and the log's head) planning costs more than answering: 0.41 ms of the server's CPU a
query, of which 0.15 ms once the statement is prepared. Django binds parameters on the client,
so its queries cannot be prepared; ``prepared_cursor`` gives a cursor that binds them on the
server and prepares each statement the first time a connection runs it, then only executes it.

Statements are prepared only where the settings allow it
(``config.database.database_with_prepared_statements``: PostgreSQL reached directly). Behind a
transaction-mode pooler, and on SQLite, the same queries run unprepared. The cursor is Django's
own wrapper around it, so queries are logged, counted by tests and wrapped as any other.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

import psycopg
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from psycopg.abc import Params, QueryNoTemplate


class _PreparingCursor(psycopg.Cursor):
    """Binds on the server and asks for every statement to be prepared (psycopg keeps the
    connection's prepared statements; with ``prepare_threshold`` None it prepares none)."""

    # psycopg's overload for a template (which takes no parameters) is not needed here.
    def execute(  # type: ignore[override]
        self,
        query: QueryNoTemplate,
        params: Params | None = None,
        *,
        prepare: bool | None = None,
        binary: bool | None = None,
    ) -> Self:
        return super().execute(query, params, prepare=True, binary=binary)


class _PreparedDebugWrapper(CursorDebugWrapper):
    """Logs the statement as written: bound on the server, it has no text with the values in."""

    def execute(self, sql, params=None):  # type: ignore[no-untyped-def]
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor on the default database whose statements are planned once per connection.
    Use ``%s`` placeholders with a fixed number of parameters, so that the text repeats."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
    wrapped: CursorWrapper
    if connection.queries_logged:
        wrapped = _PreparedDebugWrapper(raw, connection)
    else:
        wrapped = CursorWrapper(raw, connection)
    with wrapped as cursor:
        yield cursor
