"""The chain itself: linkage, the one-writer rollback rule, the database's refusal to change an
entry, `audit_verify` against every kind of tampering, and the hourly anchor."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from audits.chain import selectors, triggers
from audits.chain.models import AuditEntry, AuditHead
from audits.chain.services import chain_anchor, chain_append
from audits.chain.verify import ChainBroken, verify_rows
from audits.tasks import audit_chain_anchor
from audits.transparency.merkle import leaf_hash
from audits.transparency.models import LogEntry, node_key
from audits.transparency.services import log_append_many
from labels.vc.jcs import canonicalize

pytestmark = pytest.mark.django_db
TABLE = "audits_auditentry"


def _append(count: int) -> list[AuditEntry]:
    return [chain_append("tests:thing:done", {"number": n}) for n in range(count)]


def _verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _broken_at(seq: int) -> None:
    with pytest.raises(CommandError, match=rf"audit chain broken at entry {seq}:"):
        call_command("audit_verify")


def _without_trigger(*statements: tuple[str, list]) -> None:
    """Tamper through raw SQL, as someone with the database's password would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER audits_auditentry_append_only")
        else:
            triggers.triggers_remove(connection)
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER audits_auditentry_append_only")
        else:
            triggers.triggers_install(connection)


def test_each_entry_names_the_previous_hash_and_its_number() -> None:
    first, second, third = _append(3)
    assert bytes(first.body).endswith(b',"prev":"' + b"0" * 64 + b'","seq":1}')
    for previous, entry in ((first, second), (second, third)):
        assert json.loads(bytes(entry.body))["prev"] == bytes(previous.hash).hex()
    for entry in (first, second, third):
        body = bytes(entry.body)
        assert hashlib.sha256(body).digest() == bytes(entry.hash)
        assert canonicalize(json.loads(body)) == body
    assert json.loads(bytes(third.body))["event"] == {
        "kind": "tests:thing:done",
        "time": json.loads(bytes(third.body))["event"]["time"],
        "actor": None,
        "application": None,
        "certificate": None,
        "body": None,
        "data": {"number": 2},
    }
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, bytes(head.hash)) == (3, bytes(third.hash))


def test_the_filter_columns_are_recorded(world) -> None:
    entry = chain_append(
        "tests:thing:done",
        {},
        actor=world.persona("regulator"),
        application_id=7,
        certificate_id=8,
        body_id=9,
    )
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert (stored.actor_id, stored.application_id, stored.certificate_id, stored.body_id) == (
        world.persona("regulator").pk,
        7,
        8,
        9,
    )
    event = json.loads(bytes(stored.body))["event"]
    assert (event["actor"], event["application"], event["certificate"], event["body"]) == (
        world.persona("regulator").pk,
        7,
        8,
        9,
    )


def test_a_rolled_back_step_leaves_no_entry() -> None:
    _append(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        chain_append("tests:thing:done", {"number": 99})
        raise RuntimeError("the step fails after its append")
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1]
    assert AuditHead.objects.get(pk=1).seq == 1
    assert chain_append("tests:thing:done", {}).seq == 2


# --- the database refuses changes -----------------------------------------------------------


