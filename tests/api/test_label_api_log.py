"""Every label answer of the API carries the label's log entries with inclusion proofs to a
signed checkpoint (CONTRACTS §5), self-consistent however long it is cached, in the shape of
GET /labels/<serial>/log.json."""

import base64
import hashlib
import json

import pytest
from django.urls import reverse

from audits.transparency import merkle, note
from audits.transparency.checkpoints import log_verifier_key, subjects_log
from audits.transparency.selectors import log_head, log_root
from labels import services
from labels.vc.jcs import canonicalize

pytestmark = pytest.mark.django_db


def verified_entries(document: dict) -> list[dict]:
    """The entries of a log.json-shaped member, each proven against its signed checkpoint."""
    _origin, size, root = note.parse_checkpoint(
        note.open_note(document["checkpoint"], log_verifier_key())
    )
    entries = []
    for item in document["entries"]:
        data = base64.b64decode(item["entry"])
        proof = [base64.b64decode(h) for h in item["inclusionProof"]]
        merkle.verify_inclusion(merkle.leaf_hash(data), item["index"], size, proof, root)
        entries.append(json.loads(data))
    return entries


def credential_digest(label) -> str:
    return hashlib.sha256(canonicalize(label.credential)).hexdigest()


def test_the_lookup_by_serial_carries_proven_entries(client, issue_label) -> None:
    label = issue_label()
    issue_label()  # a later leaf: the tree is larger than the label's entry

    body = client.get(reverse("api-label", args=[label.serial])).json()

    [issued] = verified_entries(body["transparencyLog"])
    assert issued["kind"] == "labels:label:issued"
    assert issued["label"] == label.serial
    assert issued["credentialSha256"] == credential_digest(label)
    assert body["transparencyLog"] == client.get(f"/labels/{label.serial}/log.json").json()


def test_a_status_change_adds_its_entry_after_the_issuance(client, issue_label, world) -> None:
    label = issue_label()
    services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="suspend", reason="Audit."
    )

    body = client.get(reverse("api-label", args=[label.serial])).json()

    kinds = [entry["kind"] for entry in verified_entries(body["transparencyLog"])]
    assert kinds == ["labels:label:issued", "labels:label:suspended"]


def test_a_proof_to_another_root_fails(client, issue_label) -> None:
    """The test above would pass with any proofs if the check were lax: a wrong one must fail."""
    label = issue_label()
    issue_label()
    document = client.get(reverse("api-label", args=[label.serial])).json()["transparencyLog"]
    item = document["entries"][0]
    _origin, size, root = note.parse_checkpoint(
        note.open_note(document["checkpoint"], log_verifier_key())
    )
    proof = [base64.b64decode(h) for h in item["inclusionProof"]]
    assert proof

    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(
            merkle.leaf_hash(base64.b64decode(item["entry"])),
            item["index"],
            size,
            [bytes(32), *proof[1:]],
            root,
        )


def test_the_gtin_and_certificate_lookups_carry_them_too(client, issue_label) -> None:
    label = issue_label()

    by_gtin = client.get(reverse("api-gtin-labels", args=[label.gtin])).json()
    by_number = client.get(reverse("api-certificate-label", args=[label.certificate.number])).json()

    [from_gtin] = by_gtin["labels"]
    assert verified_entries(from_gtin["transparencyLog"])[0]["label"] == label.serial
    assert verified_entries(by_number["transparencyLog"])[0]["label"] == label.serial


def test_each_label_of_a_batch_carries_proofs_to_its_checkpoint(
    key_client, make_key, issue_label
) -> None:
    labels = [issue_label() for _ in range(3)]
    client = key_client(make_key())

    body = client.post(
        reverse("api-label-batch"),
        {"keys": [{"serial": label.serial} for label in labels]},
        format="json",
    ).json()

    for label, result in zip(labels, body["results"], strict=True):
        [answer] = result["labels"]
        [issued] = verified_entries(answer["transparencyLog"])
        assert issued["credentialSha256"] == credential_digest(label)


def test_the_entries_of_many_labels_cost_as_many_queries_as_one(
    issue_label, django_assert_num_queries
) -> None:
    labels = [issue_label() for _ in range(5)]
    serials = [label.serial for label in labels]

    with django_assert_num_queries(3):  # the head, the entries, the proofs' nodes
        one = subjects_log(serials[:1])
    with django_assert_num_queries(3):
        many = subjects_log(serials)

    assert one[serials[0]] == many[serials[0]]
    assert all(len(many[serial]["entries"]) == 1 for serial in serials)


def test_the_head_gives_the_root_the_nodes_give(issue_label) -> None:
    for _ in range(5):
        issue_label()
        size, root = log_head()
        assert size > 0
        assert root == log_root(size)
