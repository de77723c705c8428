"""The standalone verifier: one reason code per outcome, checks in a fixed order.

A small in-memory platform plays the issuer: a certification body with a did:web DID document, a
revocation list and a suspension list, each signed like the label itself.
"""

import copy
import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from labels.vc.command_line import main
from labels.vc.dataintegrity import sign
from labels.vc.did import (
    KeyResolver,
    ResolvedKey,
    did_document,
    did_key_from_public_key,
    did_key_verification_method,
    did_web,
    resolver_from_did_documents,
    verification_method_entry,
)
from labels.vc.statuslist import (
    Bitstring,
    build_status_list_credential,
    status_entry,
)
from labels.vc.verifier import Reason, VerificationResult, verify_credential

HOST = "labels.example"
ISSUER = did_web(HOST, "bodies", "CB01")
KEY_ONE = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KEY_TWO = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
STRANGER = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
LABEL_CREATED = "2025-01-01T00:00:00Z"
LIST_CREATED = "2025-05-31T00:00:00Z"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
REVOCATION_INDEX = 40_321
SUSPENSION_INDEX = 98_765
ORDER = ["format", "issuer", "proof", "validity", "status:revocation", "status:suspension"]


def list_url(issuer: str, purpose: str) -> str:
    return f"https://{HOST}/status/{issuer.rsplit(':', 1)[-1][:12]}/{purpose}/1"


