"""The platform through Debian's PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer):
gunicorn and a Celery worker in production mode reach the test database only through it, and
take a certification from the decision to its label (signed, its PDF rendered, its e-mails
sent), anchor the audit chain, verify it (`manage.py audit_verify`) and export it a page at a
time. Every transaction of theirs may run on another server session."""

import hashlib
import json
import subprocess
import sys

import pytest
from django.conf import settings

from audits.chain.models import AuditEntry
from audits.chain.selectors import ANCHOR_KIND, chain_head
from audits.chain.services import ChainEvent, chain_append_many
from audits.tasks import audit_chain_anchor
from audits.transparency.models import LogEntry
from certification.models import Certificate, Status
from labels.models import Label
from oversight.chain.views import EXPORT_PAGE
from tests.conftest import build_application
from tests.fixtures.effects import labels_done, mail_counts, notification_counts
from tests.fixtures.processes import wait_for
from tests.fixtures.web_client import WebClient, web_password
from tests.second_factor import api_token, totp_code, totp_enrol

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

APPROVALS = 2
# From the approvals to every label issued and rendered and every e-mail sent, by one worker
# starting its first render (WeasyPrint's import) on a busy CI machine.
WORK_SECONDS = 90


@pytest.fixture
def process_environment(process_environment, production_environment, pgbouncer):
    """Every process in production mode, on the test database through PgBouncer only."""
    return {
        **process_environment,
        **production_environment,
        "DATABASE_URL": pgbouncer.url,
        "DATABASE_POOLER": "pgbouncer",
    }


def test_a_label_is_issued_verified_and_exported_through_pgbouncer(
    world, pgbouncer, process_environment, web_processes, celery_processes, mail_dir
) -> None:
    assert {row["key"]: row["value"] for row in pgbouncer.show("CONFIG")}["pool_mode"] == (
        "transaction"
    )
    applications = [build_application(world, Status.DECISION) for _ in range(APPROVALS)]
    token = api_token(world.decision_maker)
    web = web_processes(threads=4, wait=False)
    worker = celery_processes("worker", wait=False)
    web.wait_ready()
    worker.wait_ready()
    before = pgbouncer.transactions()

    # The decision, over HTTP; the label, the PDF and the e-mails, by the worker.
    for application in applications:
        answer = WebClient().request(
            web,
            "POST",
            f"/api/v1/applications/{application.pk}/transitions/",
            data={"action": "approve", "comment": "Meets CNCA-CFP-00:2025."},
            headers={"Authorization": f"Token {token}"},
        )
        assert answer.status == 200, answer.body
    certificates = list(Certificate.objects.filter(application__in=applications))
    assert len(certificates) == APPROVALS
    wait_for(lambda: labels_done(certificates), "every label issued and rendered", WORK_SECONDS)
    for label in Label.objects.filter(certificate__in=certificates):
        answer = WebClient().get(web, f"/api/v1/labels/{label.serial}/")
        assert answer.status == 200
        assert answer.json()["status"] == "valid"
        pdf = WebClient().get(web, f"/labels/{label.serial}/certificate.pdf")
        assert (pdf.status, pdf.body[:5]) == (200, b"%PDF-")
    assert mail_counts(mail_dir) == notification_counts() != {}
    # All of it went through PgBouncer: the processes know no other way to the database.
    assert pgbouncer.transactions() > before

    # More entries than one page of the export, then the hourly anchor, run by the worker.
    chain_append_many(
        [ChainEvent(kind="tests:chain:filler", data={"n": n}) for n in range(2 * EXPORT_PAGE)]
    )
    audit_chain_anchor.delay()
    wait_for(
        lambda: LogEntry.objects.filter(kind=ANCHOR_KIND).exists(),
        "the worker to anchor the chain",
        WORK_SECONDS,
    )
    seq, head = chain_head()
    assert seq > 2 * EXPORT_PAGE

    verified = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=settings.BASE_DIR,
        env=process_environment,
        capture_output=True,
        text=True,
        timeout=WORK_SECONDS,
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout == f"audit chain intact: {seq} entries, head {head.hex()}\n"

    # The regulator signs in (password, then the code) and exports the whole chain: three
    # pages, each one query that may run on another server session.
    totp_enrol(world.regulator)
    regulator = WebClient()
    signed_in = regulator.sign_in(web, "regulator", web_password(world.regulator), totp_code())
    assert signed_in.status == 302, signed_in.body
    export = regulator.get(web, "/portal/oversight/audit-chain/export.jsonl")
    assert export.status == 200
    lines = export.body.splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, seq + 1))
    stored = AuditEntry.objects.order_by("seq").values_list("hash", flat=True)
    assert [hashlib.sha256(line).digest() for line in lines] == [bytes(h) for h in stored]
