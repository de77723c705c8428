"""``python -m labels.vc label.json [--did-doc did.json] [--status-list URL=FILE]``.

Prints each check and the reason code and exits 0 only for a valid label. DID documents and status
lists come from files when given and otherwise over HTTPS (never with ``--offline``), so a third
party can verify a label with nothing but this package and its three dependencies.

The transparency log (NOT_IN_LOG) is not checked here: the command stays offline-capable and
free of the log's formats. It says so in a ``skip log`` line (``"notChecked": ["log"]`` with
``--json``); the steps to check a label's ``log.json`` are in docs/transparency.md.
"""

import argparse
import json
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .dates import parse_date_time
from .did import (
    KeyResolver,
    ResolvedKey,
    did_of,
    did_web_document_url,
    key_from_did_document,
    resolver_from_did_documents,
)
from .jcs import loads_strict
from .verifier import StatusListFetcher, verify_credential

_MAXIMUM_DOWNLOAD = 4 * 1024 * 1024
LOG = "log"
NOT_CHECKED = (
    "skip log: not checked here; the issuance's log entry and its inclusion proof are in "
    "/labels/<serial>/log.json (docs/transparency.md)"
)


def _download_json(url: str) -> Any:
    """Fetch JSON over HTTPS only, bounded in time and size: the input is someone else's server."""
    if not url.startswith("https://"):
        raise ValueError(f"only https addresses are fetched: {url}")
    # The https check above is what S310 asks for; file: and custom schemes never get here.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = response.read(_MAXIMUM_DOWNLOAD + 1)
    if len(body) > _MAXIMUM_DOWNLOAD:
        raise ValueError(f"{url} answered more than {_MAXIMUM_DOWNLOAD} bytes")
    return loads_strict(body)


def _command_line_resolver(documents: list[dict[str, Any]], offline: bool) -> KeyResolver:
    local = resolver_from_did_documents(documents)
    known = {document["id"] for document in documents}
    downloaded: dict[str, Any] = {}

    def resolve(method: str) -> ResolvedKey:
        did = did_of(method)
        if did in known or offline:
            return local(method)
        if did not in downloaded:
            downloaded[did] = _download_json(did_web_document_url(did))
        return key_from_did_document(downloaded[did], method)

    return resolve


def _command_line_fetcher(copies: dict[str, Path], offline: bool) -> StatusListFetcher:
    def fetch(url: str) -> Any:
        if url in copies:
            return copies[url].read_bytes()
        if offline:
            raise LookupError(f"no local copy of {url}")
        return _download_json(url)

    return fetch


def main(arguments: Sequence[str] | None = None) -> int:
    """Print each check and the reason code; exit 0 only for a valid credential."""
    parser = argparse.ArgumentParser(
        prog="python -m labels.vc",
        description="Verify a signed carbon label (VC 2.0, Data Integrity eddsa-jcs-2022).",
    )
    parser.add_argument("credential", help="credential JSON file, or - for standard input")
    parser.add_argument(
        "--did-doc",
        action="append",
        default=[],
        metavar="FILE",
        help="DID document of a did:web issuer (otherwise fetched over HTTPS)",
    )
    parser.add_argument(
        "--status-list",
        action="append",
        default=[],
        metavar="URL=FILE",
        help="local copy of the status list credential published at URL",
    )
    parser.add_argument("--offline", action="store_true", help="never use the network")
    parser.add_argument(
        "--trusted-issuer",
        action="append",
        metavar="DID",
        help="accept only these issuers (repeatable)",
    )
    parser.add_argument("--now", help="check validity at this date-time instead of now")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    options = parser.parse_args(arguments)

    try:
        moment = parse_date_time(options.now) if options.now else None
        copies = dict(_split_copy(item) for item in options.status_list)
        documents = [_read_did_document(Path(name)) for name in options.did_doc]
        source = sys.stdin.buffer if options.credential == "-" else None
        credential = source.read() if source else Path(options.credential).read_bytes()
    except (OSError, ValueError) as error:
        parser.error(str(error))
    result = verify_credential(
        credential,
        resolve_key=_command_line_resolver(documents, options.offline),
        fetch_status_list=_command_line_fetcher(copies, options.offline),
        now=moment,
        trusted_issuers=options.trusted_issuer,
    )
    if options.json:
        print(json.dumps({**result.to_dict(), "notChecked": [LOG]}, indent=2, ensure_ascii=False))
    else:
        for check in result.checks:
            print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        print(NOT_CHECKED)
        print(result.reason.value)
    return 0 if result.valid else 1


def _read_did_document(path: Path) -> dict[str, Any]:
    document = loads_strict(path.read_bytes())
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise ValueError(f"{path} is not a DID document")
    return document


def _split_copy(item: str) -> tuple[str, Path]:
    # The last "=" splits: a URL may carry one in its query, a file name rarely does.
    url, separator, name = item.rpartition("=")
    if not separator or not url or not name:
        raise ValueError(f"--status-list expects URL=FILE, got {item!r}")
    return url, Path(name)