def label_document(
    issuer: str,
    *,
    revocation_index: int = REVOCATION_INDEX,
    suspension_index: int = SUSPENSION_INDEX,
) -> dict[str, Any]:
    """An unsigned carbon label shaped as CONTRACTS §3 describes it."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            f"https://{HOST}/contexts/carbon-label/v1",
        ],
        "id": f"https://{HOST}/L/7K3M9Q2XWD",
        "type": ["VerifiableCredential", "CarbonLabelCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2028-01-01T00:00:00Z",
        "credentialSubject": {
            "type": "CarbonLabel",
            "labelSerial": "7K3M9Q2XWD",
            "certificateNumber": "CFP-2025-000123",
            "scheme": "Product Carbon Footprint Label",
            "product": {"name": "电动自行车", "model": "EB-200", "gtin": "urn:gtin:06901234567892"},
            "holder": {"name": "北京示例科技有限公司", "USCC": "91110000600037341L"},
            "certificationBody": {"id": issuer, "name": "示例认证中心"},
            "footprint": {"value": "123.45", "unit": "kgCO2e"},
            "declaredUnit": "1 bicycle",
            "boundary": "cradle-to-gate",
            "stages": [
                {"stage": "raw-materials", "value": "100.20"},
                {"stage": "production", "value": "23.25"},
            ],
            "standard": "ISO 14067:2018",
            "productRule": "PCR 2024-07",
            "assuranceLevel": "reasonable",
            "reportingYear": 2024,
            "thirdPartyVerified": True,
        },
        "credentialStatus": [
            status_entry(
                list_url=list_url(issuer, "revocation"),
                index=revocation_index,
                status_purpose="revocation",
            ),
            status_entry(
                list_url=list_url(issuer, "suspension"),
                index=suspension_index,
                status_purpose="suspension",
            ),
        ],
    }


@dataclass
class Platform:
    """An issuer with its keys, DID document and two status lists."""

    issuer: str = ISSUER
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=lambda: {"key-1": KEY_ONE})
    signing_key: str = "key-1"
    list_key: str = "key-1"
    key_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    bits: dict[str, Bitstring] = field(
        default_factory=lambda: {"revocation": Bitstring(), "suspension": Bitstring()}
    )
    served: dict[str, Any] = field(default_factory=dict)

    def method(self, name: str) -> str:
        if self.issuer.startswith("did:key:"):
            return did_key_verification_method(self.keys[name].public_key())
        return f"{self.issuer}#{name}"

    def did_document(self) -> dict[str, Any]:
        methods = [
            verification_method_entry(
                self.issuer, name, key.public_key(), **self.key_options.get(name, {})
            )
            for name, key in self.keys.items()
        ]
        return did_document(self.issuer, methods)

    def resolver(self) -> KeyResolver | None:
        if self.issuer.startswith("did:key:"):
            return None
        return resolver_from_did_documents([self.did_document()])

    def status_list(self, purpose: str) -> dict[str, Any]:
        unsigned = build_status_list_credential(
            url=list_url(self.issuer, purpose),
            issuer=self.issuer,
            status_purpose=purpose,
            bitstring=self.bits[purpose],
            valid_from=datetime(2025, 5, 31, tzinfo=UTC),
            valid_until=datetime(2025, 6, 7, tzinfo=UTC),
            ttl=timedelta(minutes=5),
        )
        key = self.keys[self.list_key]
        return sign(unsigned, key, self.method(self.list_key), LIST_CREATED)

    def fetch(self, url: str) -> Any:
        if url in self.served:
            return self.served[url]
        for purpose in self.bits:
            if url == list_url(self.issuer, purpose):
                return self.status_list(purpose)
        raise LookupError(url)

    def label(self, **options: Any) -> dict[str, Any]:
        document = label_document(self.issuer, **options)
        key = self.keys[self.signing_key]
        return sign(document, key, self.method(self.signing_key), LABEL_CREATED)

    def verify(self, credential: Any, **options: Any) -> VerificationResult:
        arguments: dict[str, Any] = {
            "resolve_key": self.resolver(),
            "fetch_status_list": self.fetch,
            "now": NOW,
        }
        return verify_credential(credential, **{**arguments, **options})


def did_key_platform() -> Platform:
    return Platform(issuer=did_key_from_public_key(KEY_ONE.public_key()))


def assert_outcome(result: VerificationResult, reason: Reason, failed_check: str) -> None:
    """The reason is as expected, the failing check comes last, and every earlier one passed."""
    assert result.reason is reason, result.checks
    *passed, failed = result.checks
    assert failed.name == failed_check
    assert not failed.ok
    assert failed.detail
    assert all(check.ok for check in passed)
    names = [check.name for check in result.checks]
    assert names == [*ORDER[: len(names) - 1], failed_check]


# --- valid labels ----------------------------------------------------------------------------


def test_valid_label_passes_every_check_in_order() -> None:
    platform = Platform()

    result = platform.verify(platform.label())

    assert result.reason is Reason.VALID
    assert result.valid
    assert [check.name for check in result.checks] == ORDER
    assert all(check.ok for check in result.checks)


def test_did_key_issuer_needs_no_resolver() -> None:
    platform = did_key_platform()

    result = platform.verify(platform.label(), resolve_key=None)

    assert result.reason is Reason.VALID


def test_json_text_with_reordered_keys_and_other_whitespace_verifies() -> None:
    platform = Platform()
    label = platform.label()
    text = json.dumps(dict(reversed(list(label.items()))), indent=3, ensure_ascii=True)

    assert platform.verify(text).reason is Reason.VALID
    assert platform.verify(text.encode()).reason is Reason.VALID


def test_result_as_json() -> None:
    platform = Platform()

    document = platform.verify(platform.label()).to_dict()

    assert document["verified"] is True
    assert document["reason"] == "VALID"
    assert [check["name"] for check in document["checks"]] == ORDER
    assert set(document["checks"][0]) == {"name", "ok", "detail"}


def test_transparency_log_is_checked_last_when_asked() -> None:
    platform = Platform()

    result = platform.verify(platform.label(), in_log=lambda _credential: True)

    assert result.reason is Reason.VALID
    assert [check.name for check in result.checks] == [*ORDER, "log"]


@pytest.mark.parametrize("answer", [False, LookupError("log unreachable")])
def test_not_in_log(answer: Any) -> None:
    platform = Platform()

    def in_log(_credential: Any) -> bool:
        if isinstance(answer, Exception):
            raise answer
        return bool(answer)

    result = platform.verify(platform.label(), in_log=in_log)

    assert result.reason is Reason.NOT_IN_LOG
    assert result.checks[-1].name == "log"
    assert not result.checks[-1].ok
    assert all(check.ok for check in result.checks[:-1])


# --- tampering -------------------------------------------------------------------------------


def leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in leaf_paths(item, (*prefix, key))]
    if isinstance(value, list):
        return [
            path for index, item in enumerate(value) for path in leaf_paths(item, (*prefix, index))
        ]
    return [prefix]


def changed(value: Any) -> Any:
    """A different value of the same shape, so that only the proof can tell."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    characters = list(value)
    digits = [index for index, character in enumerate(characters) if character.isdigit()]
    letters = [
        index
        for index, character in enumerate(characters)
        if character.isascii() and character.isalpha()
    ]
    if digits:
        characters[digits[-1]] = "1" if characters[digits[-1]] != "1" else "2"
    elif letters:
        characters[letters[-1]] = "b" if characters[letters[-1]] != "b" else "c"
    else:
        characters.append("。")
    return "".join(characters)


