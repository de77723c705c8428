"""CloudEvents 1.0 bodies (structured mode, JSON) for label events and test sends.

An event's id is derived from its LabelEvent, so every endpoint, every retry and every push of
the same event carries the same `webhook-id` and receivers can drop duplicates.
"""

import json
import uuid
from typing import Any

from django.urls import reverse

from labels.models import Label, LabelEvent
from labels.statuslists import public_url
from labels.vc.dates import format_date_time

from .conf import public_origin

SPEC_VERSION = "1.0"
TYPE_PREFIX = "cn.carbonlabel.label."
TEST_TYPE = "cn.carbonlabel.webhook.test"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
# uuid5 namespace of the ids derived from LabelEvent rows: the same row always gives the same id.
_EVENT_NAMESPACE = uuid.UUID("6f1c1f0e-2f4b-5a56-9b7e-4c1a7e0d9b21")


def event_id_for(label_event: LabelEvent) -> uuid.UUID:
    return uuid.uuid5(_EVENT_NAMESPACE, f"label-event:{label_event.pk}")


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact JSON, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def label_event_payload(label: Label, label_event: LabelEvent) -> dict[str, Any]:
    subject = label.credential.get("credentialSubject", {})
    footprint = subject.get("footprint", {})
    product = subject.get("product", {})
    # The verdict when the event is made: a status event's status, or KEY_REVOKED.
    verdict = label.verdict()
    return {
        "specversion": SPEC_VERSION,
        "id": str(event_id_for(label_event)),
        "source": public_origin(),
        "type": TYPE_PREFIX + label_event.action,
        "subject": label.serial,
        "time": format_date_time(label_event.created_at),
        "datacontenttype": "application/json",
        "data": {
            "serial": label.serial,
            "event": label_event.action,
            "status": label.status,
            "verdict": str(verdict.reason),
            "reason": label_event.reason,
            "reasonCode": label_event.reason_code,
            "certificateNumber": subject.get("certificateNumber", ""),
            "gtin": label.gtin or None,
            "product": {"name": product.get("name", ""), "model": product.get("model", "")},
            "footprint": {
                "value": footprint.get("value"),
                "unit": footprint.get("unit"),
                "declaredUnit": footprint.get("declaredUnit", ""),
            },
            "validUntil": format_date_time(label.valid_until),
            "links": {
                "publicPage": public_url(reverse("labels:public_page", args=[label.serial])),
                "credential": public_url(reverse("labels:credential", args=[label.serial])),
            },
        },
    }


def test_payload(*, event_id: uuid.UUID, marketplace_name: str, time) -> dict[str, Any]:
    return {
        "specversion": SPEC_VERSION,
        "id": str(event_id),
        "source": public_origin(),
        "type": TEST_TYPE,
        "time": format_date_time(time),
        "datacontenttype": "application/json",
        "data": {
            "test": True,
            "marketplace": marketplace_name,
            "message": "A test event from the carbon label platform.",
        },
    }
