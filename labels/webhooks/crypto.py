"""Endpoint secrets: `whsec_` + base64 of 32 random bytes (the Standard Webhooks form),
encrypted at rest with the labels master key cipher."""

import base64
import secrets

from config.cipher import master_cipher

SECRET_PREFIX = "whsec_"  # noqa: S105 - the public prefix of the format, not a secret


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_encrypt(secret: str) -> bytes:
    return master_cipher().encrypt(secret.encode())


def secret_decrypt(encrypted: bytes | memoryview) -> str:
    return master_cipher().decrypt(bytes(encrypted)).decode()
