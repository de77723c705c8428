"""`manage.py log_witness` against the platform's real /log/ endpoints, served by a live server.

The cosignatures are checked by a reader written here from C2SP tlog-cosignature, apart from
audits.transparency.cosignature. A fork is made the way a dishonest operator would: the log's
rows are rewritten in the database and the same log key signs the new tree.
"""

import base64
import hashlib
import http.server
import json
import re
import struct
import threading
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import CommandError, call_command

from audits.transparency import services
from audits.transparency.models import LogEntry, LogHead, LogNode

LOG_SEED = base64.b64encode(bytes(range(32))).decode()
OTHER_SEED = base64.b64encode(bytes(range(1, 33))).decode()
WITNESS = "witness.example.org/w1"
COSIGNATURE_LINE = re.compile("^\u2014 (?P<name>[^ ]+) (?P<sig>[A-Za-z0-9+/]+=*)$")


@pytest.fixture
def log_url(transactional_db, live_server, settings) -> str:
    settings.LABEL_PUBLIC_HOST = urlsplit(live_server.url).netloc
    settings.TRANSPARENCY_LOG_KEY = LOG_SEED
    return f"{live_server.url}/log"


@pytest.fixture
def witness_key(tmp_path) -> tuple[Path, str]:
    """A key made by the command itself: the file and the verifier key it printed."""
    path = tmp_path / "witness.key"
    out = StringIO()
    call_command(
        "log_witness",
        "--generate-key",
        "--witness-name",
        WITNESS,
        "--witness-key-file",
        str(path),
        stdout=out,
        stderr=StringIO(),
    )
    return path, out.getvalue().strip()


@pytest.fixture
def state(tmp_path) -> Path:
    return tmp_path / "state" / "log.json"


def _fill(count: int, tag: str = "a") -> None:
    services.log_append_many(
        [("audits:chain:head", {"n": n, "tag": tag}, "") for n in range(count)]
    )


def _rewrite(count: int, tag: str) -> None:
    """Replace the whole log with other entries: what a fork looks like from outside."""
    LogEntry.objects.all().delete()
    LogNode.objects.all().delete()
    LogHead.objects.update(size=0, frontier=b"")
    _fill(count, tag)


def _witness(
    log_url: str, key_file: Path, state: Path, *extra: str, stderr: StringIO | None = None
) -> str:
    out = StringIO()
    call_command(
        "log_witness",
        log_url,
        "--state",
        str(state),
        "--witness-key-file",
        str(key_file),
        *extra,
        stdout=out,
        stderr=stderr or StringIO(),
    )
    return out.getvalue()


def read_cosignature(signed: str, vkey: str) -> tuple[int, str]:
    """tlog-cosignature/v1, Ed25519: the timestamp and the checkpoint text the witness signed."""
    name, key_id_hex, encoded = vkey.split("+", 2)
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x04 and len(raw) == 33
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + raw[1:]).digest()[:4]
    assert key_id.hex() == key_id_hex
    body, separator, lines = signed.partition("\n\n")
    assert separator and signed.endswith("\n")
    text = body + "\n"
    found = []
    for line in lines.rstrip("\n").split("\n"):
        match = COSIGNATURE_LINE.match(line)
        assert match, line
        stamp = base64.b64decode(match["sig"])
        if match["name"] == name and stamp[:4] == key_id:
            assert len(stamp) == 4 + 8 + 64
            timestamp = struct.unpack(">Q", stamp[4:12])[0]
            message = f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()
            Ed25519PublicKey.from_public_bytes(raw[1:]).verify(stamp[12:], message)
            found.append(timestamp)
    assert len(found) == 1, "exactly one cosignature by the witness"
    return found[0], text


