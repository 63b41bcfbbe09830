"""Checking an uploaded file before it is stored.

A file is accepted only when its name's extension and its content agree on one of the
accepted types (PDF, PNG, JPEG, DOCX, XLSX). Content is recognised by its first bytes
("magic numbers"); a DOCX or XLSX is a ZIP archive whose entry list is read, never
extracted, and refused when its entry count or declared sizes look like a zip bomb. Files
that carry web page code near the start (HTML/image or HTML/PDF "polyglots", which a
browser could be tricked into running) are refused. Archives (ZIP, RAR, 7-Zip, gzip, bzip2,
xz, tar) are refused by their content whatever their name says: a DOCX or XLSX is a ZIP
container too, and is accepted only when its directory is that of a Word document or an
Excel workbook. The SHA-256 is computed while the file is streamed in chunks, so a large file
is never held in memory. When CLAMD_URL is set, every file that passes these checks is also
streamed to ClamAV (`licensing.antivirus`): an infected file is refused, and so is every file
while the scanner cannot give a verdict.

The name shown to people is sanitised here (`display_name`); the stored name never uses it
(see `licensing.models.documents.document_path`, which names files by their hash).
"""

import hashlib
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from licensing import antivirus
from portal.errors import DomainError, RuleBroken

logger = logging.getLogger(__name__)

# How much of the start of a file is read to recognise it and to look for web page code.
HEAD_BYTES = 8 * 1024
# A DOCX or XLSX is a ZIP archive: limits on what its directory may declare.
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed / compressed, per entry (ordinary XML compresses ~10-30x)
# Shown names are cut to this many characters (the extension is kept).
DISPLAY_NAME_MAX = 120

# First bytes of archive formats other than ZIP (RAR 4 and 5, 7-Zip, gzip, bzip2, xz, zstd,
# Microsoft cabinet); a tar archive says "ustar" at byte 257.
ARCHIVE_MAGIC = (
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"MSCF",
)

WEB_CODE_MARKERS = (b"<html", b"<script", b"<!doctype html", b"<iframe", b"<body", b"<?php")


@dataclass(frozen=True)
class FileType:
    key: str
    label: str  # as in "… says it is a PDF"
    content_label: str  # as in "… its content is not a PDF document"
    content_type: str
    extensions: tuple[str, ...]


def _types():
    # Built on each call so that labels follow the active language.
    return {
        t.key: t
        for t in (
            FileType("pdf", "PDF", _("a PDF document"), "application/pdf", (".pdf",)),
            FileType("png", "PNG", _("a PNG image"), "image/png", (".png",)),
            FileType("jpeg", "JPEG", _("a JPEG image"), "image/jpeg", (".jpg", ".jpeg")),
            FileType(
                "docx",
                "DOCX",
                _("a Word (DOCX) document"),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                (".docx",),
            ),
            FileType(
                "xlsx",
                "XLSX",
                _("an Excel (XLSX) workbook"),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                (".xlsx",),
            ),
        )
    }


ACCEPTED_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx")
# For the file input's `accept` attribute: a hint to the browser, never relied upon.
ACCEPT_ATTRIBUTE = ",".join(ACCEPTED_EXTENSIONS)


class UploadRefused(RuleBroken):
    """The file cannot be accepted; the message says why, naming the file."""

    type = "upload-refused"

    def __init__(self, message):
        super().__init__(message, field_errors={"file": [message]})


class UploadScanUnavailable(DomainError):
    """Virus scanning is configured but the scanner gave no verdict: nothing is accepted unscanned."""

    status_code = 503
    type = "upload-scan-unavailable"
    title = _lazy("The file cannot be checked for viruses right now.")

    def __init__(self, message):
        super().__init__(message, field_errors={"file": [message]})


@dataclass(frozen=True)
class CheckedUpload:
    display_name: str
    content_type: str
    kind: str
    size: int
    sha256: str


# --- File names.

_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')


def display_name(raw_name) -> str:
    """A file name safe to show and to put in a download header.

    Drops any folder part (``../../etc/passwd`` → ``passwd``, ``C:\\x\\y.pdf`` → ``y.pdf``),
    control and invisible formatting characters (including right-to-left overrides that can
    disguise ``exe.pdf``), characters Windows forbids, leading dots, and cuts the name to
    DISPLAY_NAME_MAX characters keeping the extension.
    """
    name = unicodedata.normalize("NFC", str(raw_name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
    )
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip().lstrip(". ").rstrip(". ")
    if len(name) > DISPLAY_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: DISPLAY_NAME_MAX - len(ext) - 1].rstrip() + "." + ext
        else:
            name = name[:DISPLAY_NAME_MAX].rstrip()
    return name or _("unnamed file")


def _extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and _stem else ""


def human_size(num_bytes: int) -> str:
    """20971520 → "20 MB", 1536 → "1.5 KB"."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if num_bytes >= factor:
            value = num_bytes / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return _("%(n)s bytes") % {"n": num_bytes}


# --- Content.


def _sniff(head: bytes) -> str:
    """What the first bytes say the file is: a type key, "zip", "exe", or ""."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head.startswith(ARCHIVE_MAGIC) or head[257:262] == b"ustar":
        return "archive"
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")):
        return "exe"
    return ""


def _looks_like(kind: str) -> str:
    return {
        "pdf": _("it looks like a PDF document"),
        "png": _("it looks like a PNG image"),
        "jpeg": _("it looks like a JPEG image"),
        "docx": _("it looks like a Word document"),
        "xlsx": _("it looks like an Excel workbook"),
        "exe": _("it looks like a program"),
    }.get(kind, "")


