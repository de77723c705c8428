"""Proof verifications per second of a real label credential, beside raw Ed25519
verifications per second measured in the same run (goal: proof ≥ 0.8 × raw).

Run: .venv/bin/python benchmarks/signature_bench.py
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labels.vc.dataintegrity import sign, verify_proof

GOAL = 0.8
ROUNDS = 5
SECONDS_PER_ROUND = 1.0


def label_document() -> dict:
    """A credential of the size and shape the platform issues (about 3 KB)."""
    stages = [{"stage": s, "value": v} for s, v in
              (("raw_material", "61.25"), ("production", "14.15"))]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://labels.example.cn/contexts/carbon-label/v1"],
        "id": "urn:carbonlabel:JDYA1H9WXJ7F",
        "type": ["VerifiableCredential", "CarbonLabelCredential"],
        "issuer": "did:web:labels.example.cn:bodies:cqc",
        "validFrom": "2026-11-24T16:00:00Z",
        "validUntil": "2028-11-25T16:00:00Z",
        "credentialSubject": {
            "id": "https://labels.example.cn/labels/JDYA1H9WXJ7F/",
            "type": "CarbonFootprintLabel",
            "labelSerial": "JDYA1H9WXJ7F",
            "certificateNumber": "CFP-CQC-2026-00001",
            "scheme": "national_pilot",
            "product": {"name": "储能电池包 Energy storage pack", "model": "GC-ESS-20K",
                        "trademark": "GreenCell", "manufacturer": "绿能电池有限公司",
                        "plantAddress": "江苏省常州市武进区1号",
                        "gtin": "urn:gtin:06901234567816"},
            "holder": {"name": "绿能电池有限公司 GreenCell Batteries",
                       "USCC": "91110000600037341L"},
            "certificationBody": {"id": "did:web:labels.example.cn:bodies:cqc",
                                  "name": "华认碳足迹认证中心 Huaren Carbon Certification",
                                  "code": "cqc", "approvalNumber": "CNCA-R-2019-001"},
            "footprint": {"value": "75.4", "unit": "kgCO2e", "unitKind": "declared",
                          "declaredUnit": "1 kWh of battery energy capacity",
                          "referenceFlow": "1/5.12 of one 5.12 kWh battery pack",
                          "boundary": "cradle_to_gate", "gwpSet": "AR6", "stages": stages},
            "standard": "GB/T 24067-2024",
            "productRule": {"name": "锂离子电池产品碳足迹评价规则", "version": "2025.1"},
            "assuranceLevel": "reasonable",
        },
        "credentialStatus": [
            {"id": f"https://labels.example.cn/status/cqc/{p}/1#{i}",
             "type": "BitstringStatusListEntry", "statusPurpose": p,
             "statusListIndex": str(i),
             "statusListCredential": f"https://labels.example.cn/status/cqc/{p}/1"}
            for p, i in (("revocation", 94567), ("suspension", 12034))
        ],
    }


def rate(function) -> float:
    """Median operations per second over a few rounds of about a second each."""
    rates = []
    for _ in range(ROUNDS):
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < SECONDS_PER_ROUND:
            for _ in range(100):
                function()
            count += 100
        rates.append(count / elapsed)
    return statistics.median(rates)


def main() -> int:
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    method = "did:web:labels.example.cn:bodies:cqc#key-1"
    signed = sign(label_document(), key, method, "2026-11-25T15:31:21Z")
    assert verify_proof(signed, lambda _m: public).verified

    message = os.urandom(64)  # eddsa-jcs-2022 signs 64 bytes: two SHA-256 digests
    signature = key.sign(message)
    raw = rate(lambda: public.verify(signature, message))
    proof = rate(lambda: verify_proof(signed, lambda _m: public))
    ratio = proof / raw
    size = len(json.dumps(signed, ensure_ascii=False).encode())
    print(f"credential size                     {size:,} bytes")
    print(f"raw Ed25519 verifications           {raw:,.0f} /s")
    print(f"eddsa-jcs-2022 proof verifications  {proof:,.0f} /s")
    print(f"ratio proof / raw                   {ratio:.2f}   goal ≥ {GOAL}   "
          f"{'met' if ratio >= GOAL else 'NOT met'}")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
