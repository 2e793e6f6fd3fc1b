"""Encryption of secrets at rest with keys kept outside the database.

``settings.FIELD_ENCRYPTION_KEYS`` holds Fernet keys, newest first: new values are sealed with the
newest, and every listed key still opens older values, so keys rotate by adding a new one in
front and running ``manage.py rotate_field_keys`` before the old one is dropped.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class DecryptionFailed(Exception):
    """No configured key opens this value: a key was removed too early, or the value was altered."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("no configured key opens this value") from None


def rotate(token: str) -> str:
    """Re-seal a value under the newest key."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("no configured key opens this value") from None
