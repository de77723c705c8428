"""What the public verification page shows of a label: the context of its template, the same for
every anonymous visitor (``labels/answers.py`` renders and stores it after each change; the view
renders it live for a signed-in visitor)."""

import base64
import json
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from audits.transparency.checkpoints import subjects_log
from certification.models import SurveillanceOutcome
from footprint.models import Stage

from . import selectors
from .facts import label_qr_url
from .models import KEY_REVOKED, CertificateDocument, Label, LabelStatus
from .vc.verifier import Reason
from .verification import verify


def _outcome_label(outcome: str) -> str:
    return (
        str(SurveillanceOutcome(outcome).label)
        if outcome in SurveillanceOutcome.values
        else outcome
    )


def _chart(stages: list[dict]) -> dict:
    values = [Decimal(item["value"]) for item in stages]
    top = max([abs(v) for v in values] + [Decimal(1)])
    bars = []
    # Each stage takes two lines: its name, then the bar with the figure at its end; the
    # longest bar leaves room for the figure inside the 420-unit-wide view box.
    for index, (item, value) in enumerate(zip(stages, values, strict=True)):
        width = max(int(Decimal(300) * abs(value) / top), 2)
        bars.append(
            {
                "label": str(Stage(item["stage"]).label),
                "value": item["value"],
                "text_y": 16 + index * 48,
                "y": 24 + index * 48,
                "width": width,
                "value_x": width + 8,
            }
        )
    return {"bars": bars, "height": 12 + 48 * len(bars)}


LOG_KINDS = {
    "labels:label:issued": _("Issued"),
    "labels:label:suspended": _("Suspended"),
    "labels:label:restored": _("Restored"),
    "labels:label:revoked": _("Revoked"),
    "labels:label:cancelled": _("Cancelled"),
    "labels:label:expired": _("Expired"),
}


def _log_rows(document: dict) -> list[dict]:
    """The label's log entries as the page lists them: index, what happened, when."""
    rows = []
    for item in document["entries"]:
        entry = json.loads(base64.b64decode(item["entry"]))
        kind = entry.get("kind", "")
        rows.append(
            {
                "index": item["index"],
                "kind": kind,
                "kind_label": LOG_KINDS.get(kind, kind),
                "date": str(entry.get("time", ""))[:10],
            }
        )
    return rows


def page_context(label: Label) -> dict:
    """What the public page shows of a label, in the active language. The page is the same for
    every anonymous visitor: it is rendered and stored as the label changes (labels/answers.py)."""
    result = verify(label.credential)
    transparency_log = subjects_log([label.serial])[label.serial]
    subject = label.credential["credentialSubject"]
    verdict = label.verdict()
    status = verdict.status
    # A label whose signing key was revoked as compromised (the verdict says so, as every other
    # answer does), or whose credential is not the one the transparency log recorded at
    # issuance (only the verification tells), is not to be trusted: the verdict must not stay
    # green.
    status_note = KEY_REVOKED if verdict.reason == Reason.KEY_REVOKED else ""
    if result.reason == Reason.NOT_IN_LOG:
        status_note = status_note or "not_in_log"
    return {
        "label": label,
        "certificate": label.certificate,
        "subject": subject,
        "status": status_note if status_note and status == LabelStatus.VALID else verdict.shown,
        "label_status": status,
        "label_verdict": verdict.reason,
        "status_label": verdict.label,
        "status_note": status_note,
        "result": result,
        "chart": _chart(subject["footprint"]["stages"]),
        "history": selectors.status_history_public(label.certificate),
        "last_outcome": _outcome_label(label.certificate.last_surveillance_outcome),
        "key_events": label.events.filter(action="key_revoked").order_by("-created_at")[:5],
        "qr_url": label_qr_url(label),
        "has_document": CertificateDocument.objects.filter(label=label).exists(),
        # The credential as delivered and its log.json, both embedded for the in-browser check;
        # the proofs are to the checkpoint the page carries, so a cached page stays consistent.
        "transparency_log": transparency_log,
        "log_rows": _log_rows(transparency_log),
    }
