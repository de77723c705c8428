"""The log's public endpoints: checkpoints checked by a signed-note reader written here, apart
from audits.transparency.note; tiles decoding to the leaf hashes; proofs; a label's log.json."""

import base64
import hashlib
import json
import re
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.test import Client

from audits.transparency import merkle, note, services
from audits.transparency.merkle import MemoryTree, verify_consistency, verify_inclusion
from audits.transparency.models import LogEntry, LogNode, node_key
from labels import services as label_services

HOST = "labels.example.cn"


@pytest.fixture(autouse=True)
def _host(settings) -> None:
    settings.LABEL_PUBLIC_HOST = HOST
    settings.TRANSPARENCY_LOG_KEY = base64.b64encode(bytes(range(32))).decode()


# --- An independent reader of signed notes and checkpoints ---------------------------------

SIGNATURE_LINE = re.compile("^\u2014 (?P<name>[^ ]+) (?P<sig>[A-Za-z0-9+/]+=*)$")


def read_checkpoint(signed: str, verifier_key: str) -> tuple[str, int, bytes]:
    """Check the note's Ed25519 signature by `verifier_key`; the checkpoint's three lines."""
    name, key_hash_hex, key_b64 = verifier_key.strip().split("+", 2)
    key_bytes = base64.b64decode(key_b64)
    assert key_bytes[0] == 1 and len(key_bytes) == 33
    expected_id = hashlib.sha256(name.encode("utf-8") + b"\x0a\x01" + key_bytes[1:]).digest()[:4]
    assert expected_id.hex() == key_hash_hex
    body, separator, signatures = signed.partition("\n\n")
    assert separator and signed.endswith("\n")
    text = body + "\n"
    verified = False
    for line in signatures.rstrip("\n").split("\n"):
        match = SIGNATURE_LINE.match(line)
        assert match, line
        raw = base64.b64decode(match["sig"])
        if match["name"] == name and raw[:4] == expected_id:
            Ed25519PublicKey.from_public_bytes(key_bytes[1:]).verify(raw[4:], text.encode())
            verified = True
    assert verified, "no signature by the log's key"
    origin, size, root_b64 = body.split("\n")[:3]
    return origin, int(size), base64.b64decode(root_b64)


def _checkpoint(client: Client) -> tuple[str, int, bytes, str]:
    key = client.get("/log/key").content.decode()
    signed = client.get("/log/checkpoint").content.decode()
    return (*read_checkpoint(signed, key), signed)


def _tree() -> MemoryTree:
    return MemoryTree(
        merkle.leaf_hash(bytes(row.entry)) for row in LogEntry.objects.order_by("index")
    )


def _fill(count: int) -> None:
    services.log_append_many([("audits:chain:head", {"n": n}, "") for n in range(count)])


def test_the_checkpoint_verifies_with_an_independent_reader(db, client) -> None:
    _fill(300)
    response = client.get("/log/checkpoint")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    match = re.search(r"max-age=(\d+)", response["Cache-Control"])
    assert match is not None
    max_age = int(match[1])
    assert 0 < max_age <= 10
    origin, size, root, signed = _checkpoint(client)
    assert (origin, size, root) == (f"{HOST}/log", 300, _tree().root())
    # The module's own reader agrees, and both refuse a changed byte.
    assert note.open_note(signed, client.get("/log/key").content.decode()).startswith(origin)
    forged = signed.replace("\n300\n", "\n301\n")
    with pytest.raises(Exception):  # noqa: B017 - the reader's assertion or InvalidSignature
        read_checkpoint(forged, client.get("/log/key").content.decode())
    with pytest.raises(note.NoteError):
        note.open_note(forged, client.get("/log/key").content.decode())


def test_the_key_is_a_note_verifier_key_and_the_empty_log_has_a_checkpoint(db, client) -> None:
    key = client.get("/log/key").content.decode().strip()
    name, key_id, encoded = key.split("+", 2)
    assert name == f"{HOST}/log" and len(key_id) == 8
    assert base64.b64decode(encoded)[0] == 1
    _origin, size, root, _signed = _checkpoint(client)
    assert (size, root) == (0, hashlib.sha256(b"").digest())


def test_tiles_decode_to_the_leaf_hashes_and_entries(db, client) -> None:
    _fill(300)
    tree = _tree()
    leaves = [tree.nodes[(0, i)] for i in range(300)]
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200 and full["Content-Type"] == "application/octet-stream"
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    assert full.content == b"".join(leaves[:256])
    assert client.get("/log/tile/0/001.p/44").content == b"".join(leaves[256:300])
    assert client.get("/log/tile/0/001.p/10").content == b"".join(leaves[256:266])
    # Level 1 holds the hashes of full level-0 tiles: one so far.
    level1 = client.get("/log/tile/1/000.p/1").content
    assert level1 == tree.nodes[(8, 0)] == tree.root(256)
    bundle = client.get("/log/tile/entries/001.p/44")
    assert bundle["Cache-Control"] == "public, max-age=31536000, immutable"
    data, decoded = bundle.content, []
    while data:
        length = int.from_bytes(data[:2], "big")
        decoded.append(data[2 : 2 + length])
        data = data[2 + length :]
    assert [merkle.leaf_hash(entry) for entry in decoded] == leaves[256:300]
    assert json.loads(decoded[0]) == {"kind": "audits:chain:head", "n": 256}