def test_the_first_run_trusts_the_log_key_and_cosigns(log_url, witness_key, state) -> None:
    key_file, vkey = witness_key
    _fill(5)
    cosigned = _witness(log_url, key_file, state)
    timestamp, text = read_cosignature(cosigned, vkey)
    origin, size, _root = text.split("\n")[:3]
    assert origin.endswith("/log") and size == "5"
    assert timestamp > 1_600_000_000
    # The log's own signature is still there, first.
    assert cosigned.split("\n\n")[1].startswith(f"\u2014 {origin} ")
    saved = json.loads(state.read_text())
    assert saved["size"] == 5 and saved["checkpoint"] == cosigned
    log_key = urlopen_text(f"{log_url}/key").strip()
    assert saved["logKey"] == log_key


def urlopen_text(url: str) -> str:
    with urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_growth_with_a_valid_consistency_proof_is_cosigned(log_url, witness_key, state) -> None:
    key_file, vkey = witness_key
    _fill(5)
    _witness(log_url, key_file, state)
    _fill(300, "b")
    out = state.parent / "cosigned.txt"
    assert _witness(log_url, key_file, state, "--out", str(out)) == ""
    cosigned = out.read_text()
    _timestamp, text = read_cosignature(cosigned, vkey)
    assert text.split("\n")[1] == "305"
    assert json.loads(state.read_text())["size"] == 305
    # The same tree seen again is cosigned again (same size, same root).
    assert read_cosignature(_witness(log_url, key_file, state), vkey)[1] == text


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (8, "does not extend the cosigned tree of size 5"),
        (5, "two roots for size 5"),
        (3, "the log shrank from size 5 to 3"),
    ],
)
def test_a_forked_log_fails_loudly_and_keeps_the_state(
    log_url, witness_key, state, size, message
) -> None:
    key_file, _vkey = witness_key
    _fill(5)
    _witness(log_url, key_file, state)
    before = state.read_bytes()
    _rewrite(size, "forged")  # signed by the same log key
    out = state.parent / "cosigned.txt"
    stderr = StringIO()
    with pytest.raises(CommandError, match="FORK") as raised:
        _witness(log_url, key_file, state, "--out", str(out), stderr=stderr)
    assert message in str(raised.value)
    # The conflicting checkpoint is shown, to keep as evidence beside the state's.
    served = urlopen_text(f"{log_url}/checkpoint")
    assert served in stderr.getvalue() and served.split("\n")[1] == str(size)
    assert raised.value.returncode == 2
    assert state.read_bytes() == before
    assert not out.exists()


def test_a_changed_log_key_is_refused(log_url, witness_key, state, settings) -> None:
    key_file, _vkey = witness_key
    _fill(5)
    pinned = urlopen_text(f"{log_url}/key").strip()
    _witness(log_url, key_file, state, "--log-key", pinned)
    before = state.read_bytes()
    # The operator swaps the log's key: /log/key and the checkpoints follow the new one.
    settings.TRANSPARENCY_LOG_KEY = OTHER_SEED
    replaced = urlopen_text(f"{log_url}/key").strip()
    assert replaced != pinned
    with pytest.raises(CommandError, match="log key changed") as raised:
        _witness(log_url, key_file, state, "--log-key", replaced)
    assert raised.value.returncode == 2
    # Without --log-key the pinned key is used, and the new checkpoints do not verify with it.
    with pytest.raises(CommandError, match="bad signature"):
        _witness(log_url, key_file, state)
    assert state.read_bytes() == before


class _Doctored(http.server.BaseHTTPRequestHandler):
    """Serves one checkpoint at /log/checkpoint and nothing else."""

    checkpoint = b""

    def do_GET(self) -> None:
        if self.path != "/log/checkpoint":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.checkpoint)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def doctored_server():
    _Doctored.checkpoint = b""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Doctored)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_bad_signature_is_refused(log_url, witness_key, state, doctored_server) -> None:
    key_file, _vkey = witness_key
    _fill(5)
    genuine = urlopen_text(f"{log_url}/checkpoint")
    pinned = urlopen_text(f"{log_url}/key").strip()
    # The same signature line over a checkpoint claiming a larger tree.
    text, _, signature = genuine.partition("\n\n")
    lines = text.split("\n")
    lines[1] = "6"
    _Doctored.checkpoint = ("\n".join(lines) + "\n\n" + signature).encode()
    host, port = doctored_server.server_address
    with pytest.raises(CommandError, match="bad signature") as raised:
        _witness(f"http://{host}:{port}/log", key_file, state, "--log-key", pinned)
    assert raised.value.returncode == 2
    assert not state.exists()


