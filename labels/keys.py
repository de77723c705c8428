"""Body signing keys. Private keys are encrypted at rest with the platform master key
(LABEL_MASTER_KEY, a Fernet key; several comma-separated keys allow rotating it) and are
decrypted only to sign, never logged or shown."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from audits.chain.services import chain_append
from audits.transparency import services as transparency
from config.cipher import master_cipher

from .models import SigningKey
from .stored import answers_mark_stale_for_body
from .vc.did import did_key_from_public_key, did_web
from .vc.multibase import multikey_to_public_key, public_key_to_multikey


def private_key_encrypt(private_key: Ed25519PrivateKey) -> bytes:
    """The raw private key encrypted with the master key, for keys kept outside `SigningKey`
    (the VC-API test issuer's)."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return master_cipher().encrypt(raw)


def private_key_decrypt(encrypted: bytes | memoryview) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(master_cipher().decrypt(bytes(encrypted)))


def body_did(body: Organisation) -> str:
    return did_web(settings.LABEL_PUBLIC_HOST, "bodies", body.code or "")


def verification_method(key: SigningKey) -> str:
    return f"{body_did(key.body)}#{key.fragment}"


def public_key(key: SigningKey) -> Ed25519PublicKey:
    return multikey_to_public_key(key.public_key_multibase)


def did_key_of(key: SigningKey) -> str:
    return did_key_from_public_key(public_key(key))


def private_key(key: SigningKey) -> Ed25519PrivateKey:
    raw = master_cipher().decrypt(bytes(key.private_key_encrypted))
    return Ed25519PrivateKey.from_private_bytes(raw)


def _create(body: Organisation) -> SigningKey:
    secret = Ed25519PrivateKey.generate()
    raw = secret.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    count = SigningKey.objects.filter(body=body).count()
    answers_mark_stale_for_body(body.pk)  # the sweep renders them again
    key = SigningKey.objects.create(
        body=body,
        fragment=f"key-{timezone.now():%Y%m%d}-{count + 1}",
        public_key_multibase=public_key_to_multikey(secret.public_key()),
        private_key_encrypted=master_cipher().encrypt(raw),
    )
    # The chain, then the log: the lock order of audits/chain/services.py.
    signing_key_chain_append(key, "created")
    transparency.log_key_event(key, "created", verification_method=verification_method(key))
    return key


def signing_key_chain_append(key: SigningKey, action: str, *, actor=None, reason: str = "") -> None:
    """The audit chain's entry of a key's life: its public half only, never the private key."""
    chain_append(
        f"labels:key:{action}",
        {
            "verificationMethod": verification_method(key),
            "publicKeyMultibase": key.public_key_multibase,
            "reason": reason,
        },
        actor=actor,
        body_id=key.body_id,
    )


def signing_key_active(body: Organisation) -> SigningKey:
    """The body's current key, created on first use."""
    with transaction.atomic():
        Organisation.objects.select_for_update(no_key=True).get(pk=body.pk)
        key = SigningKey.objects.filter(
            body=body, retired_at__isnull=True, revoked_at__isnull=True
        ).first()
        return key or _create(body)


@transaction.atomic
def signing_key_rotate(body: Organisation) -> SigningKey:
    """Retire the current key (it keeps verifying what it signed) and start a new one."""
    Organisation.objects.select_for_update(no_key=True).get(pk=body.pk)
    retiring = list(
        SigningKey.objects.filter(body=body, retired_at__isnull=True, revoked_at__isnull=True)
    )
    SigningKey.objects.filter(pk__in=[key.pk for key in retiring]).update(retired_at=timezone.now())
    for key in retiring:
        signing_key_chain_append(key, "retired")
    transparency.log_keys_retired(retiring, verification_method=verification_method)
    return _create(body)
