"""The compiled catalogues a test needs to read Spanish: built from the .po
files in portal/translations (the .mo files are never committed; `make
install` builds them for the app)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "portal" / "translations"


def compile_catalogues() -> None:
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po:
            catalogue = read_po(po)
        # Written aside and moved in, so a test running meanwhile never reads half a file.
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as mo:
            write_mo(mo, catalogue)
        os.replace(temporary, mo_path)