def test_the_orm_cannot_update_an_entry() -> None:
    entry = _append(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(seq=entry.seq).update(kind="tests:thing:forged")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.kind = "tests:thing:forged"
        entry.save()
    assert AuditEntry.objects.get(seq=entry.seq).kind == "tests:thing:done"


def test_the_orm_cannot_delete_an_entry() -> None:
    entry = _append(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        entry.delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audits_auditentry SET body = body WHERE seq = 1",
        "UPDATE audits_auditentry SET seq = 5 WHERE seq = 1",
        "DELETE FROM audits_auditentry WHERE seq = 1",
        "DELETE FROM audits_auditentry",
    ],
)
def test_raw_sql_cannot_change_an_entry(sql: str) -> None:
    _append(1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 1
    assert "1 entries" in _verify()


# --- audit_verify ---------------------------------------------------------------------------


def test_an_intact_chain_verifies_with_one_line() -> None:
    entries = _append(4)
    assert _verify() == f"audit chain intact: 4 entries, head {bytes(entries[-1].hash).hex()}\n"
    out = __import__("io").StringIO()
    call_command("audit_verify", "--deep", stdout=out)
    assert out.getvalue().startswith("audit chain intact: 4 entries")


def test_an_empty_chain_verifies() -> None:
    assert _verify().startswith("audit chain intact: 0 entries, head " + "0" * 64)


def test_one_byte_changed_is_named() -> None:
    entries = _append(4)
    body = bytearray(bytes(entries[1].body))
    body[body.index(b'"number":1') + 9] = ord("7")
    _without_trigger(("UPDATE audits_auditentry SET body = %s WHERE seq = 2", [bytes(body)]))
    _broken_at(2)


def test_a_changed_entry_with_its_hash_recomputed_breaks_the_next_link() -> None:
    entries = _append(4)
    body = bytes(entries[1].body).replace(b'"number":1', b'"number":7')
    _without_trigger(
        (
            "UPDATE audits_auditentry SET body = %s, hash = %s WHERE seq = 2",
            [body, hashlib.sha256(body).digest()],
        )
    )
    _broken_at(3)


def test_the_last_entry_changed_is_named_by_the_head() -> None:
    """No later entry links to the last one: the head row's hash catches it."""
    entries = _append(3)
    body = bytes(entries[2].body).replace(b'"number":2', b'"number":9')
    _without_trigger(
        (
            "UPDATE audits_auditentry SET body = %s, hash = %s WHERE seq = 3",
            [body, hashlib.sha256(body).digest()],
        )
    )
    _broken_at(3)


def test_a_changed_stored_hash_is_named_by_the_walk_over_hashes() -> None:
    """The fast walk reads the bytes only (they are the record); a stored hash changed alone
    leaves every link intact, so the exact walk over the hashes belongs to --deep."""
    _append(3)
    _without_trigger(("UPDATE audits_auditentry SET hash = %s WHERE seq = 2", [bytes(32)]))
    assert _verify().startswith("audit chain intact: 3 entries")
    with pytest.raises(CommandError, match="broken at entry 2: its bytes do not hash"):
        call_command("audit_verify", "--deep")


@pytest.mark.parametrize(
    ("column", "value"),
    [("kind", "tests:thing:forged"), ("application_id", 99), ("body_id", 7)],
)
def test_deep_verification_names_a_filter_column_that_lies(column: str, value) -> None:
    _append(3)
    _without_trigger((f"UPDATE audits_auditentry SET {column} = %s WHERE seq = 2", [value]))  # noqa: S608
    assert _verify().startswith("audit chain intact: 3 entries")
    name = column.removesuffix("_id")
    with pytest.raises(CommandError, match=rf"broken at entry 2: its {name} column differs"):
        call_command("audit_verify", "--deep")


def test_deep_verification_names_a_changed_time_column() -> None:
    _append(2)
    _without_trigger(
        ("UPDATE audits_auditentry SET created_at = %s WHERE seq = 1", ["2020-01-01 00:00:00"])
    )
    with pytest.raises(CommandError, match="broken at entry 1: its time column differs"):
        call_command("audit_verify", "--deep")


def test_an_entry_deleted_is_named() -> None:
    _append(4)
    _without_trigger(("DELETE FROM audits_auditentry WHERE seq = 3", []))
    _broken_at(3)


def test_the_last_entry_deleted_is_named_by_the_head() -> None:
    _append(4)
    _without_trigger(("DELETE FROM audits_auditentry WHERE seq = 4", []))
    _broken_at(4)


def test_two_entries_swapped_are_named() -> None:
    _append(4)
    _without_trigger(
        ("UPDATE audits_auditentry SET seq = -2 WHERE seq = 2", []),
        ("UPDATE audits_auditentry SET seq = 2 WHERE seq = 3", []),
        ("UPDATE audits_auditentry SET seq = 3 WHERE seq = -2", []),
    )
    _broken_at(2)


def _rewrite_from(seq: int) -> dict[int, bytes]:
    """Rewrite every entry from `seq` on, and the head row, so that the links stay intact; the
    new hashes by number."""
    rewritten, hashes = [], {}
    previous = bytes(AuditEntry.objects.get(seq=seq - 1).hash)
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        event = json.loads(bytes(entry.body))["event"]
        event["data"] = {"number": 1000 + entry.seq}
        body = canonicalize({"event": event, "prev": previous.hex(), "seq": entry.seq})
        previous = hashes[entry.seq] = hashlib.sha256(body).digest()
        rewritten.append(
            (
                "UPDATE audits_auditentry SET body = %s, hash = %s WHERE seq = %s",
                [body, previous, entry.seq],
            )
        )
    _without_trigger(*rewritten)
    AuditHead.objects.filter(pk=1).update(hash=previous)
    return hashes


def test_a_chain_rewritten_consistently_is_caught_by_the_anchor() -> None:
    """Whoever rewrites every entry (and the head row) from some point on keeps the links
    intact; the head anchored in the transparency log still names the old hash."""
    _append(3)
    chain_anchor()
    _append(2)
    _rewrite_from(2)
    assert (
        verify_rows(
            [
                (seq, bytes(body), bytes(digest))
                for seq, body, digest in AuditEntry.objects.order_by("seq").values_list(
                    "seq", "body", "hash"
                )
            ]
        ).entries
        == 5
    )
    _broken_at(3)


def _anchor_forged(seq: int, digest: bytes) -> tuple[int, bytes]:
    """The anchor of `seq` made to name `digest`, in its log entry's bytes: (index, bytes)."""
    index, entry = next(
        (index, bytes(entry))
        for index, entry in LogEntry.objects.filter(kind=selectors.ANCHOR_KIND).values_list(
            "index", "entry"
        )
        if json.loads(bytes(entry))["seq"] == seq
    )
    forged = canonicalize({**json.loads(entry), "hash": digest.hex()})
    with connection.cursor() as cursor:
        cursor.execute('UPDATE audits_logentry SET entry = %s WHERE "index" = %s', [forged, index])
    return index, forged


def _log_padding(count: int) -> None:
    """Log entries about something else, so that the anchors' proofs are not trivial."""
    log_append_many([("tests:thing:done", {"number": n}, "") for n in range(count)])


def test_a_chain_rewritten_with_its_anchor_edited_in_the_log_is_caught() -> None:
    """Whoever rewrites the chain and edits the anchor's bytes in the log to match: the anchor
    no longer hashes to its leaf in the log, so it is not trusted."""
    _log_padding(5)
    _append(3)
    index = chain_anchor()
    _log_padding(6)
    _append(2)
    hashes = _rewrite_from(2)
    assert _anchor_forged(3, hashes[3])[0] == index
    with pytest.raises(
        CommandError,
        match=rf"^audit chain anchor not proved by the transparency log, at entry {index}: "
        rf"its bytes do not hash to its stored leaf \(node 0/{index}\)",
    ):
        call_command("audit_verify")


def test_a_chain_rewritten_with_its_anchor_and_leaf_edited_in_the_log_is_caught() -> None:
    """The forged anchor's leaf recomputed too: its inclusion proof, from the stored nodes,
    no longer leads to the root of the log's signed checkpoint."""
    _log_padding(5)
    _append(3)
    chain_anchor()
    _log_padding(6)
    _append(2)
    hashes = _rewrite_from(2)
    index, forged = _anchor_forged(3, hashes[3])
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE audits_lognode SET hash = %s WHERE "key" = %s',
            [leaf_hash(forged), node_key(0, index)],
        )
    with pytest.raises(
        CommandError,
        match=rf"^audit chain anchor not proved by the transparency log, at entry {index}: "
        r"its leaf is not included under the checkpoint of 12 entries",
    ):
        call_command("audit_verify")


