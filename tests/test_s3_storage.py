"""Documents and certificate PDFs in an S3-compatible bucket (django-storages), against a real
S3 emulator: moto's server, started here as a subprocess on localhost. Objects are private;
downloads still go through the portal's access-checked views.

Skips with a clear message when the emulator cannot start; fails instead with REQUIRE_SERVICES=1.
"""

import io
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from licensing import scenarios
from licensing.certificates.models import Certificate
from licensing.models import ApplicationKind, Document, FirmStage
from portal import runtime
from tests.conftest import need_service
from tests.test_uploads import pdf_bytes

pytestmark = pytest.mark.django_db
PORT = int(os.environ.get("PORTAL_TEST_S3_PORT", "8441"))
ENDPOINT = f"http://127.0.0.1:{PORT}"
BUCKET = "portal-documents"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    """moto_server on 127.0.0.1:PORT for this module's tests."""
    if _answers(PORT):
        need_service("S3 emulator", f"port {PORT} is already taken by another program")
    server_bin = Path(sys.executable).with_name("moto_server")
    if not server_bin.exists():
        need_service("S3 emulator", "moto_server is not installed (pip install -r requirements-dev.txt)")
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603 - our own programs and arguments
        [str(server_bin), "-H", "127.0.0.1", "-p", str(PORT)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **CREDENTIALS},
    )
    deadline = time.monotonic() + 30
    while not _answers(PORT):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.close()
            need_service("S3 emulator", f"moto_server did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.1)
    try:
        yield ENDPOINT
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def bucket(s3_server, settings, monkeypatch):
    """A fresh private bucket, and the portal configured to store files in it."""
    import boto3

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
    name = f"{BUCKET}-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=name)
    env = {
        "PORTAL_S3_BUCKET": name,
        "PORTAL_S3_ENDPOINT_URL": s3_server,
        "PORTAL_S3_REGION": "us-east-1",
        "PORTAL_S3_PREFIX": "portal/",
        "PORTAL_S3_ADDRESSING_STYLE": "path",
    }
    settings.STORAGES = runtime.storages(env, debug=True)
    settings.MEDIA_ROOT = "/nonexistent-media-root"  # nothing may land on the local disk
    yield client, name


def keys(client, bucket_name) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=bucket_name).get("Contents", [])]


def test_an_uploaded_document_lands_in_the_bucket_and_downloads_through_the_portal(
    bucket, client, principal, outsider, firm
):
    s3, bucket_name = bucket
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    content = pdf_bytes("plan.pdf")
    client.force_login(principal)
    response = client.post(
        reverse("application_documents", args=[app.pk]),
        {"action": "upload", "doc_type": "business_plan", "file": _upload("plan.pdf", content)},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    key = f"portal/{document.file.name}"
    assert keys(s3, bucket_name) == [key]
    stored = s3.get_object(Bucket=bucket_name, Key=key)
    assert stored["Body"].read() == content
    assert stored["ServerSideEncryption"] == "AES256"
    grants = s3.get_object_acl(Bucket=bucket_name, Key=key)["Grants"]
    assert [g["Grantee"].get("URI") for g in grants if g["Grantee"].get("Type") == "Group"] == []

    url = reverse("document_download", args=[document.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Cache-Control"] == "private, no-store"

    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_same_content_is_stored_once_and_a_lost_object_is_a_404(bucket, client, principal, firm):
    s3, bucket_name = bucket
    from licensing.services.documents import document_upload

    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    content = pdf_bytes("same.pdf")
    first = document_upload(
        actor=principal,
        application_id=app.pk,
        doc_type="business_plan",
        uploaded_file=_upload("a.pdf", content),
    )
    second = document_upload(
        actor=principal, application_id=app.pk, doc_type="aml_policy", uploaded_file=_upload("b.pdf", content)
    )
    assert first.file.name == second.file.name
    assert len(keys(s3, bucket_name)) == 1

    s3.delete_object(Bucket=bucket_name, Key=f"portal/{first.file.name}")
    client.force_login(principal)
    assert client.get(reverse("document_download", args=[first.pk])).status_code == 404


def test_certificate_pdfs_are_stored_in_the_bucket_and_served_only_to_the_firm(
    bucket,
    client,
    settings,
    tmp_path,
    officer,
    approver,
    aml_officer,
    activities,
    outsider,
    django_capture_on_commit_callbacks,
):
    from tests.factories import FirmFactory, MembershipFactory
    from tests.public_states import firm_at

    s3, bucket_name = bucket
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "signing.pem")
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = True
    firm = FirmFactory(legal_name="Bucket Exchange Ltd")
    holder = MembershipFactory(firm=firm).user
    with django_capture_on_commit_callbacks(execute=True):
        firm_at(
            FirmStage.NOC_HOLDER,
            firm,
            principal=holder,
            officer=officer,
            approver=approver,
            aml_officer=aml_officer,
            activities=activities,
        )
    certificate = Certificate.objects.get(firm=firm)
    key = f"portal/{certificate.pdf.name}"
    assert key in keys(s3, bucket_name)
    stored = s3.get_object(Bucket=bucket_name, Key=key)["Body"].read()
    assert stored.startswith(b"%PDF-")

    url = reverse("certificate_download", args=[certificate.code])
    client.force_login(holder)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_verify_documents_finds_a_missing_or_altered_object_in_the_bucket(bucket, principal, firm):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from licensing.services.documents import document_upload

    s3, bucket_name = bucket
    app = scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)
    documents = [
        document_upload(
            actor=principal,
            application_id=app.pk,
            doc_type=doc_type,
            uploaded_file=_upload(f"{doc_type}.pdf", pdf_bytes(doc_type)),
        )
        for doc_type in ("business_plan", "aml_policy")
    ]
    out = io.StringIO()
    call_command("verify_documents", "--hash", stdout=out)
    assert "All 2 stored files are present and intact" in out.getvalue()

    altered, lost = documents
    s3.put_object(Bucket=bucket_name, Key=f"portal/{altered.file.name}", Body=b"%PDF-1.4 changed")
    s3.delete_object(Bucket=bucket_name, Key=f"portal/{lost.file.name}")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 of 2 stored files are missing or altered"):
        call_command("verify_documents", "--hash", stderr=err)
    assert f"document {altered.pk}: file {altered.file.name} does not match" in err.getvalue()
    assert f"document {lost.pk}: file {lost.file.name} is missing" in err.getvalue()


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
