"""Clone the demo's signed label into many labels, fast, for the load benchmark.

``python benchmarks/seed_labels.py --total 1000000`` tops the label table up to 1,000,000 rows with
PostgreSQL COPY. Every clone is a real, verifiable label: the template's credential with its own
serial, GTIN and status list entries, re-signed with the body's key (eddsa-jcs-2022), so the public
page's verification does the same work for a clone as for the original. Run it on a benchmark
database only; it refuses SQLite and needs one issued label (``manage.py seed_demo`` makes one).

What is simplified, on purpose:

* All clones hang off the template's certificate, with ``certificate_version`` 2, 3, … N+1 (the
  unique constraint is on (certificate, certificate_version)). Creating a million certificates
  would need a million applications, products and dossiers; the label reads join the certificate
  by primary key, so one hot certificate row makes those joins slightly cheaper than in real data.
* Clone status entries fill fresh status lists of 131,072 entries each, in order (the product
  picks random free indexes); ``(list, index)`` pairs stay unique.
* COPY runs with ``session_replication_role = replica``: the foreign-key triggers do not fire (the
  keys are valid by construction); unique indexes and check constraints are still enforced.
* Each clone's issuance is appended to the transparency log in the transaction that copies it
  (the bulk append path), so a clone passes the verifier's log check like an issued label.

Serials are a bijection of a counter onto 60 bits, written in Crockford base32 (12 characters),
so they look like random issued serials and the B-tree of serials has the usual shape. GTINs are
``0693`` + a bijection of the counter onto nine digits + a valid check digit, one per label by
default (``--per-gtin`` groups several labels under one GTIN).
"""

import copy
import hashlib
import json
import re
import sys
import time
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Min
from django.urls import reverse

from audits.transparency.models import INDEX_BITS
from audits.transparency.selectors import log_size
from audits.transparency.services import log_append_encoded
from certification.identifiers import gtin_check_digit
from labels import answers, keys, statuslists, stored
from labels.models import Label, LabelAnswer, ReasonCode, StatusList, StatusPurpose
from labels.rendering.qr import SERIAL_ALPHABET, serial_is_valid
from labels.vc.dataintegrity import hash_data
from labels.vc.jcs import canonicalize
from labels.vc.multibase import base58btc_encode
from labels.vc.statuslist import MINIMUM_LENGTH, Bitstring

# Bijections of the counter: odd multipliers modulo 2**60, and a multiplier coprime with 10.
SERIAL_BITS = 60
SERIAL_MULTIPLIER = 0x9E3779B97F4A7C15 % (1 << SERIAL_BITS) | 1
SERIAL_OFFSET = 0x2545F4914F6CDD1D % (1 << SERIAL_BITS)
GTIN_PREFIX = "0693"
GTIN_SPACE = 10**9
GTIN_MULTIPLIER = 387_420_489  # 3**18, coprime with 10**9
GTIN_OFFSET = 271_828_182
FIRST_CLONE_VERSION = 2
LIST_LENGTH = MINIMUM_LENGTH  # 131,072
CHUNK_ROWS = 50_000
REBUILD_ROWS = 100_000  # below this, COPY into the indexed table
WRITE_ROWS = 2_000

COPY_COLUMNS = (
    "certificate_version",
    "serial",
    "gtin",
    "credential",
    "issuer",
    "issued_at",
    "valid_from",
    "valid_until",
    "status",
    "status_reason",
    "status_changed_at",
    "revocation_index",
    "suspension_index",
    "certificate_id",
    "signing_key_id",
    "revocation_list_id",
    "suspension_list_id",
    "content_version",
    "document_stale",
    "supervision",
)
ISSUED = "labels:label:issued"
TOKEN = re.compile(r"@(SERIAL|GTIN|RURL|RIDX|SURL|SIDX|PROOF|DIGEST|VERSION)@")
VERSION_HOLE = 4_503_599_627_370_495  # an integer the entry cannot otherwise hold (2^52 - 1)


