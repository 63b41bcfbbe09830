"""The regulator's Ed25519 signing key, canonical JSON, signing and verifying.

The private key is read from `settings.PORTAL_SIGNING_KEY_PATH` (PEM, PKCS#8). In
development (DJANGO_DEBUG=1, the default) a key is created there on first use; in
production the path must point at a key the operator provides. Only the public key is ever
served (/.well-known/certificate-key.pem). A key id (the first 16 hex digits of the SHA-256
of the raw public key) travels with every signature, so keys can be rotated: certificates
signed with an older key name it.
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


def _autocreate() -> bool:
    # Only development (DJANGO_DEBUG=1 when settings load) makes a key of its own.
    return bool(getattr(settings, "PORTAL_SIGNING_KEY_AUTOCREATE", False))


def _create(path: Path) -> bool:
    """Write a new private key to `path` (mode 0600); False when a file is already there."""
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


def create_key(path: Path) -> Ed25519PublicKey:
    """A new private key at `path` (never over an existing file); its public key."""
    if not _create(Path(path)):
        raise FileExistsError(f"{path} already exists: a key is never overwritten.")
    return read_key_file(Path(path))


def read_key_file(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key of a PEM file holding a public or a private key."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"Cannot read the key {path}: {exc}") from None
    try:
        if b"PRIVATE KEY" in content:
            key = serialization.load_pem_private_key(content, password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            return key.public_key()
        return load_public_key(content)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{path} is not an Ed25519 key in PEM form ({exc}).") from None


def private_key() -> Ed25519PrivateKey:
    path_setting = settings.PORTAL_SIGNING_KEY_PATH
    if not path_setting:
        raise ImproperlyConfigured("PORTAL_SIGNING_KEY_PATH must point at the certificate signing key.")
    if path_setting not in _loaded:
        path = Path(path_setting)
        if not path.exists():
            if not _autocreate():
                raise ImproperlyConfigured(f"The certificate signing key {path} does not exist.")
            _create(path)
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{path} is not an Ed25519 private key.")
        _loaded[path_setting] = key
    return _loaded[path_setting]


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> bytes:
    key = key or public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def key_id(key: Ed25519PublicKey | None = None) -> str:
    key = key or public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def previous_public_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys of retired signing keys, by key id, from PORTAL_SIGNING_PREVIOUS_KEYS."""
    entries = tuple(getattr(settings, "PORTAL_SIGNING_PREVIOUS_KEYS", ()) or ())
    if entries not in _previous:
        keys: dict[str, Ed25519PublicKey] = {}
        for entry in entries:
            path = Path(entry)
            if path.is_dir():
                files = sorted(path.glob("*.pem"))
            elif path.is_file():
                files = [path]
            else:
                raise ImproperlyConfigured(
                    f"PORTAL_SIGNING_PREVIOUS_KEYS names {path}, which is neither a file nor a folder."
                )
            for file in files:
                key = read_key_file(file)
                keys[key_id(key)] = key
        _previous[entries] = keys
    return _previous[entries]


def known_public_keys() -> dict[str, Ed25519PublicKey]:
    """Every public key that verifies certificates: the current one first, then retired ones."""
    current = public_key()
    return {key_id(current): current, **previous_public_keys()}


def public_key_for(wanted_key_id: str) -> Ed25519PublicKey | None:
    """The public key with this id (current or retired), or None if the portal never had it."""
    return known_public_keys().get(wanted_key_id)


def sign(payload: dict) -> tuple[str, str]:
    """(base64 signature, key id) of the canonical form of `payload`."""
    key = private_key()
    signature = key.sign(canonical(payload))
    return base64.b64encode(signature).decode("ascii"), key_id(key.public_key())


def verify(payload: dict, signature_b64: str, key: Ed25519PublicKey | None = None) -> bool:
    """True when `signature_b64` is the signature of `payload` by `key` (default: ours)."""
    key = key or public_key()
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        key.verify(signature, canonical(payload))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True
