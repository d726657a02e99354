"""Secrets at rest: Fernet round trip, passphrase keys, and a clear error on a wrong key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from shared.crypto import SecretBox, SecretError


def test_a_secret_round_trips_and_the_ciphertext_does_not_contain_it() -> None:
    box = SecretBox("correct horse battery staple")
    token = box.encrypt("sk-live-123")
    assert b"sk-live-123" not in token
    assert box.decrypt(token) == "sk-live-123"


def test_a_generated_fernet_key_is_used_as_is() -> None:
    key = Fernet.generate_key().decode()
    assert Fernet(key.encode()).decrypt(SecretBox(key).encrypt("x")) == b"x"


def test_decrypting_with_another_key_fails_without_revealing_anything() -> None:
    token = SecretBox("one").encrypt("sk-secret")
    with pytest.raises(SecretError) as caught:
        SecretBox("two").decrypt(token)
    assert "sk-secret" not in str(caught.value)


def test_no_key_is_a_clear_error_and_repr_hides_the_key() -> None:
    with pytest.raises(SecretError, match="TT_SECRET_KEY"):
        SecretBox("")
    assert "hunter2" not in repr(SecretBox("hunter2"))
