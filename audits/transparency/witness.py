"""A witness of a transparency log (C2SP tlog-witness semantics, pulled rather than pushed).

It reads the log's signed checkpoint, checks the signature with the log key it pinned, proves
the new tree extends the last one it saw (RFC 9162 consistency), and only then cosigns
(``cosignature.py``) and remembers the new checkpoint. A log that shrank, changed its root at
the same size, cannot prove consistency or is not signed by the pinned key is refused: nothing
is cosigned and the state is left as it was, so the evidence of the earlier view survives.

The state is one JSON file per log origin, replaced atomically under a lock: two witness runs on
the same file cannot roll it back (tlog-witness asks the check and the update to be one step).
The network is one function, ``http_get``, with a size cap and a timeout.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import re
import tempfile
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import cosignature, note
from .merkle import ProofError, verify_consistency

MAX_RESPONSE_BYTES = 1 << 20
TIMEOUT_SECONDS = 20
EMPTY_ROOT = hashlib.sha256(b"").digest()

Fetcher = Callable[[str], bytes]


class WitnessError(Exception):
    """The round could not complete (network, malformed answer); nothing was cosigned."""

    exit_code = 1


class LogMisbehaviour(WitnessError):
    """Evidence against the log: never cosigned, the state kept as it was. ``evidence`` is the
    note the log served, to keep beside the state's checkpoint it contradicts."""

    exit_code = 2
    evidence = ""


class ForkDetected(LogMisbehaviour):
    def __init__(self, detail: str) -> None:
        super().__init__(f"FORK: {detail}")


class BadSignature(LogMisbehaviour):
    def __init__(self, detail: str) -> None:
        super().__init__(f"bad signature: {detail}")


class LogKeyChanged(LogMisbehaviour):
    def __init__(self, detail: str) -> None:
        super().__init__(f"log key changed: {detail}")


@dataclass(frozen=True)
class WitnessState:
    """The latest checkpoint verified and cosigned for one log origin."""

    origin: str
    log_key: str
    size: int
    root: str  # base64, as in the checkpoint
    checkpoint: str  # the whole note as cosigned, the witness's line included
    cosigned_at: int

    @property
    def root_hash(self) -> bytes:
        return base64.b64decode(self.root)


@dataclass(frozen=True)
class WitnessResult:
    cosigned_note: str
    state: WitnessState
    previous_size: int | None
    trusted_on_first_use: bool


