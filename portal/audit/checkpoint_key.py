"""The audit checkpoint key: Ed25519, kept outside the database, separate from the certificate key.

The private key is read from `settings.PORTAL_AUDIT_CHECKPOINT_KEY_PATH` (PEM, PKCS#8). In
development (DJANGO_DEBUG=1) a key is made there on first use, as the certificate key is; in
production the operator provides it, and `check --deploy` fails without it. Retired keys are
listed by their public keys in `PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS`, so checkpoints signed
before a rotation still verify. Each signature names its key by id (the first 16 hex digits of
the SHA-256 of the raw public key). Only public keys are ever served
(/.well-known/audit-checkpoint-key.pem).

A key of its own, not the certificate key: whoever may issue certificates need not be able to
vouch for the audit trail, and either key can be rotated or revoked without the other.
"""

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM = "Ed25519"
_loaded: dict[str, Ed25519PrivateKey] = {}
_previous: dict[tuple, dict[str, Ed25519PublicKey]] = {}


def canonical(payload: dict) -> bytes:
    """The exact bytes that are signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def create_key(path: Path) -> bool:
    """Write a new private key at `path` (mode 0600); False when a file is already there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:  # O_EXCL: two workers starting at once cannot both write a key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return True


def private_key() -> Ed25519PrivateKey:
    path_setting = settings.PORTAL_AUDIT_CHECKPOINT_KEY_PATH
    if not path_setting:
        raise ImproperlyConfigured(
            "PORTAL_AUDIT_CHECKPOINT_KEY_PATH must point at the audit checkpoint signing key."
        )
    if path_setting not in _loaded:
        path = Path(path_setting)
        if not path.exists():
            if not getattr(settings, "PORTAL_AUDIT_CHECKPOINT_KEY_AUTOCREATE", False):
                raise ImproperlyConfigured(f"The audit checkpoint key {path} does not exist.")
            create_key(path)
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"Cannot read the audit checkpoint key {path}: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{path} is not an Ed25519 private key.")
        _loaded[path_setting] = key
    return _loaded[path_setting]


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> bytes:
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _read_public(path: Path) -> Ed25519PublicKey:
    try:
        content = path.read_bytes()
        if b"PRIVATE KEY" in content:
            key = serialization.load_pem_private_key(content, password=None)
            key = key.public_key() if isinstance(key, Ed25519PrivateKey) else None
        else:
            key = serialization.load_pem_public_key(content)
    except (OSError, ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"Cannot read the audit checkpoint key {path}: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 key.")
    return key


def previous_public_keys() -> dict[str, Ed25519PublicKey]:
    """Retired checkpoint keys' public keys, by key id (PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS)."""
    entries = tuple(getattr(settings, "PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS", ()) or ())
    if entries not in _previous:
        keys: dict[str, Ed25519PublicKey] = {}
        for entry in entries:
            path = Path(entry)
            if not (path.is_dir() or path.is_file()):
                raise ImproperlyConfigured(
                    f"PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS names {path}, "
                    "which is neither a file nor a folder."
                )
            for file in sorted(path.glob("*.pem")) if path.is_dir() else [path]:
                key = _read_public(file)
                keys[key_id(key)] = key
        _previous[entries] = keys
    return _previous[entries]


def known_public_keys() -> dict[str, Ed25519PublicKey]:
    """Every key whose checkpoints verify: the current one first, then retired ones.

    Without a private key (an auditor's machine) only the listed public keys are known: put the
    published one(s) in PORTAL_AUDIT_CHECKPOINT_PREVIOUS_KEYS."""
    try:
        current = public_key()
    except ImproperlyConfigured:
        if not previous_public_keys():
            raise
        return previous_public_keys()
    return {key_id(current): current, **previous_public_keys()}


def sign(payload: dict) -> tuple[str, str]:
    """(base64 signature, key id) of the canonical form of `payload`."""
    key = private_key()
    return base64.b64encode(key.sign(canonical(payload))).decode("ascii"), key_id(key.public_key())


def verify(payload: dict, signature_b64: str, signer_id: str) -> bool:
    """True when `signature_b64` is a signature of `payload` by the known key `signer_id`."""
    key = known_public_keys().get(signer_id)
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), canonical(payload))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True