def with_leaf_changed(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    result = copy.deepcopy(document)
    parent: Any = result
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = changed(parent[path[-1]])
    return result


SIGNED_LABEL = Platform().label()
# Leaves whose change an earlier check catches; every other change must read as TAMPERED.
CAUGHT_EARLIER = {
    ("@context", 0): (Reason.MALFORMED, "format"),
    ("type", 0): (Reason.MALFORMED, "format"),
    ("issuer",): (Reason.UNKNOWN_ISSUER, "issuer"),
    ("credentialStatus", 0, "type"): (Reason.MALFORMED, "format"),
    ("credentialStatus", 1, "type"): (Reason.MALFORMED, "format"),
    ("proof", "type"): (Reason.MALFORMED, "format"),
    ("proof", "cryptosuite"): (Reason.MALFORMED, "format"),
    ("proof", "proofPurpose"): (Reason.MALFORMED, "format"),
    ("proof", "verificationMethod"): (Reason.UNKNOWN_ISSUER, "issuer"),
}


@pytest.mark.parametrize(
    "path", leaf_paths(SIGNED_LABEL), ids=lambda path: ".".join(map(str, path))
)
def test_changing_any_leaf_of_a_label_fails(path: tuple[Any, ...]) -> None:
    platform = Platform()
    reason, check = CAUGHT_EARLIER.get(path, (Reason.TAMPERED, "proof"))

    result = platform.verify(with_leaf_changed(SIGNED_LABEL, path))

    assert_outcome(result, reason, check)


def test_every_content_leaf_is_covered() -> None:
    paths = leaf_paths(SIGNED_LABEL)

    assert len(paths) > 40
    assert set(CAUGHT_EARLIER) <= set(paths)


def test_changed_leaves_keep_their_shape() -> None:
    assert changed("2025-01-01T00:00:00Z") == "2025-01-01T00:00:01Z"
    assert changed("40321") == "40322"
    assert changed("电动自行车") == "电动自行车。"


# --- status ----------------------------------------------------------------------------------


def test_revoked() -> None:
    platform = Platform()
    platform.bits["revocation"].set(REVOCATION_INDEX)

    assert_outcome(platform.verify(platform.label()), Reason.REVOKED, "status:revocation")


def test_suspended() -> None:
    platform = Platform()
    platform.bits["suspension"].set(SUSPENSION_INDEX)

    assert_outcome(platform.verify(platform.label()), Reason.SUSPENDED, "status:suspension")


def test_revocation_is_reported_before_suspension() -> None:
    platform = Platform()
    platform.bits["suspension"].set(SUSPENSION_INDEX)
    platform.bits["revocation"].set(REVOCATION_INDEX)

    assert platform.verify(platform.label()).reason is Reason.REVOKED


def test_lifted_suspension_is_valid_again() -> None:
    platform = Platform()
    platform.bits["suspension"].set(SUSPENSION_INDEX)
    platform.bits["suspension"].set(SUSPENSION_INDEX, False)

    assert platform.verify(platform.label()).reason is Reason.VALID


def test_other_bits_do_not_affect_a_label() -> None:
    platform = Platform()
    platform.bits["revocation"].set(REVOCATION_INDEX + 1)
    platform.bits["suspension"].set(SUSPENSION_INDEX - 1)

    assert platform.verify(platform.label()).reason is Reason.VALID


def test_status_list_with_a_broken_proof_is_unavailable() -> None:
    platform = Platform()
    url = list_url(ISSUER, "revocation")
    forged = platform.status_list("revocation")
    # Someone serving the list clears nothing but sets a bit: the list's own proof must catch it.
    bits = Bitstring()
    bits.set(1)
    forged["credentialSubject"]["encodedList"] = bits.encode()
    platform.served[url] = forged

    result = platform.verify(platform.label())

    assert_outcome(result, Reason.STATUS_UNAVAILABLE, "status:revocation")
    assert url in result.checks[-1].detail


def test_status_list_with_a_broken_proof_cannot_revoke_a_label() -> None:
    platform = Platform()
    forged = platform.status_list("revocation")
    bits = Bitstring()
    bits.set(REVOCATION_INDEX)
    forged["credentialSubject"]["encodedList"] = bits.encode()
    platform.served[list_url(ISSUER, "revocation")] = forged

    assert platform.verify(platform.label()).reason is Reason.STATUS_UNAVAILABLE


def signed_by_stranger(platform: Platform, purpose: str) -> dict[str, Any]:
    stranger = Platform(issuer=did_key_from_public_key(STRANGER.public_key()))
    stranger.keys = {"key-1": STRANGER}
    document = stranger.status_list(purpose)
    del document["proof"]
    document["id"] = list_url(platform.issuer, purpose)
    return sign(document, STRANGER, stranger.method("key-1"), LIST_CREATED)


def list_with(platform: Platform, purpose: str, **changes: Any) -> dict[str, Any]:
    document = platform.status_list(purpose)
    del document["proof"]
    document.update(changes)
    key = platform.keys[platform.list_key]
    return sign(document, key, platform.method(platform.list_key), LIST_CREATED)


@pytest.mark.parametrize(
    "serve",
    [
        pytest.param(lambda platform, url: LookupError("404"), id="fetch-fails"),
        pytest.param(lambda platform, url: "not json", id="not-json"),
        pytest.param(
            lambda platform, url: signed_by_stranger(platform, "revocation"), id="stranger"
        ),
        pytest.param(lambda platform, url: platform.status_list("suspension"), id="wrong-purpose"),
        pytest.param(
            lambda platform, url: list_with(platform, "revocation", id=url + "/other"),
            id="other-address",
        ),
        pytest.param(
            lambda platform, url: list_with(
                platform, "revocation", validUntil="2025-05-31T12:00:00Z"
            ),
            id="list-expired",
        ),
        pytest.param(
            lambda platform, url: list_with(
                platform, "revocation", validFrom="2025-06-02T00:00:00Z"
            ),
            id="list-not-yet-valid",
        ),
    ],
)
def test_status_unavailable(serve: Any) -> None:
    platform = Platform()
    url = list_url(ISSUER, "revocation")
    answer = serve(platform, url)
    if isinstance(answer, Exception):
        platform.served = {}

        def failing_fetch(requested: str) -> Any:
            if requested == url:
                raise answer
            return platform.fetch(requested)

        result = platform.verify(platform.label(), fetch_status_list=failing_fetch)
    else:
        platform.served[url] = answer
        result = platform.verify(platform.label())

    assert_outcome(result, Reason.STATUS_UNAVAILABLE, "status:revocation")


def test_status_unavailable_without_a_fetcher() -> None:
    platform = Platform()

    result = platform.verify(platform.label(), fetch_status_list=None)

    assert_outcome(result, Reason.STATUS_UNAVAILABLE, "status:revocation")


def test_status_unavailable_when_the_index_is_outside_the_list() -> None:
    platform = Platform()

    result = platform.verify(platform.label(revocation_index=Bitstring().__len__()))

    assert_outcome(result, Reason.STATUS_UNAVAILABLE, "status:revocation")


def test_status_list_signed_with_a_revoked_key_is_unavailable() -> None:
    platform = Platform(
        keys={"key-1": KEY_ONE, "key-2": KEY_TWO},
        list_key="key-2",
        key_options={"key-2": {"revoked": datetime(2025, 5, 31, 12, tzinfo=UTC)}},
    )

    assert_outcome(
        platform.verify(platform.label()), Reason.STATUS_UNAVAILABLE, "status:revocation"
    )


# --- validity period -------------------------------------------------------------------------


def test_expired() -> None:
    platform = Platform()

    result = platform.verify(platform.label(), now=datetime(2028, 1, 1, 0, 0, 1, tzinfo=UTC))

    assert_outcome(result, Reason.EXPIRED, "validity")


def test_not_yet_valid() -> None:
    platform = Platform()

    result = platform.verify(platform.label(), now=datetime(2024, 12, 31, 23, 59, tzinfo=UTC))

    assert_outcome(result, Reason.NOT_YET_VALID, "validity")


# --- issuer and keys -------------------------------------------------------------------------


def test_unknown_issuer_without_a_resolver_for_did_web() -> None:
    platform = Platform()

    assert_outcome(
        platform.verify(platform.label(), resolve_key=None), Reason.UNKNOWN_ISSUER, "issuer"
    )


def test_unknown_issuer_when_the_key_is_not_in_the_did_document() -> None:
    platform = Platform()
    label = platform.label()
    platform.keys = {"key-2": KEY_TWO}

    assert_outcome(platform.verify(label), Reason.UNKNOWN_ISSUER, "issuer")


def test_unknown_issuer_when_someone_signs_in_the_issuers_name() -> None:
    platform = Platform()
    stranger_method = did_key_verification_method(STRANGER.public_key())
    label = sign(label_document(ISSUER), STRANGER, stranger_method, LABEL_CREATED)

    result = platform.verify(label)

    assert_outcome(result, Reason.UNKNOWN_ISSUER, "issuer")
    assert "is not a key of" in result.checks[-1].detail


def test_unknown_issuer_when_a_key_is_listed_under_the_issuer_but_controlled_by_another() -> None:
    platform = Platform()

    def resolve(_method: str) -> ResolvedKey:
        return ResolvedKey(public_key=KEY_ONE.public_key(), controller="did:web:elsewhere.example")

    assert_outcome(
        platform.verify(platform.label(), resolve_key=resolve), Reason.UNKNOWN_ISSUER, "issuer"
    )


def test_unknown_issuer_when_the_key_was_not_yet_in_service() -> None:
    platform = Platform()

    def resolve(_method: str) -> ResolvedKey:
        return ResolvedKey(
            public_key=KEY_ONE.public_key(), valid_from=datetime(2025, 2, 1, tzinfo=UTC)
        )

    assert_outcome(
        platform.verify(platform.label(), resolve_key=resolve), Reason.UNKNOWN_ISSUER, "issuer"
    )


def test_unknown_issuer_outside_the_trusted_issuers() -> None:
    platform = did_key_platform()

    result = platform.verify(platform.label(), trusted_issuers={ISSUER})

    assert_outcome(result, Reason.UNKNOWN_ISSUER, "issuer")
    assert platform.verify(platform.label(), trusted_issuers={platform.issuer}).valid


def test_key_revoked_in_the_did_document() -> None:
    platform = Platform(
        keys={"key-1": KEY_ONE, "key-2": KEY_TWO},
        list_key="key-2",
        key_options={"key-1": {"revoked": datetime(2025, 5, 1, tzinfo=UTC)}},
    )

    assert_outcome(platform.verify(platform.label()), Reason.KEY_REVOKED, "issuer")


def test_key_reported_revoked_by_the_resolver() -> None:
    platform = Platform()

    def resolve(_method: str) -> ResolvedKey:
        return ResolvedKey(public_key=KEY_ONE.public_key(), controller=ISSUER, revoked=True)

    assert_outcome(
        platform.verify(platform.label(), resolve_key=resolve), Reason.KEY_REVOKED, "issuer"
    )


def test_retired_key_still_verifies_what_it_signed_before_retirement() -> None:
    platform = Platform(
        keys={"key-1": KEY_ONE, "key-2": KEY_TWO},
        list_key="key-2",
        key_options={"key-1": {"expires": datetime(2025, 3, 1, tzinfo=UTC)}},
    )

    assert platform.verify(platform.label()).reason is Reason.VALID


def test_retired_key_cannot_sign_after_retirement() -> None:
    platform = Platform(key_options={"key-1": {"expires": datetime(2024, 12, 1, tzinfo=UTC)}})

    assert_outcome(platform.verify(platform.label()), Reason.KEY_REVOKED, "issuer")


# --- malformed input -------------------------------------------------------------------------


def edited(change: Any) -> dict[str, Any]:
    label = copy.deepcopy(SIGNED_LABEL)
    change(label)
    return label


@pytest.mark.parametrize(
    "credential",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param("[]", id="array"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param('{"proof": 1, "proof": 2}', id="duplicate-members"),
        pytest.param(json.dumps(SIGNED_LABEL)[:-1] + ', "x": NaN}', id="nan"),
        pytest.param(edited(lambda label: label.pop("proof")), id="no-proof"),
        pytest.param(edited(lambda label: label.update(proof=[label["proof"]])), id="proof-set"),
        pytest.param(edited(lambda label: label.pop("@context")), id="no-context"),
        pytest.param(
            edited(lambda label: label.update(issuer="https://x.example")), id="issuer-url"
        ),
        pytest.param(edited(lambda label: label.update(issuer=ISSUER + "\x00")), id="issuer-nul"),
        pytest.param(
            edited(lambda label: label.update(issuer=ISSUER.replace(":", ":\n", 1))),
            id="issuer-newline",
        ),
        pytest.param(
            edited(lambda label: label["proof"].update(verificationMethod=ISSUER + "#key-1\x00")),
            id="method-nul",
        ),
        pytest.param(
            edited(lambda label: label["proof"].update(verificationMethod=ISSUER + "#\x85key")),
            id="method-c1-control",
        ),
        pytest.param(edited(lambda label: label.pop("credentialSubject")), id="no-subject"),
        pytest.param(edited(lambda label: label.update(validFrom="2025-01-01")), id="date-only"),
        pytest.param(
            edited(lambda label: label.update(validUntil="2028-01-01T00:00:00")), id="no-tz"
        ),
        pytest.param(edited(lambda label: label["proof"].pop("created")), id="no-created"),
        pytest.param(edited(lambda label: label["proof"].pop("proofValue")), id="no-proof-value"),
        pytest.param(
            edited(lambda label: label["credentialStatus"][0].update(statusListIndex=7)),
            id="index-number",
        ),
        pytest.param(
            edited(lambda label: label["credentialStatus"][0].update(statusListIndex="007")),
            id="index-leading-zero",
        ),
        pytest.param(
            edited(lambda label: label["credentialStatus"][1].update(statusSize=2)),
            id="status-size",
        ),
        pytest.param(
            edited(lambda label: label["credentialSubject"].update(count=2**60)), id="big-integer"
        ),
    ],
)
def test_malformed(credential: Any) -> None:
    result = Platform().verify(credential)

    assert_outcome(result, Reason.MALFORMED, "format")
    assert len(result.checks) == 1


# --- command line ----------------------------------------------------------------------------


@pytest.fixture
def published(tmp_path: Path) -> tuple[Platform, list[str]]:
    platform = Platform()
    (tmp_path / "did.json").write_text(json.dumps(platform.did_document()))
    options = [
        "--offline",
        "--now",
        "2025-06-01T00:00:00Z",
        "--did-doc",
        str(tmp_path / "did.json"),
    ]
    for purpose in ("revocation", "suspension"):
        path = tmp_path / f"{purpose}.json"
        path.write_text(json.dumps(platform.status_list(purpose)))
        options += ["--status-list", f"{list_url(ISSUER, purpose)}={path}"]
    return platform, options


def test_command_line_accepts_a_valid_label(
    published: tuple[Platform, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform, options = published
    (tmp_path / "label.json").write_text(json.dumps(platform.label(), ensure_ascii=False))

    code = main([str(tmp_path / "label.json"), *options])

    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "VALID"


def test_command_line_reports_a_tampered_label_as_json(
    published: tuple[Platform, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform, options = published
    label = platform.label()
    label["credentialSubject"]["footprint"]["value"] = "12.345"
    (tmp_path / "label.json").write_text(json.dumps(label))

    code = main([str(tmp_path / "label.json"), *options, "--json"])

    assert code == 1
    output = json.loads(capsys.readouterr().out)
    assert output["reason"] == "TAMPERED"
    assert output["verified"] is False


def test_command_line_offline_without_status_lists_is_unavailable(
    published: tuple[Platform, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    platform, options = published
    (tmp_path / "label.json").write_text(json.dumps(platform.label()))
    without_lists = options[: options.index("--status-list")]

    assert main([str(tmp_path / "label.json"), *without_lists]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "STATUS_UNAVAILABLE"


def test_verifier_runs_as_a_module_without_django(tmp_path: Path) -> None:
    platform = did_key_platform()
    label = platform.label()
    label.pop("credentialStatus")
    label = sign(
        {key: value for key, value in label.items() if key != "proof"},
        KEY_ONE,
        platform.method("key-1"),
        LABEL_CREATED,
    )
    (tmp_path / "label.json").write_text(json.dumps(label))
    script = (
        "import runpy, sys; sys.argv = ['verifier', sys.argv[1], '--offline', '--now',"
        " '2025-06-01T00:00:00Z']\n"
        "try:\n    runpy.run_module('labels.vc', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not [name for name in sys.modules if name.split('.')[0] == 'django']\n"
        "    raise\n"
    )
    root = Path(__file__).resolve().parents[2]

    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "label.json")],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[-1] == "VALID"
    assert "the credential carries no status entries" in completed.stdout


def test_command_line_says_the_log_is_not_checked(
    published: tuple[Platform, list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The offline verifier does not read the transparency log, and says so."""
    platform, options = published
    (tmp_path / "label.json").write_text(json.dumps(platform.label(), ensure_ascii=False))

    assert main([str(tmp_path / "label.json"), *options]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2].startswith("skip log: not checked")
    assert not any(line.startswith("ok   log") for line in lines)

    assert main([str(tmp_path / "label.json"), *options, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notChecked"] == ["log"]


@pytest.mark.parametrize(
    ("retired", "expires"),
    [
        (datetime(2025, 6, 1, 8, 0, 5, 250_000, tzinfo=UTC), "2025-06-01T08:00:06Z"),
        (datetime(2025, 6, 1, 8, 0, 5, 999_999, tzinfo=UTC), "2025-06-01T08:00:06Z"),
        (datetime(2025, 6, 1, 8, 0, 5, tzinfo=UTC), "2025-06-01T08:00:05Z"),
    ],
)
def test_a_did_document_states_a_retirement_rounded_up_to_the_second(
    retired: datetime, expires: str
) -> None:
    """A proof's whole second s is before the retirement r exactly when s < r rounded up."""
    entry = verification_method_entry(ISSUER, "key-1", KEY_ONE.public_key(), expires=retired)

    assert entry["expires"] == expires
