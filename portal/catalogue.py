"""The translation catalogue's compile step (ADR 0010).

`locale/<lang>/LC_MESSAGES/django.po` is the source; the `.mo` Django reads is built, never
committed. `make run` and `make test` build it with gettext's `msgfmt` (through
`manage.py compilemessages`) and fall back to this module's pure-Python compile (polib) on a
machine without gettext; the test session calls `compile_stale()` so `pytest` alone works.

    python -m portal.catalogue          # compile every stale catalogue with polib
"""

import shutil
import subprocess
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def is_stale(po: Path) -> bool:
    mo = po.with_suffix(".mo")
    return not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime


def compile_with_polib(po: Path) -> None:
    """Like msgfmt: fuzzy and untranslated entries are left out of the .mo."""
    import polib

    polib.pofile(str(po)).save_as_mofile(str(po.with_suffix(".mo")))


def compile_with_msgfmt(po: Path, msgfmt: str) -> None:
    subprocess.run(  # noqa: S603 - our own files, gettext's msgfmt found on PATH
        [msgfmt, "--check-format", "-o", str(po.with_suffix(".mo")), str(po)],
        check=True,
        capture_output=True,
        text=True,
    )


def compile_stale(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile each catalogue whose .mo is missing or older than its .po; returns them."""
    msgfmt = shutil.which("msgfmt")
    compiled = []
    for po in catalogues(locale_dir):
        if is_stale(po):
            if msgfmt:
                compile_with_msgfmt(po, msgfmt)
            else:
                compile_with_polib(po)
            compiled.append(po)
    return compiled


def main() -> int:
    for po in catalogues():
        compile_with_polib(po)
        print(f"compiled {po.relative_to(LOCALE_DIR.parent)} (polib)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
