"""Backups encrypted with a key from the environment (BACKUP_KEY).

The plain backup (a SQLite file or a pg_dump archive) is encrypted in
pieces of CHUNK bytes, each a Fernet token (cryptography: AES-128-CBC with
an HMAC-SHA256 over it), so a large database never has to fit in memory.
Each piece carries its place and whether it is the last, under the token's
authentication: a file with pieces reordered, dropped or cut short, or
changed in any byte, is refused, never restored in part. Older keys stay
able to open older files (BACKUP_KEY_FALLBACKS), as after a rotation.

The file: HEADER, then for each piece its length (4 bytes, big-endian) and
its token.
"""

from __future__ import annotations

import os
import struct
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from portal.backup.inventory import BackupRefused

HEADER = b"SUPPORT-CIRCLE-ENCRYPTED-BACKUP-1\n"
CHUNK = 4 * 1024 * 1024
_PLACE = struct.Struct(">Q?")  # the piece's number, and whether it is the last
_LENGTH = struct.Struct(">I")
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
    try:
        with os.fdopen(handle, "wb") as out, plain.open("rb") as source:
            out.write(HEADER)
            number, piece = 0, source.read(CHUNK)
            while True:
                following = source.read(CHUNK)
                token = keys.encrypt(_PLACE.pack(number, not following) + piece)
                out.write(_LENGTH.pack(len(token)) + token)
                if not following:
                    break
                number, piece = number + 1, following
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _pieces(path: Path):
    with path.open("rb") as file:
        if file.read(len(HEADER)) != HEADER:
            raise BackupRefused(f"{path} is not an encrypted backup of Support Circle.")
        while length := file.read(_LENGTH.size):
            if len(length) != _LENGTH.size:
                raise BackupRefused(f"{path} is cut short: it is not a whole encrypted backup.")
            token = file.read(_LENGTH.unpack(length)[0])
            yield token


def unseal(sealed: Path, target: Path, keys: MultiFernet) -> None:
    """Decrypt ``sealed`` into ``target``, refusing a file changed, reordered or cut short."""
    expected, finished = 0, False
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
            number, finished = _PLACE.unpack_from(plain)
            if number != expected:
                raise BackupRefused(f"{sealed} has its pieces out of order: it was changed.")
            out.write(plain[_PLACE.size:])
            expected += 1
    if not finished:
        raise BackupRefused(f"{sealed} is cut short: it is not a whole encrypted backup.")


@contextmanager
def private_folder(beside: Path | None = None):
    """A folder only this user can read (0700), in ``beside`` (else the system's
    temporary folder), removed with what is in it."""
    folder = Path(tempfile.mkdtemp(prefix=".support-circle-backup-", dir=beside))
    try:
        yield folder
    finally:
        for leftover in folder.iterdir():
            leftover.unlink(missing_ok=True)
        folder.rmdir()
