"""Secrets at rest (provider API keys, session strings): Fernet, keyed by `TT_SECRET_KEY`.

`TT_SECRET_KEY` may be a Fernet key or any passphrase; a passphrase is stretched with SHA-256 so
operators can set a memorable value. Losing the key makes stored secrets unreadable, by design.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.fernet import Fernet, InvalidToken

ENV_VAR = "TT_SECRET_KEY"

__all__ = ["ENV_VAR", "SecretBox", "SecretError"]


class SecretError(ValueError):
    """A secret could not be decrypted (wrong key or corrupted ciphertext); never carries the secret."""


def _fernet_key(secret: str) -> bytes:
    raw = secret.encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw  # already a Fernet key
    except (binascii.Error, ValueError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


class SecretBox:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise SecretError(f"{ENV_VAR} is not set; it is needed to store or read encrypted secrets")
        self._fernet = Fernet(_fernet_key(secret))

    @classmethod
    def from_env(cls) -> SecretBox:
        from shared.settings import Settings

        return cls(Settings.from_env().secret_key)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(bytes(token)).decode()
        except InvalidToken as exc:
            raise SecretError(f"cannot decrypt a stored secret: wrong {ENV_VAR} or corrupted value") from exc

    def __repr__(self) -> str:  # the key never reaches a log line
        return "SecretBox(<key>)"
