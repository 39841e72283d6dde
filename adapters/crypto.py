"""Authenticated encryption (AES-256-GCM, the `cryptography` package) of the values a person's audit
entries carry, with a key per person: erasing the person destroys the key, and with it every value
of the append-only trail about them (crypto-shredding; README "Data protection").

A sealed value is text, `enc1:` + URL-safe base64 of the 12-byte nonce and the ciphertext with its
tag; the context (e.g. "audit:42") is bound as associated data, so a value copied to another
person's entry does not open.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1:"


class CannotOpen(ValueError):
    """The value was not sealed with this key and context (or was changed)."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def is_sealed(value: str | None) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(key: bytes, plaintext: str, *, context: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes, value: str, *, context: str) -> str:
    if not is_sealed(value):
        raise CannotOpen("not a sealed value")
    try:
        raw = base64.urlsafe_b64decode(value[len(PREFIX):].encode("ascii"))
        return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode("utf-8")).decode("utf-8")
    except (InvalidTag, ValueError) as error:
        raise CannotOpen(str(error) or type(error).__name__) from None
