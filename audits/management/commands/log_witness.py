"""``manage.py log_witness URL``: witness a transparency log and cosign its checkpoint.

Exit 0 after a cosignature; 2 on evidence against the log (a fork, a bad signature, a changed
log key), which is never cosigned and leaves the state as it was; 1 on any other failure.
See docs/transparency.md, "Witnessing".
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audits.transparency import cosignature, witness
from audits.transparency.note import NoteError


class Command(BaseCommand):
    help = "Check a transparency log's checkpoint for consistency and cosign it (C2SP)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", nargs="?", help="the log's base URL, e.g. https://host/log")
        parser.add_argument(
            "--log-key",
            help="the log's note verifier key; without it, the first run trusts <URL>/key",
        )
        parser.add_argument(
            "--state",
            help="the state file (default: one file per origin in LOG_WITNESS_STATE_DIR)",
        )
        parser.add_argument("--out", help="write the cosigned checkpoint here (default: stdout)")
        parser.add_argument(
            "--witness-key-file",
            help="the witness's private key, PRIVATE+KEY+<name>+<id>+<base64> "
            "(else LOG_WITNESS_KEY)",
        )
        parser.add_argument("--witness-name", help="the witness's key name (else LOG_WITNESS_NAME)")
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="write a new private key to --witness-key-file and print its verifier key",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--once", action="store_true", help="one round (the default)")
        group.add_argument(
            "--interval", type=int, help="repeat every N seconds until a fork is seen"
        )

    def handle(self, *args, **options) -> None:
        if options["generate_key"]:
            self._generate(options)
            return
        if not options["url"]:
            raise CommandError("Give the log's base URL, e.g. https://labels.example.cn/log")
        if options["interval"] is not None and options["interval"] < 1:
            raise CommandError("--interval is a number of seconds, at least 1")
        name, key = self._witness_key(options)
        while True:
            try:
                self._round(options, name, key)
            except witness.LogMisbehaviour as error:
                if error.evidence:
                    self.stderr.write(f"log_witness: the log served:\n{error.evidence}", ending="")
                raise CommandError(str(error), returncode=error.exit_code) from error
            except witness.WitnessError as error:
                if options["interval"] is None:
                    raise CommandError(str(error), returncode=error.exit_code) from error
                self.stderr.write(f"log_witness: {error}; trying again in {options['interval']} s")
            if options["interval"] is None:
                return
            time.sleep(options["interval"])

    def _round(self, options: dict, name: str, key: Ed25519PrivateKey) -> None:
        explicit = Path(options["state"]) if options["state"] else None
        directory = Path(settings.LOG_WITNESS_STATE_DIR)
        result = witness.witness_step(
            options["url"],
            witness_name=name,
            witness_key=key,
            now=int(time.time()),
            state_path=lambda origin: explicit or directory / witness.state_file_name(origin),
            log_key=options["log_key"],
        )
        if result.trusted_on_first_use:
            self.stderr.write(
                f"log_witness: first sight of {result.state.origin}: trusting the log key "
                f"{result.state.log_key} from {options['url'].rstrip('/')}/key"
            )
        if options["out"]:
            witness.atomic_write(Path(options["out"]), result.cosigned_note)
        else:
            self.stdout.write(result.cosigned_note, ending="")
        previous = "none" if result.previous_size is None else str(result.previous_size)
        self.stderr.write(
            f"log_witness: cosigned {result.state.origin} at size {result.state.size} "
            f"(previous {previous})"
        )

    def _witness_key(self, options: dict) -> tuple[str, Ed25519PrivateKey]:
        name = options["witness_name"] or settings.LOG_WITNESS_NAME
        if options["witness_key_file"]:
            try:
                text = Path(options["witness_key_file"]).read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"cannot read the witness key: {error}") from error
        else:
            text = settings.LOG_WITNESS_KEY
        if not text.strip():
            raise CommandError("Give the witness key: --witness-key-file or LOG_WITNESS_KEY.")
        if text.strip().startswith(cosignature.PRIVATE_PREFIX):
            try:
                key_name, key = cosignature.parse_private_key(text)
            except NoteError as error:
                raise CommandError(f"the witness key is malformed: {error}") from error
            if options["witness_name"] and options["witness_name"] != key_name:
                raise CommandError(f"the witness key is named {key_name}, not {name}")
            return key_name, key
        # The environment form: base64 of the 32-byte seed, the name given apart.
        try:
            seed = base64.b64decode(text.strip(), validate=True)
        except binascii.Error as error:
            raise CommandError("LOG_WITNESS_KEY is PRIVATE+KEY+… or a base64 seed") from error
        if len(seed) != 32:
            raise CommandError("a witness seed is 32 bytes in base64")
        if not name:
            raise CommandError("Give the witness's name: --witness-name or LOG_WITNESS_NAME.")
        try:
            cosignature.verifier_key(name, Ed25519PrivateKey.from_private_bytes(seed).public_key())
        except NoteError as error:
            raise CommandError(str(error)) from error
        return name, Ed25519PrivateKey.from_private_bytes(seed)

    def _generate(self, options: dict) -> None:
        name = options["witness_name"] or settings.LOG_WITNESS_NAME
        target = options["witness_key_file"]
        if not name or not target:
            raise CommandError("--generate-key needs --witness-name and --witness-key-file.")
        key = Ed25519PrivateKey.generate()
        try:
            text = cosignature.private_key_text(name, key)
        except NoteError as error:
            raise CommandError(str(error)) from error
        path = Path(target)
        try:
            # Never overwrite: a lost witness key is a lost identity.
            with open(path, "x", encoding="utf-8", opener=_private_opener) as handle:
                handle.write(text + "\n")
        except FileExistsError as error:
            raise CommandError(f"{path} exists; refusing to overwrite a witness key") from error
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error}") from error
        self.stdout.write(cosignature.verifier_key(name, key.public_key()))
        self.stderr.write(f"log_witness: private key written to {path}; publish the line above")


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)
