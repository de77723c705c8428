"""The facts a label and its certificate show, and their bilingual captions.

Captions carry Chinese and English together on purpose: a printed label or certificate must read
the same whatever language the person who downloaded it had chosen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

NATIONAL_PILOT = "national_pilot"
SELF_FILED = "self_filed"
SCHEMES = (NATIONAL_PILOT, SELF_FILED)

VALID = "valid"
STATUSES = (VALID, "suspended", "revoked", "cancelled", "expired")


@dataclass(frozen=True)
class StageFigure:
    code: str
    label_zh: str
    label_en: str
    value: str  # decimal string, kgCO2e


@dataclass(frozen=True)
class LabelFacts:
    serial: str
    certificate_number: str
    scheme: str  # NATIONAL_PILOT | SELF_FILED
    status: str  # one of STATUSES
    product_name: str
    product_model: str
    gtin: str | None
    trademark: str
    manufacturer: str
    plant_address: str
    holder_name: str
    holder_uscc: str
    holder_address: str
    body_name: str
    body_code: str
    body_approval_number: str
    footprint_value: str  # decimal string, e.g. "75.4"
    footprint_unit: str  # "kgCO2e"
    declared_unit: str  # e.g. "1 kWh of battery energy capacity"
    unit_kind: str  # "functional" | "declared"
    boundary: str  # "cradle_to_gate" | "cradle_to_grave"
    stages: tuple[StageFigure, ...]
    standard: str  # "GB/T 24067-2024"
    product_rule: str  # name + version
    certification_mode: str
    issued_on: date
    valid_until: date
    resolver_url: str  # the QR content (CONTRACTS §2)
    public_page_url: str

    @property
    def is_national(self) -> bool:
        return self.scheme == NATIONAL_PILOT

    def as_json_value(self) -> dict[str, object]:
        """Plain JSON types only (dates as ISO strings), for canonical hashing."""
        value = asdict(self)
        value["issued_on"] = self.issued_on.isoformat()
        value["valid_until"] = self.valid_until.isoformat()
        return value


# Only bodies in the national pilot may show the national title and mark (DOMAIN §1).
NATIONAL_TITLE_ZH = "中国产品碳足迹标识"
NATIONAL_TITLE_EN = "China product carbon footprint label"
SELF_FILED_TITLE_ZH = "认证机构自愿性碳足迹标识"
SELF_FILED_TITLE_EN = "Certification body carbon footprint label"

STATUS_OVERLAY = {
    "suspended": ("已暂停", "SUSPENDED"),
    "revoked": ("已撤销", "REVOKED"),
    "cancelled": ("已注销", "CANCELLED"),
    "expired": ("已过期", "EXPIRED"),
}
STATUS_NAMES = {VALID: ("有效", "Valid"), **STATUS_OVERLAY}

BOUNDARY_NAMES = {
    "cradle_to_gate": ("从摇篮到大门", "Cradle to gate"),
    "cradle_to_grave": ("从摇篮到坟墓", "Cradle to grave"),
}
UNIT_KIND_NAMES = {
    "functional": ("功能单位", "Functional unit"),
    "declared": ("声明单位", "Declared unit"),
}
SCHEME_NAMES = {
    NATIONAL_PILOT: ("国家试点", "National pilot"),
    SELF_FILED: ("认证机构自行备案规则", "Certification body's own filed rules"),
}


def overlay_words(facts: LabelFacts) -> tuple[str, str] | None:
    """The warning a stale printout must carry, or None while the label is valid.

    An unknown status gets a warning too: showing a label as valid by mistake is the worse error.
    """
    if facts.status == VALID:
        return None
    return STATUS_OVERLAY.get(facts.status, ("无效", facts.status.upper() or "NOT VALID"))


def caption(names: dict[str, tuple[str, str]], key: str) -> tuple[str, str]:
    """The (Chinese, English) caption for a code, falling back to the code itself."""
    return names.get(key, (key, key))
