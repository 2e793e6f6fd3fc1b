"""Encryption of client records at rest: one data key per client, wrapped by a master key.

Every client has its own random AES-256 data key. The key is stored only wrapped (AES-GCM), in
two layers: first under the client's own key share, a random key kept in the keystore
(:mod:`records.keystore`, files outside the database), then under a master key from
``settings.RECORD_MASTER_KEYS``, which comes from the environment or a file and never from the
database. Each encrypted value is AES-GCM under the client's data key with the table, column and
row bound in as associated data, so a ciphertext copied into another row or column fails to open.

Disposal destroys the wrapped key in the database and the key share in the keystore. A dump of
the database taken before then still holds the wrapped key, but the master key alone no longer
opens it: the share it also needs is gone. (Records made before key shares existed are wrapped
by the master key alone until ``manage.py split_client_keys`` has run.)

Exact-match search uses blind indexes: an HMAC of the normalised value under a key that is also
kept outside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

if TYPE_CHECKING:
    from records.models import SealedModel

FORMAT = b"\x01"  # leading byte of every sealed value, so the format can change later
NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """The value does not open: altered, moved to another row, or its key is gone."""


class KeyDestroyed(DecryptionFailed):
    """The client's data key was destroyed on disposal; its encrypted data is gone for good."""


class UnknownMasterKey(DecryptionFailed):
    """The key was wrapped under a master key that is no longer configured."""


class KeyShareMissing(DecryptionFailed):
    """The client's key share is not in the keystore: destroyed on disposal (so this is a copy
    of a disposed record), or the keystore is not mounted where ``CONFIDE_KEYSTORE_DIR`` says."""


