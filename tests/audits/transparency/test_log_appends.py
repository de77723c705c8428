"""The log's writer: one leaf per issuance, status change and key event, in the step's
transaction, with the stored subtrees giving the same roots and proofs as the tree itself."""

import hashlib
import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from audits.transparency import merkle, selectors, services
from audits.transparency.merkle import MemoryTree, leaf_hash, verify_inclusion
from audits.transparency.models import LogEntry, LogHead, LogNode, node_key
from certification.errors import TransitionNotAllowed
from labels import keys
from labels import services as label_services
from labels.models import SigningKey
from labels.vc.jcs import canonicalize


def _entries() -> list[dict]:
    return [json.loads(bytes(row.entry)) for row in LogEntry.objects.order_by("index")]


def _state() -> tuple:
    head = LogHead.objects.filter(pk=1).values_list("size", "frontier").first()
    return (head and (head[0], bytes(head[1])), LogEntry.objects.count(), LogNode.objects.count())


def _tree() -> MemoryTree:
    return MemoryTree(leaf_hash(bytes(row.entry)) for row in LogEntry.objects.order_by("index"))


def test_an_issuance_appends_its_canonical_entry(issue_label) -> None:
    label = issue_label()
    entry = LogEntry.objects.get(subject=label.serial)
    assert entry.kind == "labels:label:issued"
    data = bytes(entry.entry)
    assert canonicalize(json.loads(data)) == data
    assert json.loads(data) == {
        "kind": "labels:label:issued",
        "label": label.serial,
        "certificate": label.certificate.number,
        "certificateVersion": 1,
        "issuer": label.issuer,
        "verificationMethod": label.credential["proof"]["verificationMethod"],
        "credentialSha256": hashlib.sha256(canonicalize(label.credential)).hexdigest(),
        "status": "valid",
        "reasonCode": "issued",
        "time": label.issued_at.isoformat().replace("+00:00", "Z"),
    }
    leaf = LogNode.objects.get(key=node_key(0, entry.index))
    assert bytes(leaf.hash) == hashlib.sha256(b"\x00" + data).digest()
    # The body's first key was created by the same issuance, and logged before the label.
    assert [row["kind"] for row in _entries()] == ["labels:key:created", "labels:label:issued"]
    assert selectors.log_size() == 2
    assert selectors.log_root(2) == _tree().root()


def test_each_status_change_appends_one_entry_per_label(issue_label, body_admin) -> None:
    label = issue_label()
    label_services.label_change_status(
        actor=body_admin, label_id=label.pk, action="suspend", reason="Surveillance overdue"
    )
    label_services.label_change_status(
        actor=body_admin, label_id=label.pk, action="restore", reason="Surveillance closed"
    )
    about = [
        json.loads(bytes(row.entry))
        for row in LogEntry.objects.filter(subject=label.serial).order_by("index")
    ]
    assert [row["kind"] for row in about] == [
        "labels:label:issued",
        "labels:label:suspended",
        "labels:label:restored",
    ]
    assert [row["status"] for row in about] == ["valid", "suspended", "valid"]
    assert about[1]["reasonCode"] == "body_decision"
    assert "Surveillance" not in json.dumps(about)  # the category, never the free text


def test_a_forbidden_status_change_appends_nothing(issue_label, body_admin) -> None:
    label = issue_label()
    before = _state()
    with pytest.raises(TransitionNotAllowed):
        label_services.label_change_status(
            actor=body_admin, label_id=label.pk, action="restore", reason="Not suspended"
        )
    assert _state() == before


def test_key_rotation_and_revocation_are_logged(world, body_admin) -> None:
    body = world.body
    first = keys.signing_key_active(body)
    second = keys.signing_key_rotate(body)
    label_services.signing_key_revoke(actor=body_admin, key_id=second.pk, reason="Compromised")
    rows = _entries()
    kinds = [(row["kind"], row["verificationMethod"]) for row in rows]
    third = SigningKey.objects.get(body=body, retired_at__isnull=True, revoked_at__isnull=True)
    # The revocation creates the body's next key before its own entry is written last.
    assert kinds == [
        ("labels:key:created", keys.verification_method(first)),
        ("labels:key:retired", keys.verification_method(first)),
        ("labels:key:created", keys.verification_method(second)),
        ("labels:key:created", keys.verification_method(third)),
        ("labels:key:revoked", keys.verification_method(second)),
    ]
    assert rows[0]["publicKeyMultibase"] == first.public_key_multibase


def test_a_rolled_back_step_leaves_no_leaf(world, issue_label) -> None:
    issue_label()
    before = _state()

    class StepFailed(Exception):
        pass

    with pytest.raises(StepFailed), transaction.atomic():
        issue_label()
        services.log_append("audits:chain:head", {"head": "00" * 32})
        assert selectors.log_size() == before[0][0] + 2
        raise StepFailed
    assert _state() == before
    # The next append takes the index the rolled-back one had.
    assert services.log_append("audits:chain:head", {"head": "11" * 32}) == before[0][0]


