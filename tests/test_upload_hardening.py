"""Upload hardening, attacked for real: archives refused by their content, virus scanning through a
clamd that speaks INSTREAM on a local socket (the EICAR test string is flagged), a scanner that is
down, silent or talks nonsense (nothing is accepted unscanned), and oversize requests refused
before anything reads their body."""

import gzip
import io
import json
import socket
import socketserver
import struct
import tarfile
import threading
import zipfile
from contextlib import contextmanager

import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse
from rest_framework.test import APIClient

from licensing import antivirus, scenarios
from licensing.models import ApplicationKind, Document
from licensing.uploads import UploadRefused, UploadScanUnavailable, check_upload
from portal.api.services import api_token_create
from portal.audit.models import AuditEvent
from tests.test_uploads import docx_bytes, pdf_bytes, xlsx_bytes

# The EICAR anti-virus test file: harmless, and recognised by every scanner. Written in two
# halves so that no scanner on a developer's machine quarantines this source file.
EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


# --- A fake clamd: the INSTREAM protocol on 127.0.0.1, flagging any stream holding EICAR.
class FakeClamd(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, mode="scan"):
        self.mode = mode  # "scan", "garbage" (answers nonsense) or "silent" (never answers)
        self.streams = []  # every stream received, as bytes
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _ClamdHandler)

    @property
    def url(self):
        return f"tcp://127.0.0.1:{self.server_address[1]}"


class _ClamdHandler(socketserver.BaseRequestHandler):
    def _read_exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.request.recv(n - len(data))
            if not chunk:
                raise ConnectionError("client went away")
            data += chunk
        return data

    def handle(self):
        server = self.server
        command = b""
        while not command.endswith(b"\0"):
            byte = self.request.recv(1)
            if not byte:
                return
            command += byte
        if command == b"zPING\0":
            self.request.sendall(b"PONG\0")
            return
        if command != b"zINSTREAM\0":
            self.request.sendall(b"UNKNOWN COMMAND\0")
            return
        stream = b""
        while True:
            (length,) = struct.unpack("!I", self._read_exactly(4))
            if length == 0:
                break
            stream += self._read_exactly(length)
        server.streams.append(stream)
        if server.mode == "silent":
            server.release.wait(5)  # longer than the client's timeout
            return
        if server.mode == "garbage":
            self.request.sendall(b"HELLO THERE\0")
            return
        found = EICAR.encode() in stream
        self.request.sendall(b"stream: Eicar-Signature FOUND\0" if found else b"stream: OK\0")