class KeyShareMismatch(DecryptionFailed):
    """The key share in the keystore does not open the client's wrapped data key: the share or
    the wrapped key was altered, or they come from different installations."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def new_key_share() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _wrap_aad(client_uuid: str, master_id: str) -> bytes:
    return f"confide/client-data-key/{client_uuid}/{master_id}".encode()


def wrap(data_key: bytes, *, client_uuid: str) -> tuple[str, bytes]:
    """Wrap a data key under the current master key: returns (master key id, wrapped key)."""
    master_id = settings.RECORD_MASTER_KEY_ID
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(settings.RECORD_MASTER_KEYS[master_id]).encrypt(
        nonce, data_key, _wrap_aad(client_uuid, master_id)
    )
    return master_id, FORMAT + nonce + sealed


def unwrap(wrapped: bytes, *, master_id: str, client_uuid: str) -> bytes:
    master = settings.RECORD_MASTER_KEYS.get(master_id)
    if master is None:
        raise UnknownMasterKey(f"master key {master_id!r} is not configured")
    return _open(AESGCM(master), wrapped, _wrap_aad(client_uuid, master_id))


def _share_aad(client_uuid: str) -> bytes:
    return f"confide/client-data-key-share/{client_uuid}".encode()


def wrap_split(data_key: bytes, share: bytes, *, client_uuid: str) -> tuple[str, bytes]:
    """Wrap a data key under the client's key share, then under the current master key: returns
    (master key id, wrapped key). Opening it needs both the master key and the share."""
    inner = seal_bytes(AESGCM(share), data_key, aad=_share_aad(client_uuid))
    return wrap(inner, client_uuid=client_uuid)


def unwrap_split(wrapped: bytes, share: bytes, *, master_id: str, client_uuid: str) -> bytes:
    inner = unwrap(wrapped, master_id=master_id, client_uuid=client_uuid)
    try:
        return _open(AESGCM(share), inner, _share_aad(client_uuid))
    except DecryptionFailed:
        raise KeyShareMismatch(
            f"the key share of client {client_uuid} does not open its data key: the share or "
            "the wrapped key was altered, or they come from different installations"
        ) from None


def _value_aad(table: str, column: str, row: str) -> bytes:
    return f"confide/value/{table}/{column}/{row}".encode()


def seal(cipher: AESGCM, plaintext: str, *, table: str, column: str, row: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return (
        FORMAT + nonce + cipher.encrypt(nonce, plaintext.encode(), _value_aad(table, column, row))
    )


def open_sealed(cipher: AESGCM, sealed: bytes, *, table: str, column: str, row: str) -> str:
    return _open(cipher, sealed, _value_aad(table, column, row)).decode()


def _open(cipher: AESGCM, sealed: bytes, aad: bytes) -> bytes:
    sealed = bytes(sealed)
    if not sealed.startswith(FORMAT) or len(sealed) < 1 + NONCE_BYTES + 16:
        raise DecryptionFailed("not a sealed value")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return cipher.decrypt(nonce, body, aad)
    except InvalidTag:
        raise DecryptionFailed("the value does not open under this key and place") from None


# --- The model attribute ------------------------------------------------------------------------

T = TypeVar("T", bound="SealedModel")


class Sealed(Generic[T]):
    """A plaintext attribute of a model, stored encrypted in a ``BinaryField`` beside it.

    ``family_name = Sealed("family_name_sealed")`` reads and writes ``instance.family_name`` as
    text; the column holds only ciphertext bound to the table, the column and the row's UUID.
    An empty string is stored as an empty value, so blank optional fields cost nothing.
    """

    def __init__(self, column: str) -> None:
        self.column = column
        self.name = ""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Sealed[T]: ...
    @overload
    def __get__(self, instance: T, owner: type[Any]) -> str: ...
    def __get__(self, instance: T | None, owner: type[Any]) -> Sealed[T] | str:
        if instance is None:
            return self
        cache = instance.__dict__.setdefault("_plaintext", {})
        if self.name not in cache:
            stored = getattr(instance, self.column)
            cache[self.name] = (
                open_sealed(instance.sealing_cipher(), stored, **self._place(instance))
                if stored
                else ""
            )
        value: str = cache[self.name]
        return value

    def __set__(self, instance: T, value: str) -> None:
        value = value or ""
        stored = seal(instance.sealing_cipher(), value, **self._place(instance)) if value else b""
        setattr(instance, self.column, stored)
        instance.__dict__.setdefault("_plaintext", {})[self.name] = value

    def _place(self, instance: T) -> dict[str, str]:
        return {
            "table": instance._meta.db_table,
            "column": self.column,
            "row": str(instance.uuid),
        }


# --- Blind indexes ------------------------------------------------------------------------------


def blind_index(purpose: str, value: str) -> str:
    """A keyed hash of an already-normalised value, for exact-match lookups."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY, message, hashlib.sha256).hexdigest()


def normalise_name(name: str) -> str:
    """Case, accents, spaces and punctuation do not change a surname's index."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def normalise_nhs_number(value: str) -> str:
    return re.sub(r"\D", "", value)


# --- Files --------------------------------------------------------------------------------------


def seal_file(cipher: AESGCM, data: bytes, *, attachment: str) -> bytes:
    return seal_bytes(cipher, data, aad=f"confide/attachment/{attachment}".encode())


def open_file(cipher: AESGCM, sealed: bytes, *, attachment: str) -> bytes:
    return _open(cipher, sealed, f"confide/attachment/{attachment}".encode())


def seal_bytes(cipher: AESGCM, data: bytes, *, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FORMAT + nonce + cipher.encrypt(nonce, data, aad)


def open_bytes(cipher: AESGCM, sealed: bytes, *, aad: bytes) -> bytes:
    return _open(cipher, sealed, aad)


_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b")


def find_postcode(address: str) -> str:
    """The last UK postcode in an address, as 'AB12CD'; empty if there is none."""
    found = _POSTCODE.findall(address.upper())
    return "".join(found[-1]) if found else ""


def surname_index(family_name: str) -> str:
    surname = normalise_name(family_name)
    return blind_index("surname", surname) if surname else ""


def postcode_index(address: str) -> str:
    postcode = find_postcode(address)
    return blind_index("postcode", postcode) if postcode else ""
