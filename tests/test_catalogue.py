"""The Urdu catalogue (locale/ur/LC_MESSAGES/django.po) is complete, compiles, keeps every
placeholder, and is what `makemessages` makes from the code today (ADR 0010)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from portal import catalogue, third_party_strings
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "ur" / "LC_MESSAGES" / "django.po"
# %(name)s, %s, %d …, and "%%" (a literal percent sign, which is not a placeholder).
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[sdifgeExXor]")
# Trees makemessages must not read when it runs on the copy.
NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".git", "var", "node_modules", "test-artifacts", "__pycache__", "*.mo"
)


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO))


def entries(po):
    return [e for e in po if not e.obsolete]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def test_every_message_is_translated_and_none_is_fuzzy(po):
    untranslated = [e.msgid for e in entries(po) if not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [e.msgid for e in entries(po) if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert len(entries(po)) > 2000


def test_python_format_placeholders_match_between_english_and_urdu(po):
    wrong = []
    for e in entries(po):
        if "python-format" not in e.flags:
            continue
        if e.msgid_plural:
            expected = placeholders(e.msgid_plural)
            for n, text in e.msgstr_plural.items():
                if placeholders(text) != expected and not (
                    n == 0 and placeholders(text) == placeholders(e.msgid)
                ):
                    wrong.append((e.msgid, text))
        elif placeholders(e.msgstr) != placeholders(e.msgid):
            wrong.append((e.msgid, e.msgstr))
    assert not wrong, f"{len(wrong)} with other placeholders, e.g. {wrong[:3]}"


def test_named_placeholders_are_not_translated_in_any_entry(po):
    """Placeholders in entries gettext did not flag (e.g. {input} of DRF) are kept too."""
    brace = re.compile(r"\{[a-z_]+\}")
    wrong = [
        (e.msgid, e.msgstr)
        for e in entries(po)
        if not e.msgid_plural and sorted(brace.findall(e.msgid)) != sorted(brace.findall(e.msgstr))
    ]
    assert not wrong, wrong[:3]


def test_the_catalogue_compiles_with_msgfmt(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        need_service("gettext", "msgfmt is not installed (apt-get install gettext)")
    result = subprocess.run(  # noqa: S603 - our own file, gettext's msgfmt
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "django.mo"), str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_the_pure_python_compile_gives_what_django_reads(tmp_path):
    """The fallback of `make messages` on a machine without gettext (polib)."""
    po_copy = tmp_path / "django.po"
    shutil.copy(PO, po_copy)
    catalogue.compile_with_polib(po_copy)
    mo = polib.mofile(str(tmp_path / "django.mo"))
    translations = {e.msgid: e.msgstr for e in mo}
    assert translations["Public register"] == "عوامی رجسٹر"
    assert len(translations) > 2000


def test_a_stale_catalogue_is_compiled_again(tmp_path):
    folder = tmp_path / "ur" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(PO, folder / "django.po")
    assert catalogue.compile_stale(tmp_path) == [folder / "django.po"]
    assert catalogue.compile_stale(tmp_path) == []  # the .mo is newer now
    (folder / "django.po").touch()
    mo = folder / "django.mo"
    past = (folder / "django.po").stat().st_mtime - 60
    os.utime(mo, (past, past))
    assert catalogue.compile_stale(tmp_path) == [folder / "django.po"]


def _ids(po) -> set[tuple]:
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in entries(po)}


def test_makemessages_would_not_change_the_catalogue(tmp_path, po):
    """Run makemessages on a copy of the tree: the same messages must come out (a string
    marked in code but missing here, or one still here that the code no longer has, fails).
    Header dates and source line references are ignored."""
    if shutil.which("xgettext") is None:
        need_service("gettext", "xgettext is not installed (apt-get install gettext)")
    copy = tmp_path / "tree"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    result = subprocess.run(  # noqa: S603 - the project's own manage.py
        [sys.executable, "manage.py", "makemessages", "-l", "ur", "--no-obsolete"],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
    )
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(copy / "locale" / "ur" / "LC_MESSAGES" / "django.po"))
    missing = _ids(fresh) - _ids(po)
    stale = _ids(po) - _ids(fresh)
    assert not missing, f"marked in code, not in the catalogue (run makemessages): {sorted(missing)[:5]}"
    assert not stale, f"in the catalogue, no longer in code (run makemessages): {sorted(stale)[:5]}"
    assert [e.msgid for e in entries(fresh) if not e.translated()] == []


def _package_msgids(package: str) -> set[str]:
    folder = Path(__import__(package).__file__).parent / "locale" / "fr" / "LC_MESSAGES"
    mo = folder / "django.mo"
    return {e.msgid for e in polib.mofile(str(mo))}


@pytest.mark.parametrize(
    ("package", "strings"),
    [("allauth", third_party_strings.ALLAUTH), ("rest_framework", third_party_strings.REST_FRAMEWORK)],
)
def test_third_party_strings_are_still_the_packages_own_msgids(package, strings):
    """After an upgrade a package may reword a message; its copy here would then translate
    nothing. The packages' French catalogue lists their msgids."""
    known = _package_msgids(package)
    gone = [s for s in strings if s not in known]
    assert not gone, f"{package} no longer has: {gone}"