def http_get(url: str) -> bytes:
    """GET ``url``; its body, at most 1 MiB. Raises WitnessError on any failure."""
    if not url.startswith(("http://", "https://")):
        raise WitnessError(f"not an http(s) URL: {url}")
    # The scheme is checked just above: no file: or custom schemes.
    request = urllib.request.Request(url, headers={"User-Agent": "carbonlabel-log-witness/1"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except OSError as error:  # URLError, HTTPError, timeouts, refused connections
        raise WitnessError(f"GET {url}: {error}") from error
    if len(body) > MAX_RESPONSE_BYTES:
        raise WitnessError(f"GET {url}: the answer exceeds {MAX_RESPONSE_BYTES} bytes")
    return body


def state_file_name(origin: str) -> str:
    """A file name for an origin: readable, and unique through a digest of the whole origin."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", origin)[:80]
    return f"{readable}-{hashlib.sha256(origin.encode()).hexdigest()[:12]}.json"


def state_read(path: Path) -> WitnessState | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise WitnessError(f"cannot read the state {path}: {error}") from error
    try:
        state = WitnessState(
            origin=data["origin"],
            log_key=data["logKey"],
            size=int(data["size"]),
            root=data["root"],
            checkpoint=data["checkpoint"],
            cosigned_at=int(data["cosignedAt"]),
        )
        if len(state.root_hash) != 32:
            raise ValueError("the root is not 32 bytes")
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise WitnessError(f"the state {path} is malformed: {error}") from error
    return state


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, flush it to disk and rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def state_write(path: Path, state: WitnessState) -> None:
    data = asdict(state)
    body = {
        "origin": data["origin"],
        "logKey": data["log_key"],
        "size": data["size"],
        "root": data["root"],
        "checkpoint": data["checkpoint"],
        "cosignedAt": data["cosigned_at"],
    }
    atomic_write(path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")


@contextmanager
def state_locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<state>.lock`` for one check-and-update."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _unverified_origin(signed: str) -> str:
    """The origin line, only to find the state file: nothing is trusted before the signature."""
    text = signed[: signed.find("\n\n") + 1] if "\n\n" in signed else ""
    try:
        return note.parse_checkpoint(text)[0]
    except note.NoteError as error:
        raise WitnessError(f"the log's checkpoint is malformed: {error}") from error


def _decode(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WitnessError(f"the {what} is not UTF-8") from error


def _consistency_proof(fetch: Fetcher, log_url: str, old: int, new: int) -> list[bytes]:
    body = fetch(f"{log_url}/proof/consistency?old={old}&new={new}")
    try:
        hashes = json.loads(body)["hashes"]
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise ValueError("hashes is a list of strings")
    except (ValueError, KeyError, TypeError) as error:
        raise WitnessError(f"the consistency proof answer is malformed: {error}") from error
    try:
        return [base64.b64decode(h, validate=True) for h in hashes]
    except binascii.Error as error:
        raise ForkDetected(f"the consistency proof {old} -> {new} is not base64") from error


def _check_extends(state: WitnessState, size: int, root: bytes, proof_of: Callable) -> None:
    if size < state.size:
        raise ForkDetected(f"the log shrank from size {state.size} to {size}")
    if size == state.size:
        if root != state.root_hash:
            raise ForkDetected(
                f"two roots for size {size}: {state.root} before, "
                f"{base64.b64encode(root).decode()} now"
            )
        return
    try:
        verify_consistency(state.size, size, proof_of(state.size, size), state.root_hash, root)
    except ProofError as error:
        raise ForkDetected(
            f"the tree of size {size} does not extend the cosigned tree of size {state.size} "
            f"({error})"
        ) from error


def witness_step(
    log_url: str,
    *,
    witness_name: str,
    witness_key: Ed25519PrivateKey,
    now: int,
    state_path: Callable[[str], Path],
    log_key: str | None = None,
    fetch: Fetcher = http_get,
) -> WitnessResult:
    """One round: fetch, verify, prove consistency, cosign, remember. See the module's notes."""
    log_url = log_url.rstrip("/")
    signed = _decode(fetch(f"{log_url}/checkpoint"), "checkpoint")
    try:
        return _step(
            log_url,
            signed,
            witness_name=witness_name,
            witness_key=witness_key,
            now=now,
            state_path=state_path,
            log_key=log_key,
            fetch=fetch,
        )
    except LogMisbehaviour as error:
        error.evidence = signed
        raise


def _step(
    log_url: str,
    signed: str,
    *,
    witness_name: str,
    witness_key: Ed25519PrivateKey,
    now: int,
    state_path: Callable[[str], Path],
    log_key: str | None,
    fetch: Fetcher,
) -> WitnessResult:
    origin = _unverified_origin(signed)
    path = state_path(origin)
    with state_locked(path):
        state = state_read(path)
        if state is not None and state.origin != origin:
            raise WitnessError(f"the state {path} is for the log {state.origin}, not {origin}")
        tofu = False
        if state is not None:
            if log_key is not None and log_key.strip() != state.log_key:
                raise LogKeyChanged(f"pinned {state.log_key}, given {log_key.strip()}")
            key = state.log_key
        elif log_key is not None:
            key = log_key.strip()
        else:
            key = _decode(fetch(f"{log_url}/key"), "log key").strip()
            tofu = True
        try:
            key_name = note.parse_verifier_key(key)[0]
        except note.NoteError as error:
            raise WitnessError(f"the log key is malformed: {error}") from error
        if key_name != origin:
            # tlog-checkpoint: the key name matches the origin; a witness keeps one key per origin.
            raise BadSignature(f"the checkpoint's origin {origin} is not the key's name {key_name}")
        try:
            text = note.open_note(signed, key)
        except note.NoteError as error:
            raise BadSignature(f"{error} ({key})") from error
        _origin, size, root = note.parse_checkpoint(text)
        if size == 0 and root != EMPTY_ROOT:
            raise ForkDetected("a tree of size 0 with a root other than SHA-256 of nothing")
        if state is not None:
            _check_extends(
                state,
                size,
                root,
                lambda old, new: _consistency_proof(fetch, log_url, old, new),
            )
        line = cosignature.cosign(text, witness_name, witness_key, now)
        cosigned = signed + line
        new_state = WitnessState(
            origin=origin,
            log_key=key,
            size=size,
            root=base64.b64encode(root).decode(),
            checkpoint=cosigned,
            cosigned_at=now,
        )
        # tlog-witness: persist the new checkpoint before handing out its cosignature.
        state_write(path, new_state)
    return WitnessResult(
        cosigned_note=cosigned,
        state=new_state,
        previous_size=None if state is None else state.size,
        trusted_on_first_use=tofu,
    )