def test_anchors_proved_in_the_log_verify() -> None:
    _log_padding(5)
    _append(3)
    chain_anchor()
    _log_padding(6)
    _append(2)
    chain_anchor()
    assert _verify().startswith("audit chain intact: 5 entries")


def test_the_chain_truncated_below_an_anchor_is_caught() -> None:
    _append(3)
    chain_anchor()
    _without_trigger(("DELETE FROM audits_auditentry WHERE seq >= 2", []))
    AuditHead.objects.filter(pk=1).update(seq=1, hash=AuditEntry.objects.get(seq=1).hash)
    _broken_at(3)


def test_deep_verification_refuses_a_non_canonical_entry() -> None:
    body = b'{"event":{"kind": "x"},"prev":"' + b"0" * 64 + b'","seq":1}'
    rows = [(1, body, hashlib.sha256(body).digest())]
    assert verify_rows(rows).entries == 1
    with pytest.raises(ChainBroken, match="canonical"):
        verify_rows(rows, deep=True)


# --- the anchor -----------------------------------------------------------------------------


def _anchors() -> list[dict]:
    return [
        json.loads(bytes(entry))
        for entry in LogEntry.objects.filter(kind="audits:chain:head")
        .order_by("index")
        .values_list("entry", flat=True)
    ]


