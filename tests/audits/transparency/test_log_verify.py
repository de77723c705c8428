"""`manage.py log_verify`: the tree rebuilt from the entries, page by page, against the stored
nodes, the head and the signed checkpoint; each kind of tampering named, with exit 1."""

from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audits.transparency import merkle, note, services, verify
from audits.transparency.checkpoints import log_origin, log_private_key
from audits.transparency.models import LogEntry, LogHead, node_key

pytestmark = pytest.mark.django_db

ENTRIES = 20  # 16 + 4: the tree's root is folded from nodes 4/0 and 2/4


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch) -> None:
    """Pages of 7 entries: the walk crosses pages, and the checkpoint of 12 ends inside one."""
    monkeypatch.setattr(verify, "PAGE_ENTRIES", 7)


def _append(count: int = ENTRIES) -> merkle.MemoryTree:
    services.log_append_many([("tests:thing:done", {"number": n}, "") for n in range(count)])
    return merkle.MemoryTree(
        merkle.leaf_hash(bytes(entry))
        for entry in LogEntry.objects.order_by("index").values_list("entry", flat=True)
    )


def _verify(*args: str) -> str:
    out = StringIO()
    call_command("log_verify", *args, stdout=out)
    return out.getvalue()


def _broken_at(where: str, *args: str) -> None:
    with pytest.raises(CommandError, match=rf"^transparency log broken at {where}") as raised:
        call_command("log_verify", *args)
    assert raised.value.returncode == 1