def serial_for(number: int) -> str:
    """The serial of clone `number`: 12 Crockford base32 characters, distinct per number."""
    value = (number * SERIAL_MULTIPLIER + SERIAL_OFFSET) % (1 << SERIAL_BITS)
    characters = []
    for _ in range(SERIAL_BITS // 5):
        characters.append(SERIAL_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(characters))


def gtin_for(group: int) -> str:
    """The GTIN-14 of GTIN group `group`, with its check digit."""
    body = GTIN_PREFIX + f"{(group * GTIN_MULTIPLIER + GTIN_OFFSET) % GTIN_SPACE:09d}"
    return body + str(gtin_check_digit(body))


def clone_key(number: int, per_gtin: int = 1) -> tuple[str, str]:
    """(serial, GTIN) of clone `number`, for load generators that pick labels at random."""
    return serial_for(number), gtin_for(number // per_gtin)


class _Template:
    """A text with @TOKEN@ holes, filled by joining, which is faster than repeated replace()."""

    def __init__(self, text: str) -> None:
        parts = TOKEN.split(text)
        self.literals = parts[0::2]
        self.names = parts[1::2]

    def fill(self, values: dict[str, str]) -> str:
        out = [self.literals[0]]
        for name, literal in zip(self.names, self.literals[1:], strict=True):
            out.append(values[name])
            out.append(literal)
        return "".join(out)


def _copy_escape(text: str) -> str:
    """COPY text format: backslash, tab, newline and carriage return are escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _tokenised_credential(template: Label) -> dict[str, Any]:
    """The template credential with @TOKEN@ holes wherever a clone differs."""
    text = json.dumps(template.credential, ensure_ascii=False)
    text = text.replace(template.serial, "@SERIAL@")
    if template.gtin:
        text = text.replace(template.gtin, "@GTIN@")
    credential = json.loads(text)
    entries = credential.get("credentialStatus", [])
    entries = entries if isinstance(entries, list) else [entries]
    for entry in entries:
        prefix = {"revocation": "R", "suspension": "S"}[entry["statusPurpose"]]
        entry["id"] = f"@{prefix}URL@#@{prefix}IDX@"
        entry["statusListIndex"] = f"@{prefix}IDX@"
        entry["statusListCredential"] = f"@{prefix}URL@"
    return credential


class SeedError(Exception):
    """Why the table cannot be topped up."""


def _checkpoint() -> None:
    """Write the load's dirty pages out now rather than under the first measurements."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:  # CHECKPOINT needs a superuser (or pg_checkpoint)
        pass


class Seeder:
    """Tops the label table up; progress lines go to `stdout`."""

    def __init__(self, stdout=sys.stdout) -> None:
        self.stdout = stdout

    def say(self, line: str) -> None:
        self.stdout.write(line + "\n")
        self.stdout.flush()

    def handle(
        self, *, total: int, per_gtin: int = 1, keep_indexes: bool = False, no_vacuum: bool = False
    ) -> None:
        if connection.vendor != "postgresql":
            raise SeedError("seed_labels uses COPY: point DATABASE_URL at PostgreSQL.")
        if per_gtin < 1:
            raise SeedError("--per-gtin is at least 1.")
        template = (
            Label.objects.select_related("certificate__certification_body", "signing_key")
            .filter(certificate_version=1)
            .order_by("pk")
            .first()
        )
        if template is None:
            raise SeedError("No issued label to clone: run manage.py seed_demo first.")
        clones = Label.objects.filter(
            certificate=template.certificate, certificate_version__gte=FIRST_CLONE_VERSION
        )
        existing_clones = clones.count()
        others = Label.objects.count() - existing_clones
        wanted = total - others
        if wanted < existing_clones:
            raise SeedError(f"The table already holds {others + existing_clones} labels.")
        started = time.perf_counter()
        rebuild = not keep_indexes and wanted - existing_clones >= REBUILD_ROWS
        dropped = self._drop_indexes() if rebuild else []
        try:
            added = self._clone(template, existing_clones, wanted, per_gtin)
        finally:
            if dropped:
                self._restore_indexes(dropped)
        seconds = time.perf_counter() - started
        rate = added / seconds if seconds else 0.0
        self.say(
            f"seed_labels: added {added:,} labels in {seconds:.1f} s "
            f"({rate:,.0f} rows/s); table holds {others + wanted:,}"
        )
        if added and not no_vacuum:
            vacuum_started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) labels_label")
                cursor.execute("ANALYZE labels_statuslist")
                # The clones' log entries too: with statistics from before the load, PostgreSQL
                # reads a label's log entries by scanning every index below the tree size.
                cursor.execute("ANALYZE audits_logentry")
                cursor.execute("ANALYZE audits_lognode")
            _checkpoint()
            self.say(
                f"seed_labels: VACUUM (ANALYZE) and CHECKPOINT in "
                f"{time.perf_counter() - vacuum_started:.1f} s"
            )
        answers_started = time.perf_counter()
        answered = self._answers(template)
        if answered:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) labels_labelanswer")
            _checkpoint()
            self.say(
                f"seed_labels: stored answers of {answered:,} clones in "
                f"{time.perf_counter() - answers_started:.1f} s"
            )
        if added:
            self._check(template, wanted - 1)

    # --- stored answers --------------------------------------------------------------------

    def _answers(self, template: Label) -> int:
        """Every clone's stored answers (labels/answers.py): the template's, rendered for real,
        with the clone's own values put in by PostgreSQL (serial, GTIN, proof, status list
        entries, version, log index). ``_check`` compares the last clone's with a real render."""
        answers.answers_refresh()  # the real labels' (no worker ran their render tasks)
        row = LabelAnswer.objects.get(label=template)
        if len(row.log_entries) != 1:
            raise SeedError("The template label must have exactly one log entry (its issuance).")
        credential = template.credential
        statuses = credential["credentialStatus"]
        indexes = {"revocation": template.revocation_index, "suspension": template.suspension_index}
        holes = [
            (credential["proof"]["proofValue"], "@PROOF@", "l.credential #>> '{proof,proofValue}'"),
            (template.serial, "@SERIAL@", "l.serial"),
            (template.gtin, "@GTIN@", "l.gtin"),
        ]
        for position, entry in enumerate(statuses):
            purpose = entry["statusPurpose"]
            url = f"l.credential #>> '{{credentialStatus,{position},statusListCredential}}'"
            holes.append((entry["statusListCredential"], f"@URL{position}@", url))
            holes.append((str(indexes[purpose]), f"@INDEX{position}@", f"l.{purpose}_index::text"))
        log_index = str(row.log_entries[0][0])
        rows_hole = f'data-log-index="{log_index}" data-log-kind="{ISSUED}"><td><code>{log_index}<'
        version = f'"version":{template.certificate_version},'

        def tokenised(text: str) -> str:
            for value, token, _sql in holes:
                if value.isdigit():  # an index: only where it stands as a number of its own
                    text = re.sub(rf"(?<![0-9]){value}(?![0-9])", token, text)
                else:
                    text = text.replace(value, token)
            text = text.replace(rows_hole, rows_hole.replace(log_index, "@LOG@"))
            # The clones' status changed when the template was issued (see _clone).
            text = text.replace(
                f'"statusChangedAt":"{template.status_changed_at.isoformat()}"',
                f'"statusChangedAt":"{template.issued_at.isoformat()}"',
            )
            return text.replace(version, '"version":@VERSION@,')

        fills = [*((token, sql) for _value, token, sql in holes)]
        fills += [("@LOG@", "e.index::text"), ("@VERSION@", "l.certificate_version::text")]

        def filled(parameter: str) -> str:
            expression = f"%({parameter})s"
            for token, sql in fills:
                expression = f"replace({expression}, '{token}', {sql})"
            return expression

        _serial, status, _changed, _pk, summary = row.etag_line.split("|")
        changed = template.issued_at.isoformat()  # the clones' status_changed_at
        parameters: dict[str, Any] = {
            "format": stored.FORMAT,
            "etag_middle": f"|{status}|{changed}|",
            "etag_end": f"|{summary}",
            "api": tokenised(row.api),
            "page_zh": tokenised(row.page_zh),
            "page_en": tokenised(row.page_en),
            "badge_zh": row.badge_zh,
            "badge_en": row.badge_en,
            "certificate": template.certificate_id,
            "template": template.pk,
            "kind": ISSUED,
            # The settled part of each clone's proof (labels/stored.py), as the render finds it.
            "log_size": log_size(),
        }
        # Only column expressions of this function are put in; every value is a parameter.
        statement = f"""
            INSERT INTO labels_labelanswer (label_id, stale, format, rendered_at, fresh_until,
                etag_line, log_entries, api, page_zh, page_en, badge_zh, badge_en)
            SELECT l.id, false, %(format)s, now(), l.valid_until,
                l.serial || %(etag_middle)s || l.id || %(etag_end)s,
                jsonb_build_array(jsonb_build_array(
                    e.index, translate(encode(e.entry, 'base64'), E'\n', ''),
                    translate(encode(coalesce((
                        SELECT string_agg(n.hash, ''::bytea ORDER BY g.h)
                        FROM generate_series(0, {INDEX_BITS - 1}) g(h)
                        JOIN audits_lognode n
                            ON n.key = (g.h::bigint << {INDEX_BITS}) | ((e.index >> g.h) # 1)
                        WHERE ((e.index >> (g.h + 1)) + 1) << (g.h + 1) <= %(log_size)s
                    ), ''::bytea), 'base64'), E'\n', ''))),
                {filled("api")}, {filled("page_zh")}, {filled("page_en")},
                %(badge_zh)s, %(badge_en)s
            FROM labels_label l
            JOIN audits_logentry e ON e.subject = l.serial AND e.kind = %(kind)s
            WHERE l.certificate_id = %(certificate)s AND l.id <> %(template)s
                AND l.id >= %(low)s AND l.id < %(high)s
                AND NOT EXISTS (SELECT 1 FROM labels_labelanswer a WHERE a.label_id = l.id)
        """  # noqa: S608
        bounds = Label.objects.filter(certificate=template.certificate).aggregate(
            low=Min("pk"), high=Max("pk")
        )
        done = 0
        started = time.perf_counter()
        for low in range(bounds["low"], bounds["high"] + 1, CHUNK_ROWS):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, {**parameters, "low": low, "high": low + CHUNK_ROWS})
                done += cursor.rowcount
            if done:
                elapsed = time.perf_counter() - started
                self.say(f"seed_labels: {done:,} stored answers, {elapsed:.1f} s")
        return done

    # --- indexes ---------------------------------------------------------------------------

    def _drop_indexes(self) -> list[str]:
        """Drop the label table's secondary indexes and unique constraints; return the DDL that
        recreates them. Building a B-tree from sorted input beats a million random inserts."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'labels_label'::regclass AND contype = 'u'"
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'labels_label' "
                "AND indexname <> 'labels_label_pkey'"
            )
            owned = {name for name, _ in constraints}
            indexes = [(name, ddl) for name, ddl in cursor.fetchall() if name not in owned]
            restore = [
                f'ALTER TABLE labels_label ADD CONSTRAINT "{name}" {definition}'
                for name, definition in constraints
            ]
            restore += [ddl for _, ddl in indexes]
            for name, _ in constraints:
                cursor.execute(f'ALTER TABLE labels_label DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        self.say(
            f"seed_labels: dropped {len(restore)} indexes and constraints; they "
            "are rebuilt after the load"
        )
        return restore

    def _restore_indexes(self, statements: list[str]) -> None:
        started = time.perf_counter()
        # SET LOCAL, in the transaction of the builds: a session setting would stay on a pooled
        # server session for whoever gets it next.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for statement in statements:
                cursor.execute(statement)
        self.say(
            f"seed_labels: rebuilt {len(statements)} indexes and constraints in "
            f"{time.perf_counter() - started:.1f} s"
        )

    # --- the clones -------------------------------------------------------------------------

    def _lists(self, template: Label, last: int) -> dict[str, list[StatusList]]:
        """The clone status lists covering clones 0..last, created and sized as needed."""
        body = template.certificate.certification_body
        lists: dict[str, list[StatusList]] = {}
        for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
            clone_zero = (
                Label.objects.filter(
                    certificate=template.certificate, certificate_version=FIRST_CLONE_VERSION
                )
                .select_related(f"{purpose}_list")
                .first()
            )
            if clone_zero is not None:
                base = getattr(clone_zero, f"{purpose}_list").number
            else:
                numbers = StatusList.objects.filter(body=body, purpose=purpose)
                base = max(numbers.values_list("number", flat=True), default=0) + 1
            lists[purpose] = []
            for slot in range(last // LIST_LENGTH + 1):
                entry, _ = StatusList.objects.get_or_create(
                    body=body,
                    purpose=purpose,
                    number=base + slot,
                    defaults={"length": LIST_LENGTH, "bits": Bitstring(LIST_LENGTH).to_bytes()},
                )
                used = min(max(last + 1 - slot * LIST_LENGTH, 0), LIST_LENGTH)
                if slot * LIST_LENGTH <= last and entry.allocated != used:
                    entry.allocated = used
                    entry.save(update_fields=["allocated"])
                lists[purpose].append(entry)
        return lists

    def _clone(self, template: Label, first: int, wanted: int, per_gtin: int) -> int:
        if first >= wanted:
            return 0
        last = wanted - 1
        lists = self._lists(template, last)
        urls = {
            purpose: [statuslists.status_list_url(entry) for entry in entries]
            for purpose, entries in lists.items()
        }
        template_status_urls = [
            entry.get("statusListCredential", "")
            for entry in template.credential.get("credentialStatus", [])
        ]
        if not all(url.startswith(statuslists.public_url("/")) for url in template_status_urls):
            raise SeedError(
                "The template label was issued under another LABEL_PUBLIC_HOST or "
                "LABEL_PUBLIC_SCHEME; seed with the same settings as the server."
            )

        key = template.signing_key
        private_key = keys.private_key(key)
        tokenised = _tokenised_credential(template)
        proof = tokenised.pop("proof")
        configuration = {name: value for name, value in proof.items() if name != "proofValue"}
        proof_hash = hash_data(configuration, {})[:32]  # SHA-256(JCS(proof configuration))
        canonical = _Template(canonicalize(tokenised).decode())
        stored_credential = copy.deepcopy(tokenised)
        stored_credential["proof"] = {**proof, "proofValue": "@PROOF@"}
        stored = _Template(
            _copy_escape(json.dumps(stored_credential, ensure_ascii=False, separators=(",", ":")))
        )
        # The whole signed credential's RFC 8785 form (the issuance entry pins its SHA-256), and
        # the entry itself: the holes hold ASCII that JCS writes as it is.
        signed_canonical = _Template(canonicalize(stored_credential).decode())
        issued_entry = _Template(
            canonicalize(
                {
                    "kind": ISSUED,
                    "label": "@SERIAL@",
                    "certificate": template.certificate.number,
                    "certificateVersion": VERSION_HOLE,
                    "issuer": template.issuer,
                    "verificationMethod": proof.get("verificationMethod", ""),
                    "credentialSha256": "@DIGEST@",
                    "status": "valid",
                    "reasonCode": ReasonCode.ISSUED.value,
                    "time": template.issued_at.isoformat().replace("+00:00", "Z"),
                }
            )
            .decode()
            .replace(str(VERSION_HOLE), "@VERSION@")
        )
        constant_middle = "\t".join(
            _copy_escape(value)
            for value in (
                template.issuer,
                template.issued_at.isoformat(),
                template.valid_from.isoformat(),
                template.valid_until.isoformat(),
                "valid",
                "",
                template.issued_at.isoformat(),
            )
        )
        constant_tail = f"{template.certificate_id}\t{key.pk}"
        # Clones render no PDF (none is stale) and show the template's supervision summary.
        supervision = _copy_escape(json.dumps(template.supervision, separators=(",", ":")))
        constant_end = f"1\tf\t{supervision}"
        taken = set(
            Label.objects.exclude(certificate=template.certificate).values_list("serial", flat=True)
        )
        revocation_ids = [entry.pk for entry in lists[StatusPurpose.REVOCATION]]
        suspension_ids = [entry.pk for entry in lists[StatusPurpose.SUSPENSION]]
        revocation_urls = urls[StatusPurpose.REVOCATION]
        suspension_urls = urls[StatusPurpose.SUSPENSION]
        sign = private_key.sign
        sha256 = hashlib.sha256
        statement = f"COPY labels_label ({', '.join(COPY_COLUMNS)}) FROM STDIN"

        total = wanted - first
        done = 0
        started = time.perf_counter()
        connection.ensure_connection()
        raw = connection.connection
        for chunk_start in range(first, wanted, CHUNK_ROWS):
            chunk_end = min(chunk_start + CHUNK_ROWS, wanted)
            with transaction.atomic(), raw.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                logged: list[tuple[str, bytes, str]] = []
                with cursor.copy(statement) as copy_in:
                    lines: list[str] = []
                    for number in range(chunk_start, chunk_end):
                        serial = serial_for(number)
                        if serial in taken:  # a real label drew this serial: skip the number
                            serial = serial_for(number + (1 << 40))
                        gtin = gtin_for(number // per_gtin)
                        slot, index = divmod(number, LIST_LENGTH)
                        values = {
                            "SERIAL": serial,
                            "GTIN": gtin,
                            "RURL": revocation_urls[slot],
                            "SURL": suspension_urls[slot],
                            "RIDX": str(index),
                            "SIDX": str(index),
                        }
                        document_hash = sha256(canonical.fill(values).encode()).digest()
                        values["PROOF"] = base58btc_encode(sign(proof_hash + document_hash))
                        digest = sha256(signed_canonical.fill(values).encode()).hexdigest()
                        entry = issued_entry.fill(
                            {
                                "SERIAL": serial,
                                "DIGEST": digest,
                                "VERSION": str(number + FIRST_CLONE_VERSION),
                            }
                        )
                        logged.append((ISSUED, entry.encode(), serial))
                        lines.append(
                            f"{number + FIRST_CLONE_VERSION}\t{serial}\t{gtin}\t"
                            f"{stored.fill(values)}\t{constant_middle}\t{index}\t{index}\t"
                            f"{constant_tail}\t{revocation_ids[slot]}\t{suspension_ids[slot]}\t"
                            f"{constant_end}\n"
                        )
                        if len(lines) >= WRITE_ROWS:
                            copy_in.write("".join(lines))
                            lines.clear()
                    if lines:
                        copy_in.write("".join(lines))
                log_append_encoded(logged)
            done += chunk_end - chunk_start
            elapsed = time.perf_counter() - started
            self.say(
                f"seed_labels: {done:,}/{total:,} rows, {elapsed:.1f} s, "
                f"{done / elapsed:,.0f} rows/s"
            )
            self.stdout.flush()
        for status_lists in lists.values():
            for status_list in status_lists:
                if status_list.signed_at is None:
                    statuslists.sign_list(status_list)
        return total

    def _check(self, template: Label, number: int) -> None:
        """The last clone must verify like an issued label, and its URLs must resolve."""
        from labels.verification import verify

        serial = serial_for(number)
        clone = Label.objects.get(serial=serial)
        assert serial_is_valid(serial)
        reverse("labels:public_page", args=[serial])
        result = verify(clone.credential)
        if not result.valid:
            raise SeedError(f"Clone {serial} does not verify: {result.to_dict()}")
        self.say(f"seed_labels: clone {serial} (GTIN {clone.gtin}) verifies")
        seeded = LabelAnswer.objects.get(label=clone)
        stored.answers_mark_stale([clone.pk])
        answers.answers_render([clone.pk])
        rendered = LabelAnswer.objects.get(label=clone)
        columns = ["etag_line", "log_entries", "fresh_until", "api", "page_zh", "page_en"]
        differ = [name for name in columns if getattr(seeded, name) != getattr(rendered, name)]
        for name in differ:
            mine, real = str(getattr(seeded, name)), str(getattr(rendered, name))
            at = next(
                (i for i, pair in enumerate(zip(mine, real, strict=False)) if pair[0] != pair[1]), 0
            )
            self.say(f"  {name} at {at}: {mine[at - 60 : at + 60]!r} / {real[at - 60 : at + 60]!r}")
        if differ:
            raise SeedError(f"Clone {serial}'s stored answers differ from a render: {differ}")
        self.say(f"seed_labels: clone {serial}'s stored answers equal a real render")
