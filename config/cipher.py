"""The platform's cipher for secrets at rest: the bodies' private signing keys, webhook secrets
and the people's second-factor secrets are encrypted with LABEL_MASTER_KEY (Fernet keys,
comma-separated: the first encrypts, all decrypt, so the key can be rotated)."""

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@functools.cache
def master_cipher() -> MultiFernet:
    configured = [k.strip() for k in settings.LABEL_MASTER_KEY.split(",") if k.strip()]
    if not configured:
        # Embedded default only (settings refuse this in production): derive from SECRET_KEY.
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"carbonlabel signing keys"
        ).derive(settings.SECRET_KEY.encode())
        configured = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(key) for key in configured])
