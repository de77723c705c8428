"""Stored label answers: rendered once after a change, served byte for byte as the live views
answer, never after a change, past validUntil, to a signed-in visitor or in an older format; the
transparency log's part always to the current checkpoint."""

import base64
import hashlib
import json
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.transparency.merkle import settled_height, verify_inclusion
from audits.transparency.selectors import log_size
from audits.transparency.services import log_append_many
from labels import answers, services, stored
from labels.models import LabelAnswer, SigningKey
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


def served(client, url: str, **headers):
    """The answer, and whether it came from the stored answers (the label itself not read)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    sql = [query["sql"] for query in queries.captured_queries]
    return response, not any('"labels_label"."credential"' in each for each in sql)


def stored_and_live(client, label, url: str, **headers):
    """The same request answered live (the label's answers marked stale) and from storage."""
    stored.answers_mark_stale([label.pk])
    live, _ = served(client, url, **headers)
    assert answers.answers_render([label.pk]) == 1
    kept, from_storage = served(client, url, **headers)
    assert from_storage
    return live, kept


def same(live, kept) -> None:
    assert live.status_code == kept.status_code == 200
    assert kept.content == live.content
    for header in ("Content-Type", "ETag", "Cache-Control", "Vary", "Access-Control-Allow-Origin"):
        assert kept.get(header) == live.get(header), header


def test_a_new_label_gets_stale_answers_in_its_transaction_and_a_render_makes_them_current(label):
    row = LabelAnswer.objects.get(label=label)
    assert row.stale
    assert answers.answers_render([label.pk]) == 1
    row.refresh_from_db()
    assert not row.stale and row.format == stored.FORMAT
    assert row.fresh_until == label.valid_until
    assert [index for index, _entry, _settled in row.log_entries]
    assert answers.answers_render([label.pk]) == 0  # nothing changed since


@pytest.mark.parametrize("name", ["api-label", "api-label-badge"])
def test_api_lookup_and_badge_are_the_live_answers_byte_for_byte(api, label, name):
    args = [label.serial] if name == "api-label" else [label.serial, "svg"]
    same(*stored_and_live(api, label, reverse(name, args=args)))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_badge_in_each_language(api, label, language):
    url = reverse("api-label-badge", args=[label.serial, "svg"]) + f"?lang={language}"
    same(*stored_and_live(api, label, url))


def test_lookup_by_certificate_and_by_gtin(api, issue_label, new_product):
    product = new_product(gtin="06901234567892")
    first = issue_label(product=product)
    second = issue_label(product=product)  # a second certificate of the same product
    answers.answers_render([first.pk, second.pk])
    by_gtin = reverse("api-gtin-labels", args=["06901234567892"])
    live, kept = stored_and_live(api, first, by_gtin)
    same(live, kept)
    assert [item["serial"] for item in json.loads(kept.content)["labels"]] == [
        second.serial,
        first.serial,
    ]
    number = first.certificate.number
    same(*stored_and_live(api, first, reverse("api-certificate-label", args=[number])))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_page_for_an_anonymous_visitor(client, label, language):
    url = reverse("labels:public_page", args=[label.serial]) + f"?lang={language}"
    live, kept = stored_and_live(client, label, url)
    same(live, kept)


def test_public_page_in_the_language_the_browser_asks_for(client, label):
    url = reverse("labels:public_page", args=[label.serial])
    live, kept = stored_and_live(client, label, url, HTTP_ACCEPT_LANGUAGE="en")
    same(live, kept)
    assert b'lang="en"' in kept.content


def test_a_signed_in_visitor_gets_the_live_page(client, label, world):
    answers.answers_render([label.pk])
    sign_in(client, world.enterprise_admin)
    response, from_storage = served(client, reverse("labels:public_page", args=[label.serial]))
    assert response.status_code == 200 and not from_storage


def test_a_status_change_is_answered_live_until_rendered_again(api, label, world):
    answers.answers_render([label.pk])
    url = reverse("api-label", args=[label.serial])
    services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="suspend", reason="Audit."
    )
    assert LabelAnswer.objects.get(label=label).stale
    response, from_storage = served(api, url)
    assert response.json()["status"] == "suspended" and not from_storage
    answers.answers_render([label.pk])
    response, from_storage = served(api, url)
    assert response.json()["status"] == "suspended" and from_storage