def test_tile_index_paths_are_those_of_tlog_tiles(db, client) -> None:
    _fill(3)
    assert client.get("/log/tile/0/000.p/3").status_code == 200
    for path, status in [
        ("/log/tile/0/000", 404),  # not full yet
        ("/log/tile/0/000.p/4", 404),  # beyond the tree
        ("/log/tile/0/001.p/1", 404),
        ("/log/tile/1/000.p/1", 404),
        ("/log/tile/entries/000", 404),
        ("/log/tile/0/0", 400),  # not three digits
        ("/log/tile/0/x000/000.p/3", 400),  # a needless leading element
        ("/log/tile/0/000/001", 400),  # all but the last start with x
        ("/log/tile/0/000.p/0", 400),
        ("/log/tile/0/000.p/03", 400),
        ("/log/tile/0/000.p/256", 400),
        ("/log/tile/00/000.p/3", 400),
        ("/log/tile/64/000.p/1", 400),
        ("/log/tile/entries/x1/000", 400),
        ("/log/tile/0/x001/234.p/1", 404),  # well formed: tile 1234, not there
    ]:
        response = client.get(path)
        assert response.status_code == status, path
        if status == 400:
            assert response["Content-Type"] == "application/problem+json"


def test_proof_endpoints_answer_verifiable_hashes(db, client) -> None:
    _fill(100)
    tree = _tree()
    answer = client.get("/log/proof/inclusion", {"index": 37, "size": 90})
    assert answer.status_code == 200
    proof = [base64.b64decode(h) for h in answer.json()["hashes"]]
    verify_inclusion(tree.nodes[(0, 37)], 37, 90, proof, tree.root(90))
    answer = client.get("/log/proof/consistency", {"old": 13, "new": 100})
    proof = [base64.b64decode(h) for h in answer.json()["hashes"]]
    verify_consistency(13, 100, proof, tree.root(13), tree.root(100))
    assert client.get("/log/proof/consistency", {"old": 0, "new": 0}).json() == {"hashes": []}


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("inclusion", {}),
        ("inclusion", {"index": "a", "size": "3"}),
        ("inclusion", {"index": "-1", "size": "3"}),
        ("inclusion", {"index": "3", "size": "3"}),
        ("inclusion", {"index": "0", "size": "101"}),
        ("inclusion", {"index": "0", "size": "0"}),
        ("inclusion", {"index": "0", "size": "9" * 40}),
        ("inclusion", {"index": "1.5", "size": "3"}),
        ("inclusion", {"index": "\u0661", "size": "3"}),
        ("consistency", {"old": "5"}),
        ("consistency", {"old": "6", "new": "5"}),
        ("consistency", {"old": "1", "new": "101"}),
        ("consistency", {"old": "x", "new": "3"}),
    ],
)
def test_bad_proof_parameters_are_400_problems(db, client, path, query) -> None:
    _fill(100)
    response = client.get(f"/log/proof/{path}", query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_label_log_json_proves_each_entry_to_the_checkpoint(
    issue_label, body_admin, client
) -> None:
    label = issue_label()
    issue_label()  # another label's entries are not gathered
    for action in ("suspend", "restore"):
        label_services.label_change_status(
            actor=body_admin, label_id=label.pk, action=action, reason="Surveillance"
        )
    response = client.get(f"/labels/{label.serial}/log.json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"checkpoint", "entries"}
    key = client.get("/log/key").content.decode()
    origin, size, root = read_checkpoint(body["checkpoint"], key)
    assert origin == f"{HOST}/log" and size == LogEntry.objects.count()
    kinds = []
    for item in body["entries"]:
        assert set(item) == {"index", "entry", "inclusionProof"}
        entry = base64.b64decode(item["entry"])
        proof = [base64.b64decode(h) for h in item["inclusionProof"]]
        verify_inclusion(merkle.leaf_hash(entry), item["index"], size, proof, root)
        data = json.loads(entry)
        assert data["label"] == label.serial
        kinds.append(data["kind"])
    assert kinds == ["labels:label:issued", "labels:label:suspended", "labels:label:restored"]
    assert client.get("/labels/NOSUCHLABEL/log.json").status_code == 404


def test_two_checkpoints_are_consistent(db, client) -> None:
    _fill(10)
    _origin, old_size, old_root, _ = _checkpoint(client)
    _fill(77)
    _origin, new_size, new_root, _ = _checkpoint(client)
    answer = client.get("/log/proof/consistency", {"old": old_size, "new": new_size})
    proof = [base64.b64decode(h) for h in answer.json()["hashes"]]
    verify_consistency(old_size, new_size, proof, old_root, new_root)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_stay_consistent() -> None:
    services.log_append("audits:chain:head", {"writer": "setup"})  # the head row exists
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            barrier.wait()
            for n in range(25):
                with transaction.atomic():
                    services.log_append("audits:chain:head", {"writer": name, "n": n})
                    services.log_append("audits:chain:head", {"writer": name, "n": n, "b": 1})
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = list(LogEntry.objects.order_by("index").values_list("index", "entry"))
    assert [index for index, _ in rows] == list(range(101))
    tree = _tree()
    stored = {row.key: bytes(row.hash) for row in LogNode.objects.all()}
    assert len(stored) == len(tree.nodes)
    assert all(stored[node_key(h, i)] == value for (h, i), value in tree.nodes.items())
    # Each transaction's two entries are adjacent: appends were serialised per transaction.
    decoded = [json.loads(bytes(entry)) for _, entry in rows[1:]]
    for first, second in zip(decoded[::2], decoded[1::2], strict=True):
        assert (first["writer"], first["n"]) == (second["writer"], second["n"])