def _inspect_zip(uploaded_file, name: str) -> str:
    """ "docx", "xlsx" or "zip", reading only the archive's directory (nothing is extracted)."""
    uploaded_file.seek(0)
    try:
        with zipfile.ZipFile(uploaded_file) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise UploadRefused(
            _("%(name)s is damaged: it could not be opened as a DOCX or XLSX file.") % {"name": name}
        ) from None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise UploadRefused(
            _("%(name)s holds too many parts (%(count)s) to be an ordinary document.")
            % {"name": name, "count": len(entries)}
        )
    total = 0
    for entry in entries:
        total += entry.file_size
        ratio_too_high = entry.file_size > 1024 * 1024 and entry.file_size > ZIP_MAX_RATIO * max(
            entry.compress_size, 1
        )
        if total > ZIP_MAX_UNCOMPRESSED_BYTES or ratio_too_high:
            raise UploadRefused(
                _(
                    "%(name)s would expand to far more data than an ordinary document "
                    "(a possible “zip bomb”), so it cannot be accepted."
                )
                % {"name": name}
            )
        if entry.flag_bits & 0x1:
            raise UploadRefused(
                _("%(name)s is password-protected: upload a copy without a password.") % {"name": name}
            )
    names = {entry.filename for entry in entries}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UploadRefused(
            _("%(name)s contains macros: save it as a plain DOCX or XLSX file without macros.")
            % {"name": name}
        )
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return "zip"


# Set on a file clamd found clean, to the SHA-256 it had: a form that checks its files before
# calling the service (which checks them again) sends each file to the scanner once.
_SCANNED_CLEAN = "_portal_scanned_clean_sha256"


def _scan(uploaded_file, name: str, sha256: str) -> None:
    """Refuse `uploaded_file` unless clamd says it is clean."""
    if getattr(uploaded_file, _SCANNED_CLEAN, None) == sha256:
        return
    uploaded_file.seek(0)
    try:
        signature = antivirus.scan(uploaded_file.chunks())
    except antivirus.ScannerUnavailable as error:
        logger.error("Upload refused: the virus scanner gave no verdict (%s).", error)
        raise UploadScanUnavailable(
            _("%(name)s cannot be checked for viruses right now, so it was not accepted. Try again later.")
            % {"name": name}
        ) from None
    finally:
        uploaded_file.seek(0)
    if signature is not None:
        logger.warning("Upload refused: the virus scanner found %s.", signature)
        raise UploadRefused(
            _(
                "%(name)s contains a virus or other malicious software (%(signature)s), so it was "
                "not accepted. Check your computer and upload a clean copy."
            )
            % {"name": name, "signature": signature}
        )
    setattr(uploaded_file, _SCANNED_CLEAN, sha256)


def check_upload(uploaded_file, *, max_bytes: int | None = None) -> CheckedUpload:
    """Check `uploaded_file` (a Django UploadedFile); return what to store, or raise UploadRefused."""
    types = _types()
    name = display_name(getattr(uploaded_file, "name", ""))
    max_bytes = settings.PORTAL_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes

    ext = _extension(name)
    claimed = next((t for t in types.values() if ext in t.extensions), None)
    if claimed is None:
        raise UploadRefused(
            _("%(name)s is not an accepted type: upload a PDF, PNG, JPEG, DOCX or XLSX file.")
            % {"name": name}
        )

    # Refuse on the declared size before reading anything.
    size = uploaded_file.size
    if size is None or size <= 0:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    if size > max_bytes:
        raise UploadRefused(
            _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": human_size(max_bytes)}
        )

    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    if not head:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    kind = _sniff(head)
    if kind == "zip":
        kind = _inspect_zip(uploaded_file, name)
    if kind in ("zip", "archive"):
        raise UploadRefused(
            _(
                "%(name)s is an archive (such as ZIP, RAR, 7-Zip, gzip or tar), and archives are "
                "not accepted: upload each document on its own as a PDF, PNG, JPEG, DOCX or XLSX file."
            )
            % {"name": name}
        )
    if kind != claimed.key:
        message = _("%(name)s says it is a %(type)s but its content is not %(content)s") % {
            "name": name,
            "type": claimed.label,
            "content": claimed.content_label,
        }
        hint = _looks_like(kind)
        raise UploadRefused(f"{message} ({hint})." if hint else f"{message}.")

    lowered = head.lower()
    if any(marker in lowered for marker in WEB_CODE_MARKERS):
        raise UploadRefused(
            _(
                "%(name)s contains web page code (HTML or script) as well as %(content)s, "
                "so it cannot be accepted. Save it again as a plain %(type)s file and upload that."
            )
            % {"name": name, "content": claimed.content_label, "type": claimed.label}
        )

    digest = hashlib.sha256()
    read = 0
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        read += len(chunk)
        if read > max_bytes:  # the declared size was wrong: never trust it beyond the limit
            raise UploadRefused(
                _("%(name)s is larger than %(limit)s.") % {"name": name, "limit": human_size(max_bytes)}
            )
        digest.update(chunk)
    uploaded_file.seek(0)
    if read == 0:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    if antivirus.configured():
        _scan(uploaded_file, name, digest.hexdigest())
    return CheckedUpload(
        display_name=name,
        content_type=claimed.content_type,
        kind=claimed.key,
        size=read,
        sha256=digest.hexdigest(),
    )