def test_an_unreachable_log_is_an_ordinary_failure(witness_key, state, doctored_server) -> None:
    key_file, _vkey = witness_key
    host, port = doctored_server.server_address
    with pytest.raises(CommandError, match="404") as raised:
        _witness(f"http://{host}:{port}/elsewhere/", key_file, state)
    assert raised.value.returncode == 1
    assert not state.exists()


def test_generating_a_key_never_overwrites_one(witness_key) -> None:
    key_file, vkey = witness_key
    before = key_file.read_text()
    assert before.startswith(f"PRIVATE+KEY+{WITNESS}+")
    assert vkey.startswith(f"{WITNESS}+")
    assert key_file.stat().st_mode & 0o077 == 0
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command(
            "log_witness",
            "--generate-key",
            "--witness-name",
            WITNESS,
            "--witness-key-file",
            str(key_file),
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert key_file.read_text() == before


def test_the_witness_key_may_come_from_the_environment_as_a_seed(log_url, state, settings) -> None:
    seed = bytes(range(100, 132))
    settings.LOG_WITNESS_KEY = base64.b64encode(seed).decode()
    settings.LOG_WITNESS_NAME = WITNESS
    _fill(2)
    out = StringIO()
    call_command("log_witness", log_url, "--state", str(state), stdout=out, stderr=StringIO())
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(WITNESS.encode() + b"\n\x04" + raw).digest()[:4]
    encoded = base64.b64encode(bytes([4]) + raw).decode()
    vkey = f"{WITNESS}+{key_id.hex()}+{encoded}"
    assert read_cosignature(out.getvalue(), vkey)[1].split("\n")[1] == "2"


def test_the_default_state_is_one_file_per_origin(log_url, witness_key, settings, tmp_path):
    key_file, _vkey = witness_key
    settings.LOG_WITNESS_STATE_DIR = tmp_path / "witness-state"
    _fill(1)
    call_command(
        "log_witness",
        log_url,
        "--witness-key-file",
        str(key_file),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    (saved,) = (tmp_path / "witness-state").glob("*.json")
    assert json.loads(saved.read_text())["origin"] == f"{settings.LABEL_PUBLIC_HOST}/log"


# --- The cosignature module, for third parties -------------------------------------------


def test_the_cosignature_module_reads_what_it_writes_and_refuses_a_changed_text() -> None:
    from audits.transparency import cosignature
    from audits.transparency.note import NoteError

    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    vkey = cosignature.verifier_key(WITNESS, key.public_key())
    name, parsed = cosignature.parse_private_key(cosignature.private_key_text(WITNESS, key))
    assert name == WITNESS
    assert parsed.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == bytes(
        key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    text = "example.com/log\n3\n" + base64.b64encode(bytes(32)).decode() + "\n"
    signed = text + "\n" + cosignature.cosign(text, WITNESS, key, 1679315147)
    assert read_cosignature(signed, vkey) == (1679315147, text)
    assert cosignature.open_cosignature(signed, vkey) == 1679315147
    with pytest.raises(NoteError):
        cosignature.open_cosignature(signed.replace("\n3\n", "\n4\n"), vkey)
    # A note signer key (type 0x01) is not a cosigner key.
    with pytest.raises(NoteError):
        cosignature.parse_verifier_key(vkey.split("+")[0] + "+00000000+" + "AQ" + "A" * 42 + "=")


def test_the_timestamp_sits_big_endian_after_the_key_id_as_in_the_specification() -> None:
    # C2SP tlog-cosignature's example line, signed at "time 1679315147".
    example = (
        "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe"
        "+mbIUBkBIfZ+qnA=="
    )
    stamp = base64.b64decode(example)
    assert len(stamp) == 4 + 8 + 64
    assert struct.unpack(">Q", stamp[4:12])[0] == 1679315147