def test_the_anchor_appends_the_head_only_when_it_moved() -> None:
    assert audit_chain_anchor() is None  # nothing chained yet
    entries = _append(2)
    first = audit_chain_anchor()
    assert first is not None
    assert audit_chain_anchor() is None
    assert [(a["seq"], a["hash"]) for a in _anchors()] == [(2, bytes(entries[1].hash).hex())]
    third = chain_append("tests:thing:done", {})
    assert audit_chain_anchor() == first + 1
    assert [(a["seq"], a["hash"]) for a in _anchors()] == [
        (2, bytes(entries[1].hash).hex()),
        (3, bytes(third.hash).hex()),
    ]
    assert LogEntry.objects.get(index=first).subject == "audit-chain"
    assert "3 entries" in _verify()


@pytest.mark.django_db(transaction=True)
def test_a_committing_test_is_flushed_with_the_trigger_in_place() -> None:
    """tests/conftest.py lets the flush after this test empty the chain on SQLite; the trigger
    is in place while the test runs."""
    _append(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_next_committing_test_starts_from_an_empty_chain() -> None:
    assert AuditEntry.objects.count() == 0
    assert chain_append("tests:thing:done", {}).seq == 1
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.all().delete()


# --- stretches of the walk ------------------------------------------------------------------


def test_stretches_join_only_where_each_links_to_the_hash_before_it() -> None:
    from audits.chain.verify import Stretch, chain_summary

    first = Stretch(first=1, last=4, links_to=bytes(32), head=b"a" * 32)
    joined = Stretch(first=5, last=6, links_to=b"a" * 32, head=b"b" * 32)
    assert chain_summary([first, joined], anchors={}).head == b"b" * 32
    with pytest.raises(ChainBroken, match="entry 5: it does not link"):
        chain_summary(
            [first, Stretch(first=5, last=6, links_to=b"c" * 32, head=b"b" * 32)], anchors={}
        )
    with pytest.raises(ChainBroken, match="entry 5: missing"):
        chain_summary(
            [first, Stretch(first=6, last=6, links_to=b"a" * 32, head=b"b" * 32)], anchors={}
        )
    with pytest.raises(ChainBroken, match="entry 1: it does not link"):
        chain_summary([Stretch(first=1, last=1, links_to=b"x" * 32, head=b"a" * 32)], anchors={})


# --- the walk in pages -----------------------------------------------------------------------


def test_pages_crossing_from_one_digit_to_three_verify(monkeypatch) -> None:
    """The walk cuts each link from where the number's digits put it: pages of 7 entries
    cross from 9 to 10 and from 99 to 100 inside a page."""
    monkeypatch.setattr(selectors, "PAGE_ENTRIES", 7)
    entries = _append(120)
    assert _verify() == f"audit chain intact: 120 entries, head {bytes(entries[-1].hash).hex()}\n"


@pytest.mark.parametrize("seq", [1, 9, 10, 56, 99, 100, 120])
def test_a_changed_byte_is_named_wherever_it_is_in_its_page(monkeypatch, seq: int) -> None:
    monkeypatch.setattr(selectors, "PAGE_ENTRIES", 7)
    entries = _append(120)
    body = bytes(entries[seq - 1].body).replace(b'"number":', b'"numbeR":')
    _without_trigger(("UPDATE audits_auditentry SET body = %s WHERE seq = %s", [body, seq]))
    _broken_at(seq)


def test_a_newline_put_into_an_entry_is_named() -> None:
    """On PostgreSQL a page arrives as its entries joined by newlines: a newline put into an
    entry splits it in two, and neither piece links."""
    entries = _append(4)
    body = bytes(entries[1].body).replace(b'"number":1', b'"number":\n1')
    _without_trigger(("UPDATE audits_auditentry SET body = %s WHERE seq = 2", [body]))
    _broken_at(2)


def test_a_page_missing_whole_is_named(monkeypatch) -> None:
    monkeypatch.setattr(selectors, "PAGE_ENTRIES", 3)
    _append(10)
    _without_trigger(("DELETE FROM audits_auditentry WHERE seq BETWEEN 4 AND 6", []))
    _broken_at(4)


def test_the_fast_walk_alone_passes_an_intact_chain_and_fails_a_changed_one(monkeypatch) -> None:
    """The walk over pages decides an intact chain on its own (the walk over the stored hashes
    runs only after it fails), and fails on a change."""
    from audits.chain.verify import walk_stretch

    monkeypatch.setattr(selectors, "PAGE_ENTRIES", 7)
    entries = _append(120)
    walked = walk_stretch(selectors.chain_pages(up_to=120), first=1, anchors={})
    assert (walked.first, walked.last, walked.links_to) == (1, 120, bytes(32))
    assert walked.head == bytes(entries[-1].hash)
    body = bytes(entries[56].body).replace(b'"number":', b'"numbeR":')
    _without_trigger(("UPDATE audits_auditentry SET body = %s WHERE seq = 57", [body]))
    with pytest.raises(ChainBroken, match="entry 57: an entry of the page from here on"):
        walk_stretch(selectors.chain_pages(up_to=120), first=1, anchors={})


def _pack_entry_3_into_row_2() -> None:
    """Entry 3 appended to row 2 after a newline, and row 3 deleted: joined by newlines, the
    rows read exactly like the chain."""
    entries = _append(6)
    chain_anchor()
    packed = bytes(entries[1].body) + b"\n" + bytes(entries[2].body)
    _without_trigger(
        ("UPDATE audits_auditentry SET body = %s WHERE seq = 2", [packed]),
        ("DELETE FROM audits_auditentry WHERE seq = 3", []),
    )


def test_two_entries_packed_into_one_row_are_named() -> None:
    _pack_entry_3_into_row_2()
    _broken_at(2)


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY of pages is PostgreSQL's"
)


