"""Backups encrypted with a key from the environment (BACKUP_KEY).

The plain backup (a SQLite file or a pg_dump archive) is encrypted in
pieces of CHUNK bytes, each a Fernet token (cryptography: AES-128-CBC with
an HMAC-SHA256 over it), so a large database never has to fit in memory.
Each piece carries its place and whether it is the last, under the token's
authentication: a file with pieces reordered, dropped or cut short, or
changed in any byte, is refused, never restored in part. Older keys stay
able to open older files (BACKUP_KEY_FALLBACKS), as after a rotation.

The file: HEADER, a random file id (16 bytes), then for each piece its
length (4 bytes, big-endian) and its token. Each piece carries the file id
too, so pieces of two backups made with one key cannot be spliced into a
third that passes.

The plain copy a backup is made from, and the one a restore decrypts to, are
written in a private folder (0700) in the machine's temporary folder (or
BACKUP_WORK_DIR), never beside the backups, which are often copied off the
machine; one left by a run that was killed is removed by the next.
"""

from __future__ import annotations

import os
import secrets
import shutil
import struct
import tempfile
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from portal.backup.inventory import BackupRefused

HEADER = b"SUPPORT-CIRCLE-ENCRYPTED-BACKUP-2\n"
FILE_ID_BYTES = 16
CHUNK = 4 * 1024 * 1024
_PLACE = struct.Struct(">16sQ?")  # the file's id, the piece's number, and whether it is the last
_LENGTH = struct.Struct(">I")
# A Fernet token of a whole piece, base64: a length past this is a changed file, not a piece to read.
_LONGEST_TOKEN = (CHUNK + _PLACE.size + 100) * 4 // 3 + 200
_WORK_PREFIX = "support-circle-backup-"
_STALE_SECONDS = 24 * 3600
KEY_HINT = (
    "Make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def fernet(keys: Iterable[str]) -> MultiFernet:
    """The current key first, then the ones it replaced; each must be a Fernet key."""
    made = []
    for key in keys:
        try:
            made.append(Fernet(key.strip().encode()))
        except ValueError:
            raise BackupRefused(f"BACKUP_KEY (or one of BACKUP_KEY_FALLBACKS) is not a backup key. {KEY_HINT}") from None
    if not made:
        raise BackupRefused(f"No BACKUP_KEY is set. {KEY_HINT}")
    return MultiFernet(made)


def is_sealed(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(HEADER)) == HEADER


def seal(plain: Path, target: Path, keys: MultiFernet) -> None:
    """Encrypt ``plain`` into ``target`` (made 0600, renamed into place only when whole)."""
    handle, partial_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    partial = Path(partial_name)
    file_id = secrets.token_bytes(FILE_ID_BYTES)
    try:
        with os.fdopen(handle, "wb") as out, plain.open("rb") as source:
            out.write(HEADER + file_id)
            number, piece = 0, source.read(CHUNK)
            while True:
                following = source.read(CHUNK)
                token = keys.encrypt(_PLACE.pack(file_id, number, not following) + piece)
                out.write(_LENGTH.pack(len(token)) + token)
                if not following:
                    break
                number, piece = number + 1, following
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def file_id(path: Path) -> bytes:
    with path.open("rb") as file:
        if file.read(len(HEADER)) != HEADER:
            raise BackupRefused(f"{path} is not an encrypted backup of Support Circle.")
        found = file.read(FILE_ID_BYTES)
    if len(found) != FILE_ID_BYTES:
        raise BackupRefused(f"{path} is cut short: it is not a whole encrypted backup.")
    return found


def _pieces(path: Path):
    with path.open("rb") as file:
        file.seek(len(HEADER) + FILE_ID_BYTES)
        while length := file.read(_LENGTH.size):
            size = _LENGTH.unpack(length)[0] if len(length) == _LENGTH.size else 0
            if not 0 < size <= _LONGEST_TOKEN:
                raise BackupRefused(f"{path} was changed or cut short: it is not a whole encrypted backup.")
            yield file.read(size)


def unseal(sealed: Path, target: Path, keys: MultiFernet) -> None:
    """Decrypt ``sealed`` into ``target``, refusing a file changed, reordered, spliced or cut short."""
    expected, finished, ours = 0, False, file_id(sealed)
    with target.open("wb") as out:
        for token in _pieces(sealed):
            if finished:
                raise BackupRefused(f"{sealed} has pieces after its last: it was changed.")
            try:
                plain = keys.decrypt(token)
            except InvalidToken:
                raise BackupRefused(
                    f"{sealed} could not be decrypted with BACKUP_KEY (or BACKUP_KEY_FALLBACKS): "
                    "a different key made it, or the file was changed."
                ) from None
            owner, number, finished = _PLACE.unpack_from(plain)
            if owner != ours:
                raise BackupRefused(f"{sealed} holds pieces of another backup: it was changed.")
            if number != expected:
                raise BackupRefused(f"{sealed} has its pieces out of order: it was changed.")
            out.write(plain[_PLACE.size:])
            expected += 1
    if not finished:
        raise BackupRefused(f"{sealed} is cut short: it is not a whole encrypted backup.")


def _remove_stale(work: Path) -> None:
    """Private folders a killed run left behind (older than a day), with the plain copies in them."""
    now = time.time()
    for folder in work.glob(f"{_WORK_PREFIX}*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and now - folder.stat().st_mtime > _STALE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


@contextmanager
def private_folder(work: str | None = None):
    """A folder only this user can read (0700), in ``work`` (BACKUP_WORK_DIR) or
    the machine's temporary folder, removed with what is in it."""
    base = Path(work) if work else Path(tempfile.gettempdir())
    _remove_stale(base)
    folder = Path(tempfile.mkdtemp(prefix=_WORK_PREFIX, dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
