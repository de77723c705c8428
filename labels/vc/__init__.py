"""Signed carbon labels without Django: canonical JSON, keys and DIDs, Data Integrity proofs,
Bitstring Status Lists and a standalone verifier.

Nothing here imports Django, so a third party can copy this package and verify a label with only
``cryptography``, ``rfc8785`` and ``base58`` installed.
"""