def test_stored_subtrees_give_the_trees_roots_and_proofs(db) -> None:
    indexes = [services.log_append("audits:chain:head", {"n": n}) for n in range(70)]
    indexes += services.log_append_many(
        [("audits:chain:head", {"n": n}, "") for n in range(70, 300)]
    )
    assert indexes == list(range(300))
    tree = _tree()
    assert len(LogNode.objects.filter(key__lt=node_key(1, 0))) == 300
    for size in range(1, 301):
        root = selectors.log_root(size)
        assert root == tree.root(size)
        for index in {0, size // 3, size - 1}:
            proof = selectors.log_inclusion_proof(index, size)
            assert proof == tree.inclusion_proof(index, size)
            verify_inclusion(tree.nodes[(0, index)], index, size, proof, root)
        assert selectors.log_consistency_proof(size // 2, size) == tree.consistency_proof(
            size // 2, size
        )


def test_a_proof_reads_a_logarithmic_number_of_nodes(db) -> None:
    services.log_append_many([("audits:chain:head", {"n": n}, "") for n in range(1000)])
    with CaptureQueriesContext(connection) as queries:
        selectors.log_inclusion_proof(517, 1000)
    assert len(queries) == 1
    # A proof needs at most two nodes per level of the tree.
    assert (
        len({n for group in selectors.merkle.inclusion_node_ids(517, 1000) for n in group})
        <= 2 * 10
    )


def test_the_settled_part_of_a_proof_is_the_same_in_every_later_tree() -> None:
    """What a label's stored answer keeps of each proof (``merkle.settled_height``) is the start
    of the proof to any tree of that size or more, and the rest is what is left to read."""
    tree = MemoryTree(leaf_hash(b"%d" % n) for n in range(160))
    for kept_at in range(1, 160):
        for index in range(kept_at):
            height = merkle.settled_height(index, kept_at)
            settled = [tree.nodes[node] for node in merkle.settled_node_ids(index, height)]
            for size in {kept_at, min(kept_at + 1, 160), min(kept_at + 37, 160), 160}:
                proof = tree.inclusion_proof(index, size)
                assert proof[:height] == settled
                assert len(merkle.inclusion_node_ids(index, size, height)) == len(proof) - height
    # A leaf of a complete subtree of 2^k leaves has a proof of k hashes, all settled.
    assert merkle.settled_height(5, 128) == 7 == len(tree.inclusion_proof(5, 128))
    assert merkle.settled_height(127, 128) == 7
    assert merkle.settled_height(128, 129) == 0  # the newest leaf: nothing is settled yet


def test_an_entry_with_its_settled_hashes_is_proved_with_the_upper_nodes_only(db) -> None:
    services.log_append_many([("audits:chain:head", {"n": n}, "") for n in range(300)])
    tree = _tree()
    entry = bytes(LogEntry.objects.get(index=200).entry)
    settled = selectors.log_settled_proofs([200], 250)[200]  # kept when the log held 250
    hashes = [settled[i : i + 32] for i in range(0, len(settled), 32)]
    assert len(hashes) == merkle.settled_height(200, 250) == 5  # 200 is in [192, 224)
    # Hashes kept for a larger tree than the one asked are not used: the whole proof is read.
    (smaller,) = selectors.log_entries_proved([(200, entry, hashes)], 201)
    assert smaller.inclusion_proof == tree.inclusion_proof(200, 201)
    # With the settled hashes, the lower nodes are not read at all.
    lower = [node_key(*node) for node in merkle.settled_node_ids(200, 5)]
    assert LogNode.objects.filter(key__in=lower).delete()[0] == 5
    (proved,) = selectors.log_entries_proved([(200, entry, hashes)], 300)
    assert proved.inclusion_proof == tree.inclusion_proof(200, 300)
    with pytest.raises(KeyError):
        selectors.log_entries_proved([(200, entry, ())], 300)
    # Entries at or beyond the size are left out.
    assert selectors.log_entries_proved([(200, entry, hashes)], 200) == []


def test_an_entry_too_large_for_a_tile_bundle_is_refused(db) -> None:
    before = _state()
    with pytest.raises(services.EntryTooLarge):
        services.log_append("audits:chain:head", {"padding": "x" * 70_000})
    assert _state() == before


@pytest.mark.django_db(transaction=True)
def test_committed_nodes_read_outside_a_transaction_are_kept_and_proofs_need_no_query(
    issue_label,
) -> None:
    issue_label()
    issue_label()
    size = selectors.log_size()
    tree = _tree()
    assert not selectors.NODE_MEMORY.nodes
    first = selectors.log_inclusion_proof(0, size)
    assert selectors.NODE_MEMORY.nodes
    with CaptureQueriesContext(connection) as queries:
        again = selectors.log_inclusion_proof(0, size)
    assert not queries.captured_queries
    assert first == again == tree.inclusion_proof(0, size)


@pytest.mark.django_db
def test_nodes_read_inside_a_transaction_are_not_kept(issue_label) -> None:
    """A node the transaction wrote itself may yet roll back."""
    issue_label()
    size = selectors.log_size()
    assert connection.in_atomic_block
    assert selectors.log_inclusion_proof(0, size) == _tree().inclusion_proof(0, size)
    assert not selectors.NODE_MEMORY.nodes


def test_the_node_memory_is_emptied_when_full(monkeypatch) -> None:
    memory = selectors._NodeMemory()
    monkeypatch.setattr(selectors._NodeMemory, "SIZE", 3)
    memory.keep({1: b"a", 2: b"b"})
    memory.keep({3: b"c"})
    assert memory.nodes == {1: b"a", 2: b"b", 3: b"c"}
    memory.keep({4: b"d"})
    assert memory.nodes == {4: b"d"}
