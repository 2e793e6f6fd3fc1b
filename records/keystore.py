"""The keystore: each client's key share, in a file outside the database.

A client's data key is wrapped under its key share and then under the master key
(:func:`records.crypto.wrap_split`); the database holds only the result. So the database, or any
dump of it, opens nothing without the keystore, and destroying the share on disposal makes every
copy of that record unreadable, database dumps taken before the disposal included.

One file per client, named by the client's UUID, in a folder named by its first two hex digits
(``CONFIDE_KEYSTORE_DIR/3f/3f2a…``), so that no folder grows past a few thousand files. Files are
0600 and folders 0700. A share is written once and never changed: written to a temporary file,
flushed to disk, then linked into place (a link, unlike a rename, refuses to replace a share that
is already there) and the folder flushed too. The web and worker processes must all see the same
folder, as they do the attachments folder.
"""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from records import crypto

SHARE_BYTES = 32
_TEMPORARY = ".partial-"


def _name(client_uuid: uuid.UUID | str) -> str:
    # The canonical form only: nothing else can reach the file system through a name.
    return str(uuid.UUID(str(client_uuid)))


def root() -> Path:
    return Path(settings.KEYSTORE_DIR)


def path(client_uuid: uuid.UUID | str) -> Path:
    name = _name(client_uuid)
    return root() / name[:2] / name


def put(client_uuid: uuid.UUID | str, share: bytes) -> None:
    """Store a new client's share, durably. Raises ``FileExistsError`` if the client has one:
    a share is never replaced, because the wrapped key in the database needs that very share."""
    if len(share) != SHARE_BYTES:
        raise ValueError(f"a key share is {SHARE_BYTES} bytes")
    target = path(client_uuid)
    _make_folder(target.parent)
    temporary = target.parent / f"{_TEMPORARY}{target.name}-{secrets.token_hex(4)}"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, share)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.link(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _flush_folder(target.parent)


def get(client_uuid: uuid.UUID | str) -> bytes:
    """The client's share. Raises :class:`~records.crypto.KeyShareMissing` if there is none and
    :class:`~records.crypto.KeyShareMismatch` if the file is not a share."""
    name = _name(client_uuid)
    try:
        share = path(name).read_bytes()
    except FileNotFoundError:
        raise crypto.KeyShareMissing(
            f"client {name} has no key share in the keystore ({root()}): it was destroyed when "
            "the record was disposed of, or the keystore is not mounted here"
        ) from None
    if len(share) != SHARE_BYTES:
        raise crypto.KeyShareMismatch(
            f"the key share of client {name} is {len(share)} bytes, not {SHARE_BYTES}: "
            "it was altered or cut short"
        )
    return share


def ensure(client_uuid: uuid.UUID | str) -> bytes:
    """The client's share, made now if it has none. For converting existing records: a run cut
    off after making the share, or two runs at once, end up using the same share."""
    try:
        return get(client_uuid)
    except crypto.KeyShareMissing:
        pass
    share = crypto.new_key_share()
    try:
        put(client_uuid, share)
    except FileExistsError:
        return get(client_uuid)
    return share


def exists(client_uuid: uuid.UUID | str) -> bool:
    return path(client_uuid).is_file()


def destroy(client_uuid: uuid.UUID | str) -> bool:
    """Overwrite the share with zeros, flush it, and remove it; True if there was one. Safe to
    repeat. The overwrite is a courtesy (SSDs and copy-on-write file systems may keep the old
    block): what makes the disposal final is that no copy of the share is left, here or in the
    keystore's backups."""
    target = path(client_uuid)
    try:
        descriptor = os.open(target, os.O_WRONLY)
    except FileNotFoundError:
        return False
    try:
        os.write(descriptor, bytes(os.fstat(descriptor).st_size))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    target.unlink(missing_ok=True)
    _flush_folder(target.parent)
    return True


def client_uuids() -> Iterator[str]:
    """The UUID of every client with a share in the keystore."""
    if not root().is_dir():
        return
    for folder in sorted(root().iterdir()):
        if len(folder.name) != 2 or not folder.is_dir():
            continue
        for file in sorted(folder.iterdir()):
            try:
                name = _name(file.name)
            except ValueError:
                continue  # a temporary file, or something that is not ours
            if name == file.name and name.startswith(folder.name):
                yield name


def remove_stale_temporaries(*, older_than_seconds: float) -> int:
    """Remove temporary files that a process cut off in the middle of :func:`put` left behind
    (their client was never saved). Returns how many went."""
    if not root().is_dir():
        return 0
    cutoff = time.time() - older_than_seconds
    removed = 0
    for file in root().glob(f"??/{_TEMPORARY}*"):
        if file.stat().st_mtime < cutoff:
            file.unlink(missing_ok=True)
            removed += 1
    return removed


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    _flush_folder(folder.parent)


def _flush_folder(folder: Path) -> None:
    # A new or removed name is durable only once its folder is flushed too.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