def _tamper(sql: str, params: list) -> None:
    """Through raw SQL, as someone with the database's password would."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _checkpoint_file(tmp_path, size: int, root: bytes, key=None) -> str:
    """A signed checkpoint kept by someone (a witness, a visitor), written to a file."""
    text = note.checkpoint_text(log_origin(), size, root)
    path = tmp_path / "checkpoint"
    path.write_text(note.sign(text, log_origin(), key or log_private_key()), encoding="utf-8")
    return str(path)


# --- an intact log ------------------------------------------------------------------------


def test_an_intact_log_verifies_with_one_line() -> None:
    tree = _append()
    assert _verify() == (
        f"transparency log intact: {ENTRIES} entries, root {tree.root().hex()}, "
        f"checkpoint of {ENTRIES} entries verified\n"
    )


def test_an_empty_log_verifies() -> None:
    assert _verify() == (
        f"transparency log intact: 0 entries, root {merkle.EMPTY_ROOT.hex()}, "
        "checkpoint of 0 entries verified\n"
    )


def test_a_kept_checkpoint_of_an_older_size_verifies(tmp_path) -> None:
    """A checkpoint kept at 12 entries (inside the second page) has the rebuilt root there."""
    tree = _append()
    kept = _checkpoint_file(tmp_path, 12, tree.root(12))
    assert _verify("--checkpoint", kept).endswith("checkpoint of 12 entries verified\n")


# --- entries ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 9, ENTRIES - 1])
def test_an_edited_entry_is_named(index: int) -> None:
    _append()
    entry = bytes(LogEntry.objects.get(index=index).entry).replace(b'"number":', b'"numbeR":')
    _tamper('UPDATE audits_logentry SET entry = %s WHERE "index" = %s', [entry, index])
    _broken_at(rf"entry {index}: its bytes do not hash to its stored leaf \(node 0/{index}\)")


def test_a_deleted_entry_is_named() -> None:
    _append()
    _tamper('DELETE FROM audits_logentry WHERE "index" = %s', [9])
    _broken_at(r"entry 9: missing \(the next stored entry is 10\)")


def test_the_last_entry_deleted_is_named_by_the_head() -> None:
    _append()
    _tamper('DELETE FROM audits_logentry WHERE "index" = %s', [ENTRIES - 1])
    _broken_at(rf"entry {ENTRIES - 1}: missing \(the head counts it\)")


# --- stored nodes -------------------------------------------------------------------------


@pytest.mark.parametrize(("height", "index"), [(1, 3), (2, 1), (3, 1), (4, 0), (2, 4)])
def test_an_edited_node_is_named(height: int, index: int) -> None:
    _append()
    _tamper(
        'UPDATE audits_lognode SET hash = %s WHERE "key" = %s',
        [bytes(32), node_key(height, index)],
    )
    _broken_at(rf"node {height}/{index}: its stored hash differs from the rebuilt one")


def test_an_edited_leaf_is_named_by_its_entry() -> None:
    _append()
    _tamper('UPDATE audits_lognode SET hash = %s WHERE "key" = %s', [bytes(32), node_key(0, 5)])
    _broken_at(r"entry 5: its bytes do not hash to its stored leaf \(node 0/5\)")


def test_a_deleted_node_is_named() -> None:
    _append()
    _tamper('DELETE FROM audits_lognode WHERE "key" = %s', [node_key(2, 3)])
    _broken_at("node 2/3: not stored")


def test_an_entry_rewritten_with_its_leaf_is_named_by_the_subtree_above() -> None:
    """Whoever changes an entry and recomputes its leaf leaves the parent node behind."""
    _append()
    entry = bytes(LogEntry.objects.get(index=6).entry).replace(b'"number":6', b'"number":9')
    _tamper('UPDATE audits_logentry SET entry = %s WHERE "index" = 6', [entry])
    _tamper(
        'UPDATE audits_lognode SET hash = %s WHERE "key" = %s',
        [merkle.leaf_hash(entry), node_key(0, 6)],
    )
    _broken_at("node 1/3: its stored hash differs from the rebuilt one")


# --- the head and the checkpoint ----------------------------------------------------------


def test_a_head_whose_frontier_differs_is_named() -> None:
    tree = _append()
    forged = tree.frontier[0] + bytes(32)  # the subtrees 4/0 and 2/4
    LogHead.objects.filter(pk=1).update(frontier=forged)
    _broken_at("the head: its frontier's node 2/4 differs")


def test_a_head_with_a_frontier_too_short_is_named() -> None:
    tree = _append()
    LogHead.objects.filter(pk=1).update(frontier=tree.frontier[0])
    _broken_at("the head: its frontier is 32 bytes, the tree of 20 entries has 2 subtrees")


def test_a_kept_checkpoint_whose_root_differs_is_named(tmp_path) -> None:
    """A log rewritten from entry 3 on, nodes and head included, is consistent in itself; a
    checkpoint kept before still names the old root."""
    tree = _append()
    kept = _checkpoint_file(tmp_path, 12, tree.root(12))
    entry = bytes(LogEntry.objects.get(index=3).entry).replace(b'"number":3', b'"number":7')
    _tamper('UPDATE audits_logentry SET entry = %s WHERE "index" = 3', [entry])
    rewritten = merkle.MemoryTree(
        merkle.leaf_hash(bytes(row))
        for row in LogEntry.objects.order_by("index").values_list("entry", flat=True)
    )
    for (height, index), value in rewritten.nodes.items():
        _tamper(
            'UPDATE audits_lognode SET hash = %s WHERE "key" = %s', [value, node_key(height, index)]
        )
    LogHead.objects.filter(pk=1).update(frontier=b"".join(rewritten.frontier))
    assert _verify().startswith(f"transparency log intact: {ENTRIES} entries")
    _broken_at(
        "the checkpoint of 12 entries: its root differs from the rebuilt tree's",
        "--checkpoint",
        kept,
    )


def test_the_served_checkpoint_whose_root_differs_is_named(monkeypatch) -> None:
    """The latest checkpoint the log serves must have the rebuilt root at its size."""
    tree = _append()
    signed = note.sign(
        note.checkpoint_text(log_origin(), ENTRIES, tree.root(ENTRIES - 1)),
        log_origin(),
        log_private_key(),
    )
    monkeypatch.setattr(verify, "checkpoint_signed", lambda: (ENTRIES, signed))
    _broken_at(f"the checkpoint of {ENTRIES} entries: its root differs from the rebuilt tree's")


def test_a_checkpoint_larger_than_the_log_is_named(tmp_path) -> None:
    """A log cut back to 15 entries, head and all, cannot have the tree of a kept checkpoint."""
    tree = _append()
    kept = _checkpoint_file(tmp_path, ENTRIES, tree.root())
    _tamper('DELETE FROM audits_logentry WHERE "index" >= %s', [15])
    shorter = merkle.MemoryTree(tree.nodes[(0, index)] for index in range(15))
    _tamper("DELETE FROM audits_lognode", [])
    for (height, index), value in shorter.nodes.items():
        _tamper(
            'INSERT INTO audits_lognode ("key", hash) VALUES (%s, %s)',
            [node_key(height, index), value],
        )
    LogHead.objects.filter(pk=1).update(size=15, frontier=b"".join(shorter.frontier))
    assert _verify().startswith("transparency log intact: 15 entries")
    _broken_at(
        f"the checkpoint of {ENTRIES} entries: larger than the log's head of 15 entries",
        "--checkpoint",
        kept,
    )


def test_a_checkpoint_signed_by_another_key_is_refused(tmp_path) -> None:
    tree = _append()
    kept = _checkpoint_file(tmp_path, ENTRIES, tree.root(), key=Ed25519PrivateKey.generate())
    _broken_at("the checkpoint: the note is not signed by this key", "--checkpoint", kept)
