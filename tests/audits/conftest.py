"""Fixtures shared by the audit tests and the oversight tests (which import them): blacklist
entries made through the service, and the settings both run under."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from audits.models import BlacklistEntry
from audits.services import blacklist_entry_create
from tests.conftest import World

NOTICE = "SAMR credit-punishment notice 2026 No. 3"


@pytest.fixture
def list_subject(world: World) -> Callable[..., BlacklistEntry]:
    """`list_subject(organisation_or_person)`: listed by the regulator through the service."""

    def create(subject, **fields) -> BlacklistEntry:
        key = "person" if isinstance(subject, User) else "organisation"
        return blacklist_entry_create(
            actor=world.regulator,
            reason="False certification conclusions.",
            source_document=NOTICE,
            legal_basis="Certification and Accreditation Regulations art. 62",
            effective_from=timezone.localdate() - timedelta(days=1),
            **{key: subject},
            **fields,
        )

    return create


@pytest.fixture(autouse=True)
def _oversight_settings(settings, monkeypatch) -> None:
    """TIME_ZONE in UTC as in tests/labels (a label issued before 08:00 Beijing time is not yet
    valid otherwise); the certificate PDF rendered after every label change is not what these
    tests are about, so its on-commit render is switched off."""
    settings.TIME_ZONE = "UTC"
    settings.WEBHOOK_ALLOW_HTTP = True
    monkeypatch.setattr("labels.services._after_issue", lambda label_id: None)