@postgresql_only
def test_a_page_that_splits_into_more_entries_than_rows_fails_the_fast_walk() -> None:
    """The page's count of rows tells the packed row apart (the walk over the stored hashes
    then names it)."""
    _pack_entry_3_into_row_2()
    with pytest.raises(ChainBroken, match="entry 1: its page does not split into its rows"):
        list(selectors.chain_pages(up_to=6))


@postgresql_only
def test_a_walk_that_fails_early_leaves_the_transaction_usable() -> None:
    """The fast walk fails on its first page while the COPY still streams 100,000 more rows:
    the rest is read, not cancelled, so the walk over the stored hashes that follows in the
    same transaction runs and names the entry."""
    entries = _append(3)
    body = bytes(entries[0].body).replace(b'"number":', b'"numbeR":')
    _without_trigger(
        ("UPDATE audits_auditentry SET body = %s WHERE seq = 1", [body]),
        (
            "INSERT INTO audits_auditentry (seq, kind, created_at, body, hash)"
            " SELECT n, 'tests:filler', now(), convert_to(repeat('y', 300), 'UTF8'), ''::bytea"
            " FROM generate_series(4, 100000) AS n",
            [],
        ),
    )
    AuditHead.objects.filter(pk=1).update(seq=100_000)
    assert connection.in_atomic_block
    _broken_at(1)
    assert AuditEntry.objects.filter(seq=1).exists()  # the transaction is still usable
