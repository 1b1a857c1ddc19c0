"""This computer's signing key: the reviewer's Ed25519 key that seals every audit entry.

One private key per user account, made the first time something is written to a case and
kept in the user's data folder (``<data>/keys/signing-key.pem``, readable by the user only).
Its public half goes into each case it signs, under the reviewer names it signed for; a
statement prints its fingerprint so a reader can later match a case, a statement and a
person. The key never leaves this folder and is never stored in a case.

``cryptography`` is imported only when a key is used, so ``bwv-review list`` and
``--version`` start without it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import paths
from .errors import CaseFileError

KEY_FILE = "signing-key.pem"
PREFIX = "ed25519:"  # how a fingerprint is printed: it says which kind of key it names


def key_path() -> Path:
    return paths.data_dir() / "keys" / KEY_FILE


def fingerprint(public_hex: str) -> str:
    """The first 128 bits of SHA-256 over the raw 32-byte public key, as 32 hex digits."""
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:32]


def shown(fpr: str) -> str:
    """``ed25519:<32 hex digits>``: the form statements print and ``verify --statement`` reads."""
    return PREFIX + fpr


@dataclass(frozen=True)
class SigningKey:
    private: object  # cryptography's Ed25519PrivateKey
    public_hex: str
    path: Path

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.public_hex)

    def sign(self, message: bytes) -> str:
        return self.private.sign(message).hex()


def _public_hex(private) -> str:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def load(path: Path | None = None) -> SigningKey | None:
    """This computer's key, or None when it has none yet."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415

    path = path or key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CaseFileError(f"Your signing key {path} cannot be read ({exc.strerror}); nothing was changed.") from exc
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CaseFileError(
            f"Your signing key {path} is damaged, so changes cannot be signed; nothing was changed. "
            "Move it aside to make a new key (cases already signed with it keep their signatures)."
        ) from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise CaseFileError(f"{path} is not an Ed25519 signing key; nothing was changed.")
    return SigningKey(private, _public_hex(private), path)


def load_or_create(path: Path | None = None) -> SigningKey:
    """This computer's key, made (readable by this user only) the first time it is needed."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: PLC0415

    path = path or key_path()
    found = load(path)
    if found is not None:
        return found
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".new")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # never replaces a key another process made meanwhile
        except FileExistsError:
            pass
        except OSError:  # no hard links (e.g. some network drives): rename, still never over a key
            if not path.exists():
                tmp.replace(path)
        tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise CaseFileError(
            f"A signing key cannot be made in {path.parent} ({exc.strerror}), so changes cannot be "
            "signed; nothing was changed."
        ) from exc
    found = load(path)
    assert found is not None
    return found


def public_key(public_hex: str):
    """The Ed25519 public key object for a listed key, or None if it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey  # noqa: PLC0415

    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
    except (ValueError, TypeError):
        return None


def verify_with(key, message: bytes, signature_hex: str) -> bool:
    """True when ``signature_hex`` is ``key``'s signature of ``message`` (``key`` from public_key)."""
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415

    if key is None:
        return False
    try:
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def verify(public_hex: str, message: bytes, signature_hex: str) -> bool:
    """True when ``signature_hex`` is the key's signature of ``message``."""
    return verify_with(public_key(public_hex), message, signature_hex)