@contextmanager
def fake_clamd(settings, mode="scan"):
    server = FakeClamd(mode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLAMD_URL = server.url
    settings.CLAMD_TIMEOUT_SECONDS = 0.5
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"tcp://127.0.0.1:{port}"


def infected_pdf() -> bytes:
    return pdf_bytes(EICAR)


# --- Archives, by content.
def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("accounts.pdf", pdf_bytes("inside"))
    return buffer.getvalue()


def tar_archive() -> bytes:
    buffer = io.BytesIO()
    content = pdf_bytes("inside")
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("accounts.pdf")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def tar_gz_archive() -> bytes:
    return gzip.compress(tar_archive())


ARCHIVE_MESSAGE = (
    "{name} is an archive (such as ZIP, RAR, 7-Zip, gzip or tar), and archives are not accepted: "
    "upload each document on its own as a PDF, PNG, JPEG, DOCX or XLSX file."
)


@pytest.mark.parametrize(
    "name, build",
    [
        ("accounts.pdf", zip_archive),
        ("accounts.docx", zip_archive),
        ("accounts.xlsx", zip_archive),
        ("accounts.pdf", tar_archive),
        ("accounts.pdf", tar_gz_archive),
        ("accounts.pdf", lambda: gzip.compress(pdf_bytes())),
        ("accounts.pdf", lambda: b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64),
        ("accounts.pdf", lambda: b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 64),
    ],
    ids=["zip-as-pdf", "zip-as-docx", "zip-as-xlsx", "tar", "tar.gz", "gzip", "rar", "7z"],
)
def test_an_archive_is_refused_by_its_content_whatever_its_name(name, build):
    with pytest.raises(UploadRefused) as refused:
        check_upload(SimpleUploadedFile(name, build()))
    assert refused.value.detail == ARCHIVE_MESSAGE.format(name=name)


def test_office_documents_are_zip_containers_and_still_accepted():
    assert check_upload(SimpleUploadedFile("plan.docx", docx_bytes())).kind == "docx"
    assert check_upload(SimpleUploadedFile("capital.xlsx", xlsx_bytes())).kind == "xlsx"


# --- The virus scanner.
def test_a_clean_file_is_streamed_to_the_scanner_and_accepted(settings):
    content = pdf_bytes("clean") + b"%" + b"x" * 200_000 + b"\n"  # several INSTREAM chunks
    with fake_clamd(settings) as clamd:
        checked = check_upload(SimpleUploadedFile("plan.pdf", content))
    assert checked.kind == "pdf"
    assert clamd.streams == [content]


def test_a_file_checked_twice_is_scanned_once(settings):
    same = SimpleUploadedFile("plan.pdf", pdf_bytes("clean"))
    with fake_clamd(settings) as clamd:
        check_upload(same)
        check_upload(same)  # as the answer form does before the service checks again
        check_upload(SimpleUploadedFile("plan.pdf", pdf_bytes("clean")))
    assert len(clamd.streams) == 2


def test_an_infected_file_is_refused_naming_the_signature(settings):
    with fake_clamd(settings):
        with pytest.raises(UploadRefused) as refused:
            check_upload(SimpleUploadedFile("plan.pdf", infected_pdf()))
    assert refused.value.status_code == 422
    assert refused.value.detail == (
        "plan.pdf contains a virus or other malicious software (Eicar-Signature), so it was not "
        "accepted. Check your computer and upload a clean copy."
    )


UNSCANNABLE = "plan.pdf cannot be checked for viruses right now, so it was not accepted. Try again later."


@pytest.mark.parametrize("mode", ["garbage", "silent"])
def test_a_scanner_that_gives_no_verdict_refuses_the_upload(settings, mode, caplog):
    with fake_clamd(settings, mode=mode) as clamd:
        with pytest.raises(UploadScanUnavailable) as refused:
            check_upload(SimpleUploadedFile("plan.pdf", pdf_bytes("clean")))
    assert len(clamd.streams) == 1  # it was asked, and its answer (or silence) was not trusted
    assert refused.value.detail == UNSCANNABLE
    assert refused.value.status_code == 503
    assert "the virus scanner gave no verdict" in caplog.text


def test_a_scanner_that_is_down_refuses_the_upload(settings, caplog):
    settings.CLAMD_URL = closed_port_url()
    settings.CLAMD_TIMEOUT_SECONDS = 0.5
    with pytest.raises(UploadScanUnavailable):
        check_upload(SimpleUploadedFile("plan.pdf", pdf_bytes("clean")))
    assert "ConnectionRefusedError" in caplog.text


def test_without_a_scanner_uploads_are_checked_as_before(settings):
    settings.CLAMD_URL = ""
    assert check_upload(SimpleUploadedFile("plan.pdf", infected_pdf())).kind == "pdf"


@pytest.mark.parametrize(
    "url", ["tcp://127.0.0.1:3310", "tcp://clamd.internal:3310", "unix:///run/clamav/clamd.ctl"]
)
def test_good_scanner_addresses_raise_no_warning(settings, url):
    settings.CLAMD_URL = url
    assert not [m for m in run_checks() if m.id == "licensing.W001"]


@pytest.mark.parametrize(
    "url", ["127.0.0.1:3310", "tcp://127.0.0.1", "tcp://:3310", "http://clamd:3310", "unix://relative.sock"]
)
def test_a_malformed_scanner_address_is_a_system_check_warning(settings, url):
    settings.CLAMD_URL = url
    warnings = [m for m in run_checks() if m.id == "licensing.W001"]
    assert len(warnings) == 1
    assert url in warnings[0].msg


# --- Through the web form and the API.
@pytest.fixture
def app(db, firm, principal):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)


def post_form(client, app, name, content):
    return client.post(
        reverse("application_documents", args=[app.pk]),
        {"action": "upload", "doc_type": "business_plan", "file": SimpleUploadedFile(name, content)},
    )


def stored_files(settings):
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else []


