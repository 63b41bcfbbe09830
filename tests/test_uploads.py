"""Checking uploaded files: accepted types by content and extension, and every refusal
with its specific message. Tiny valid files are built here, byte by byte."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from licensing import uploads
from licensing.models import Document, DocumentType
from licensing.services.documents import document_upload
from licensing.uploads import UploadRefused, check_upload, display_name
from tests.factories import FirmFactory, MembershipFactory


# --- Tiny valid files.
def pdf_bytes(text: str = "Hello") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        + f"% {text}\n".encode()
        + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(extra_chunk: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + extra_chunk
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xdb\x00\x43\x00" + bytes(range(64)) + b"\xff\xd9"
    )


def ooxml_bytes(*entries: str, extra: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            archive.writestr(entry, '<?xml version="1.0" encoding="UTF-8"?><root/>')
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return ooxml_bytes("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def xlsx_bytes() -> bytes:
    return ooxml_bytes("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/worksheets/sheet1.xml")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(UploadRefused) as caught:
        check_upload(upload(name, content))
    assert caught.value.field_errors == {"file": [caught.value.detail]}
    return caught.value.detail


# --- Accepted.
@pytest.mark.parametrize(
    ("name", "build", "content_type"),
    [
        ("plan.pdf", pdf_bytes, "application/pdf"),
        ("chart.png", png_bytes, "image/png"),
        ("scan.jpg", jpeg_bytes, "image/jpeg"),
        ("scan.JPEG", jpeg_bytes, "image/jpeg"),
        (
            "policy.docx",
            docx_bytes,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "capital.xlsx",
            xlsx_bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_each_accepted_type_is_accepted_with_its_hash(name, build, content_type):
    content = build()
    checked = check_upload(upload(name, content))
    assert checked.content_type == content_type
    assert checked.display_name == name
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_the_hash_is_computed_over_every_chunk_of_a_large_file():
    content = pdf_bytes() + b"%" + b"x" * (3 * 1024 * 1024)  # several 64 KB chunks
    checked = check_upload(upload("big.pdf", content))
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.size == len(content)


# --- Refused, each with its own message.
def test_a_renamed_executable_is_refused():
    message = refusal("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200)
    assert message == (
        "report.pdf says it is a PDF but its content is not a PDF document (it looks like a program)."
    )


def test_an_executable_name_is_refused_as_a_type():
    assert refusal("report.exe", b"MZ\x90\x00") == (
        "report.exe is not an accepted type: upload a PDF, PNG, JPEG, DOCX or XLSX file."
    )


def test_png_content_named_pdf_is_refused():
    message = refusal("statement.pdf", png_bytes())
    assert message.startswith("statement.pdf says it is a PDF but its content is not a PDF document")
    assert "looks like a PNG image" in message


def test_pdf_content_named_png_is_refused():
    message = refusal("chart.png", pdf_bytes())
    assert message.startswith("chart.png says it is a PNG but its content is not a PNG image")


def test_a_png_that_is_also_a_web_page_is_refused():
    polyglot = png_bytes(_png_chunk(b"tEXt", b"Comment\x00<html><script>alert(1)</script></html>"))
    message = refusal("chart.png", polyglot)
    assert message.startswith("chart.png contains web page code (HTML or script) as well as a PNG image")


def test_a_pdf_with_html_near_the_start_is_refused():
    message = refusal("plan.pdf", b"%PDF-1.4\n<HTML><body>hi</body></HTML>\n%%EOF\n")
    assert "contains web page code" in message


def test_a_jpeg_with_a_script_in_its_comment_is_refused():
    content = b"\xff\xd8\xff\xfe\x00\x20<script>alert(1)</script>" + jpeg_bytes()[2:]
    assert "contains web page code" in refusal("photo.jpg", content)


def test_an_oversize_file_is_refused_with_the_limit(settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024
    assert refusal("plan.pdf", pdf_bytes() + b"x" * 2000) == "plan.pdf is larger than 1 KB."


def test_the_default_limit_reads_as_20_mb(settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    big = upload("plan.pdf", b"")
    big.size = 20 * 1024 * 1024 + 1
    with pytest.raises(UploadRefused, match=r"^plan\.pdf is larger than 20 MB\.$"):
        check_upload(big)


def test_an_oversize_file_is_refused_before_it_is_read(settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 1024

    class Unreadable(SimpleUploadedFile):
        def read(self, *args):
            raise AssertionError("the file was read")

        def chunks(self, *args):
            raise AssertionError("the file was read")

    huge = Unreadable("plan.pdf", b"%PDF-")
    huge.size = 10**9
    with pytest.raises(UploadRefused, match="larger than"):
        check_upload(huge)


def test_an_empty_file_is_refused():
    assert refusal("plan.pdf", b"") == "plan.pdf is empty."


def test_a_zip_that_is_not_a_docx_is_refused():
    message = refusal("policy.docx", ooxml_bytes("notes.txt", "photo.jpg"))
    assert message == (
        "policy.docx is an archive (such as ZIP, RAR, 7-Zip, gzip or tar), and archives are not "
        "accepted: upload each document on its own as a PDF, PNG, JPEG, DOCX or XLSX file."
    )


def test_a_docx_named_xlsx_is_refused():
    assert "says it is a XLSX" in refusal("capital.xlsx", docx_bytes())


def test_an_archive_is_refused_by_type():
    assert refusal("bundle.zip", docx_bytes()) == (
        "bundle.zip is not an accepted type: upload a PDF, PNG, JPEG, DOCX or XLSX file."
    )


def test_a_damaged_docx_is_refused():
    assert "is damaged" in refusal("policy.docx", b"PK\x03\x04" + b"\x00" * 100)


def test_a_zip_bomb_is_refused_from_its_declared_sizes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))
    content = buffer.getvalue()
    assert len(content) < 100 * 1024
    assert "zip bomb" in refusal("policy.docx", content)


def test_a_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "ZIP_MAX_ENTRIES", 10)
    content = ooxml_bytes(
        "[Content_Types].xml", "word/document.xml", *[f"word/media/{i}.xml" for i in range(20)]
    )
    assert "too many parts" in refusal("policy.docx", content)


def test_a_macro_enabled_document_is_refused():
    content = ooxml_bytes("[Content_Types].xml", "word/document.xml", extra={"word/vbaProject.bin": b"\x00"})
    assert "contains macros" in refusal("policy.docx", content)


def test_a_name_without_extension_is_refused():
    assert refusal("plan", pdf_bytes()).startswith("plan is not an accepted type")


# --- File names.
@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\y\\report.pdf", "report.pdf"),
        ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
        ("re\x00po\x1brt\n.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override removed
        ('a<b>c:"d|e?.pdf', "a_b_c__d_e_.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("  spaced   name .pdf ", "spaced name .pdf"),
        ("", "unnamed file"),
        ("../..", "unnamed file"),
    ],
)
def test_file_names_are_sanitised_for_display(raw, shown):
    assert display_name(raw) == shown


def test_long_names_are_cut_keeping_the_extension():
    shown = display_name("x" * 300 + ".pdf")
    assert len(shown) == uploads.DISPLAY_NAME_MAX
    assert shown.endswith("xx.pdf")


# --- Storing: the uploaded name is shown, never used as a path.
@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.mark.django_db
def test_a_traversal_name_is_stored_under_its_hash_and_shown_sanitised(media):
    from licensing import scenarios
    from licensing.models import ApplicationKind

    firm = FirmFactory()
    user = MembershipFactory(firm=firm).user
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=user)
    uploaded = upload("plan.pdf", pdf_bytes())
    uploaded._name = "../../../../etc/passwd.pdf"  # as a hostile client could send it

    document = document_upload(
        actor=user, application_id=app.pk, doc_type=DocumentType.BUSINESS_PLAN, uploaded_file=uploaded
    )

    digest = hashlib.sha256(pdf_bytes()).hexdigest()
    assert document.original_name == "passwd.pdf"
    assert document.file.name == f"documents/{firm.pk}/{digest[:2]}/{digest}"
    stored = Path(document.file.path).resolve()
    assert stored.is_relative_to((media / "media").resolve())
    assert stored.read_bytes() == pdf_bytes()
    assert not (media / "etc").exists()
    assert Document.objects.get().sha256 == digest
