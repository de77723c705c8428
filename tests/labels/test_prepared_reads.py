"""The label reads' statements are prepared once per connection on PostgreSQL reached directly
(config/sql.py), and never behind a transaction-mode pooler; the answers are the same, and the
queries are still Django's (logged and counted)."""

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.transparency.selectors import NODE_MEMORY, log_inclusion_proof, log_size
from config.database import PREPARE_WHEN_ASKED
from config.sql import prepared_cursor
from labels import answers, stored

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
    ),
]


def prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {statement for (statement,) in cursor.fetchall()}


@pytest.fixture
def unprepared() -> Iterator[None]:
    """A connection with no prepared statement yet and no node kept in memory."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    NODE_MEMORY.clear()
    yield
    NODE_MEMORY.clear()


def test_the_connection_allows_prepared_statements_when_asked_only():
    assert connection.connection.prepare_threshold == PREPARE_WHEN_ASKED


def test_a_lookup_and_its_proof_nodes_are_prepared_and_still_counted(label, unprepared):
    assert answers.answers_render([label.pk]) == 1

    with CaptureQueriesContext(connection) as queries:
        first = stored.stored_answer(label.serial, "api")
        log_inclusion_proof(0, log_size())
    statements = prepared()
    with CaptureQueriesContext(connection) as again:
        second = stored.stored_answer(label.serial, "api")

    assert first is not None and second == first
    assert len(queries.captured_queries) == 3  # the answer, the log's size, the proof's nodes
    assert any("labels_labelanswer" in statement for statement in statements)
    assert any("audits_lognode" in statement for statement in statements)
    assert len(again.captured_queries) == 1
    assert prepared() == statements  # run again, not prepared again


def test_the_node_statement_is_one_for_any_number_of_keys(label, unprepared):
    for index in range(log_size()):
        NODE_MEMORY.clear()
        log_inclusion_proof(index, log_size())

    node_statements = [s for s in prepared() if "audits_lognode" in s]
    assert 1 <= len(node_statements) <= 2  # one per array type psycopg sends (int2[], int8[])


def test_without_a_threshold_nothing_is_prepared(label, unprepared):
    """What DATABASE_POOLER=pgbouncer sets: the same query runs, unprepared."""
    connection.connection.prepare_threshold = None
    try:
        with prepared_cursor() as cursor:
            cursor.execute("SELECT serial FROM labels_label WHERE id = %s", [label.pk])
            assert cursor.fetchall() == [(label.serial,)]
        assert prepared() == set()
    finally:
        connection.connection.prepare_threshold = PREPARE_WHEN_ASKED


def test_a_batch_prepares_one_statement_per_kind_for_any_number_of_keys(label, unprepared):
    assert answers.answers_render([label.pk]) == 1

    stored.stored_batch({"serial": [label.serial], "certificateNumber": [], "gtin": []})
    assert len([s for s in prepared() if "l.issued_at" in s]) == 1  # none for a kind not asked
    one = stored.stored_batch({"serial": [label.serial]})
    many = stored.stored_batch(
        {
            "serial": [label.serial, "ZZZZZZZZZZZZ"],
            "certificateNumber": [label.certificate.number],
            "gtin": [label.gtin, "00000000000000"],
        }
    )
    statements = prepared()
    stored.stored_batch({"serial": ["A", "B", "C"], "gtin": ["1", "2"]})

    assert len([s for s in statements if "l.issued_at" in s]) == 3  # one per kind
    assert prepared() == statements  # more values, the same statements
    assert [values for values, _answer in one] == [values for values, _answer in many]
    assert many[0][1] == stored.stored_answer(label.serial, "api")  # named thrice, read once