@pytest.mark.parametrize(
    "change",
    [
        {"fresh_until": timezone.now() - timedelta(seconds=1)},  # validUntil has passed
        {"format": stored.FORMAT - 1},  # rendered by an older release
        {"stale": True},
    ],
)
def test_an_answer_that_is_not_current_is_never_served(api, label, change):
    answers.answers_render([label.pk])
    url = reverse("api-label", args=[label.serial])
    # What is stored now would say so: a body the live view cannot give.
    row = LabelAnswer.objects.get(label=label)
    row.api = (b'{"stored":true,"log":' + stored.API_SLOT + b"}").decode()
    row.save()
    assert api.get(url).json()["stored"] is True
    LabelAnswer.objects.filter(label=label).update(**change)
    assert "stored" not in api.get(url).json()


def test_the_log_part_is_to_the_current_checkpoint(api, label, issue_label):
    answers.answers_render([label.pk])
    issue_label()  # the log grows after the answer was stored
    body = api.get(reverse("api-label", args=[label.serial])).json()["transparencyLog"]
    size = int(body["checkpoint"].split("\n")[1])
    root = base64.b64decode(body["checkpoint"].split("\n")[2])
    live = api.get(f"/labels/{label.serial}/log.json").json()
    assert body == live
    entry = body["entries"][0]
    leaf = hashlib.sha256(b"\x00" + base64.b64decode(entry["entry"])).digest()
    proof = [base64.b64decode(item) for item in entry["inclusionProof"]]
    verify_inclusion(leaf, entry["index"], size, proof, root)


def test_the_proofs_stay_right_as_the_log_grows_far_past_the_render(api, label):
    """The stored answer keeps the settled part of each proof: read after the log has grown by
    hundreds of entries, its log part still equals the live log.json and verifies."""
    answers.answers_render([label.pk])
    (index, _entry, settled) = LabelAnswer.objects.get(label=label).log_entries[0]
    assert len(base64.b64decode(settled)) == 32 * settled_height(index, log_size())
    log_append_many([("audits:chain:head", {"n": n}, "") for n in range(300)])
    body = api.get(reverse("api-label", args=[label.serial])).json()["transparencyLog"]
    assert body == api.get(f"/labels/{label.serial}/log.json").json()
    size = int(body["checkpoint"].split("\n")[1])
    assert size == log_size()
    root = base64.b64decode(body["checkpoint"].split("\n")[2])
    for entry in body["entries"]:
        leaf = hashlib.sha256(b"\x00" + base64.b64decode(entry["entry"])).digest()
        proof = [base64.b64decode(item) for item in entry["inclusionProof"]]
        verify_inclusion(leaf, entry["index"], size, proof, root)


def test_a_key_revocation_marks_the_bodys_answers_stale(label, world):
    answers.answers_render([label.pk])
    key = SigningKey.objects.get(body=label.certificate.certification_body, revoked_at=None)
    services.signing_key_revoke(actor=world.body_admin, key_id=key.pk, reason="Compromised")
    assert LabelAnswer.objects.get(label=label).stale
    assert answers.answers_refresh() == 1
    assert not LabelAnswer.objects.get(label=label).stale


def test_the_sweep_renders_answers_of_an_older_format(label):
    answers.answers_render([label.pk])
    LabelAnswer.objects.filter(label=label).update(format=stored.FORMAT - 1)
    assert answers.answers_refresh() == 1
    assert LabelAnswer.objects.get(label=label).format == stored.FORMAT


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_a_change_locks_its_answers_even_when_a_render_is_still_due(label):
    """A render still due for an earlier change locks the row before it reads the label: the
    next change's mark must hold that lock until it commits, or that render would store the
    state before it as current (and the change's own render would find nothing to do)."""
    LabelAnswer.objects.filter(label=label).update(stale=True)  # the earlier change's render
    settings = connection.settings_dict
    with transaction.atomic():
        stored.answers_mark_stale([label.pk])
        with (
            psycopg.connect(
                dbname=settings["NAME"],
                host=settings["HOST"],
                port=settings["PORT"] or None,
                user=settings["USER"],
                password=settings["PASSWORD"] or None,
                autocommit=True,
            ) as render,
            pytest.raises(psycopg.errors.LockNotAvailable),
        ):
            render.execute(
                "SELECT 1 FROM labels_labelanswer WHERE label_id = %s FOR UPDATE NOWAIT",
                [label.pk],
            )