def test_the_web_form_refuses_an_infected_file_and_saves_nothing(client, settings, app, principal):
    client.force_login(principal)
    with fake_clamd(settings):
        response = post_form(client, app, "plan.pdf", infected_pdf())
        clean = post_form(client, app, "clean.pdf", pdf_bytes("clean"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "plan.pdf contains a virus or other malicious software (Eicar-Signature)" in page
    assert 'class="error-summary"' in page
    assert clean.status_code == 302
    assert list(Document.objects.values_list("original_name", flat=True)) == ["clean.pdf"]
    assert len(stored_files(settings)) == 1
    assert AuditEvent.objects.filter(action="document.upload").count() == 1


def test_the_web_form_refuses_while_the_scanner_is_down(client, settings, app, principal):
    client.force_login(principal)
    settings.CLAMD_URL = closed_port_url()
    response = post_form(client, app, "plan.pdf", pdf_bytes("clean"))
    assert response.status_code == 200
    assert UNSCANNABLE in response.content.decode()
    assert not Document.objects.exists() and not stored_files(settings)


def test_the_web_form_refuses_an_archive(client, settings, app, principal):
    client.force_login(principal)
    response = post_form(client, app, "accounts.pdf", tar_gz_archive())
    assert ARCHIVE_MESSAGE.format(name="accounts.pdf") in response.content.decode()
    assert not Document.objects.exists()


def test_an_answer_with_an_infected_attachment_changes_nothing(client, settings, make_app, principal):
    from licensing.models import Application, ApplicationStatus, InformationRequest, InformationRequestStatus

    asked = make_app(ApplicationStatus.INFORMATION_REQUESTED)
    ir = InformationRequest.objects.get(application=asked, status=InformationRequestStatus.OPEN)
    client.force_login(principal)
    with fake_clamd(settings) as clamd:
        response = client.post(
            reverse("information_request_detail", args=[asked.pk, ir.pk]),
            {
                "response": "See attached.",
                "doc_type": "response",
                "files": [
                    SimpleUploadedFile("ok.pdf", pdf_bytes("clean")),
                    SimpleUploadedFile("evil.pdf", infected_pdf()),
                ],
            },
        )
    assert response.status_code == 200
    assert (
        "evil.pdf contains a virus or other malicious software (Eicar-Signature)" in response.content.decode()
    )
    assert len(clamd.streams) == 2
    assert Application.objects.get(pk=asked.pk).status == ApplicationStatus.INFORMATION_REQUESTED
    assert not Document.objects.exists() and not stored_files(settings)


@pytest.fixture
def api(app, firm, principal):
    _, key = api_token_create(actor=principal, firm_id=firm.pk, name="Firm system")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def api_upload(api, app, name, content):
    return api.post(
        f"/api/v1/firm/applications/{app.pk}/documents/",
        {"doc_type": "business_plan", "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def test_the_api_refuses_an_infected_file_with_a_problem(api, settings, app):
    with fake_clamd(settings):
        response = api_upload(api, app, "plan.pdf", infected_pdf())
        clean = api_upload(api, app, "clean.pdf", pdf_bytes("clean"))
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/upload-refused"
    assert "(Eicar-Signature)" in body["errors"]["file"][0]
    assert clean.status_code == 201
    assert list(Document.objects.values_list("original_name", flat=True)) == ["clean.pdf"]


def test_the_api_answers_503_while_the_scanner_gives_no_verdict(api, settings, app):
    with fake_clamd(settings, mode="garbage"):
        response = api_upload(api, app, "plan.pdf", pdf_bytes("clean"))
    assert response.status_code == 503
    body = response.json()
    assert body["type"] == "/problems/upload-scan-unavailable"
    assert body["detail"] == UNSCANNABLE
    assert not Document.objects.exists() and not stored_files(settings)


def test_the_api_refuses_an_archive(api, app):
    response = api_upload(api, app, "accounts.docx", zip_archive())
    assert response.status_code == 422
    assert response.json()["errors"]["file"] == [ARCHIVE_MESSAGE.format(name="accounts.docx")]


# --- Health check.
@pytest.mark.django_db
def test_the_health_check_reports_the_scanner(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    settings.CLAMD_URL = ""
    assert "scanner" not in client.get("/healthz").json()
    with fake_clamd(settings):
        body = client.get("/healthz").json()
    assert body["scanner"] == {"ok": True}
    settings.CLAMD_URL = closed_port_url()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["scanner"]["ok"] is False


# --- Oversize requests.
class ExplodingStream:
    """A request body that must never be read."""

    def __init__(self):
        self.touched = False

    def read(self, *args):
        self.touched = True
        raise AssertionError("the body of an oversize request was read")

    readline = read


def wsgi_post(path, length, **extra):
    stream = ExplodingStream()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": stream,
        "wsgi.errors": io.StringIO(),
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": str(length),
        **extra,
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    body = b"".join(WSGIHandler()(environ, start_response))
    return answer["status"], answer["headers"], body, stream


@pytest.mark.django_db
def test_an_oversize_upload_to_the_api_is_413_without_reading_the_body(settings):
    status, headers, body, stream = wsgi_post(
        "/api/v1/firm/applications/1/documents/", 50 * 1024**3, HTTP_X_REQUEST_ID="proxy-id-0001"
    )
    assert status == 413
    assert not stream.touched
    assert headers["Content-Type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["type"] == "/problems/request-too-large"
    assert problem["request_id"] == headers["X-Request-ID"] == "proxy-id-0001"


@pytest.mark.django_db
def test_an_oversize_form_post_is_an_html_413_page_without_reading_the_body(settings):
    status, headers, body, stream = wsgi_post(
        "/applications/1/documents/", settings.PORTAL_REQUEST_MAX_BYTES + 1
    )
    assert status == 413
    assert not stream.touched
    assert headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert "The request is too large" in page
    assert headers["X-Request-ID"] in page


def test_the_request_limit_is_a_little_above_the_largest_upload(settings):
    from django.conf import settings as live

    assert live.PORTAL_UPLOAD_MAX_BYTES < live.PORTAL_REQUEST_MAX_BYTES <= live.PORTAL_UPLOAD_MAX_BYTES * 1.2
    # Files above this go to a temporary file as they arrive, not to memory.
    assert live.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2 * 1024 * 1024


def test_the_scanner_client_parses_addresses():
    assert str(antivirus.parse_url("tcp://127.0.0.1:3310")) == "tcp://127.0.0.1:3310"
    assert str(antivirus.parse_url("unix:///run/clamd.sock")) == "unix:///run/clamd.sock"
    with pytest.raises(ValueError):
        antivirus.parse_url("tcp://127.0.0.1:notaport")
