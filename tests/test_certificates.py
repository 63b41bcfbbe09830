"""Certificates: issued when a NOC or licence is granted, signed with the regulator's Ed25519
key, verifiable online (/verify/<code>/, current status) and offline (verify_certificate)."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pypdf import PdfReader, PdfWriter

from licensing.certificates import pdf, signing
from licensing.certificates.models import Certificate
from licensing.models import FirmStage
from licensing.services.firms import firm_revoke
from tests.factories import FirmFactory, MembershipFactory
from tests.public_states import firm_at

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _keys_and_media(settings, tmp_path):
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "keys" / "signing.pem")
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = True
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def granted(officer, approver, aml_officer, activities, django_capture_on_commit_callbacks):
    """A licensed firm (so it has a NOC certificate and a licence certificate) and its principal."""

    def make(stage=FirmStage.LICENSED):
        firm = FirmFactory(legal_name="Delta Exchange Ltd")
        principal = MembershipFactory(firm=firm).user
        with django_capture_on_commit_callbacks(execute=True):
            firm_at(
                stage,
                firm,
                principal=principal,
                officer=officer,
                approver=approver,
                aml_officer=aml_officer,
                activities=activities,
            )
        return firm, principal

    return make


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_granting_a_noc_and_a_licence_issues_signed_certificates(granted, activities):
    firm, _principal = granted()
    noc_cert = Certificate.objects.get(firm=firm, kind="noc")
    licence_cert = Certificate.objects.get(firm=firm, kind="licence")
    assert noc_cert.number.startswith("NOC/") and licence_cert.number.startswith("LIC/")
    for cert in (noc_cert, licence_cert):
        assert signing.verify(cert.payload, cert.signature)
        assert cert.key_id == signing.key_id()
        content = cert.pdf.read()
        data = pdf.extract(content)
        assert data["payload"] == cert.payload and data["signature"] == cert.signature
        text = pdf_text(content)
        assert "Delta Exchange Ltd" in text and cert.number in text and cert.display_code in text
    noc_text = pdf_text(noc_cert.pdf.open("rb").read())
    assert "NOT AN OPERATING LICENCE" in noc_text
    assert noc_cert.payload["operating_licence"] is False
    licence_payload = licence_cert.payload
    assert {a["code"] for a in licence_payload["activities"]} == {a.code for a in activities}
    assert licence_payload["firm"]["reference_number"] == firm.reference_number


def test_issuing_is_idempotent_and_audited(granted):
    from licensing.certificates.services import certificate_issue
    from portal.audit.models import AuditEvent

    firm, _ = granted(FirmStage.NOC_HOLDER)
    cert = Certificate.objects.get(firm=firm)
    assert certificate_issue(noc_id=cert.noc_id).pk == cert.pk
    assert AuditEvent.objects.filter(action="certificate.issue", firm=firm).count() == 1


def test_codes_use_an_unambiguous_alphabet(granted):
    firm, _ = granted(FirmStage.NOC_HOLDER)
    code = Certificate.objects.get(firm=firm).code
    assert len(code) == 10 and not set(code) & set("01OILUV")


def _export(tmp_path, cert) -> tuple[Path, Path]:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(cert.pdf.open("rb").read())
    key = tmp_path / "public.pem"
    key.write_bytes(signing.public_key_pem())
    return path, key


def test_verify_certificate_accepts_a_genuine_pdf_offline(granted, tmp_path):
    firm, _ = granted(FirmStage.NOC_HOLDER)
    path, key = _export(tmp_path, Certificate.objects.get(firm=firm))
    out = io.StringIO()
    call_command("verify_certificate", str(path), public_key=str(key), stdout=out)
    assert "VERIFIED" in out.getvalue() and "Delta Exchange Ltd" in out.getvalue()


def _tamper(path: Path, change) -> None:
    reader = PdfReader(str(path))
    data = json.loads(reader.attachments[pdf.ATTACHMENT_NAME][0])
    change(data)
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment(pdf.ATTACHMENT_NAME, json.dumps(data).encode())
    with open(path, "wb") as handle:
        writer.write(handle)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["payload"]["firm"].update(legal_name="Impostor Ltd"),
        lambda d: d["payload"].update(expires_on="2099-12-31"),
        lambda d: d["payload"]["activities"].append({"code": "derivatives", "name": "Derivatives"}),
        lambda d: d.update(signature=d["signature"][:-4] + "AAA="),
    ],
    ids=["firm-name", "expiry", "activities", "signature"],
)
def test_a_tampered_certificate_fails_offline_verification(granted, tmp_path, change):
    firm, _ = granted(FirmStage.NOC_HOLDER)
    path, key = _export(tmp_path, Certificate.objects.get(firm=firm))
    _tamper(path, change)
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        call_command("verify_certificate", str(path), public_key=str(key), stdout=io.StringIO())


def test_verify_certificate_exits_non_zero_on_a_tampered_file(granted, tmp_path):
    """The real command line, as a third party would run it: only the PDF and the public key."""
    firm, _ = granted(FirmStage.NOC_HOLDER)
    path, key = _export(tmp_path, Certificate.objects.get(firm=firm))
    command = [sys.executable, "manage.py", "verify_certificate", str(path), "--public-key", str(key)]
    good = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert good.returncode == 0, good.stderr
    _tamper(path, lambda d: d["payload"]["firm"].update(legal_name="Impostor Ltd"))
    bad = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603
    assert bad.returncode != 0 and "NOT VERIFIED" in bad.stderr


def test_a_damaged_file_fails_verification(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 this is not a certificate")
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        call_command("verify_certificate", str(path), stdout=io.StringIO())


def test_another_key_does_not_verify(granted, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    firm, _ = granted(FirmStage.NOC_HOLDER)
    path, key = _export(tmp_path, Certificate.objects.get(firm=firm))
    key.write_bytes(signing.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    with pytest.raises(CommandError, match="NOT VERIFIED"):
        call_command("verify_certificate", str(path), public_key=str(key), stdout=io.StringIO())


def test_verify_by_code_checks_the_stored_data(granted):
    firm, _ = granted(FirmStage.NOC_HOLDER)
    cert = Certificate.objects.get(firm=firm)
    out = io.StringIO()
    call_command("verify_certificate", cert.display_code.lower(), stdout=out)
    assert "Current status: Valid NOC" in out.getvalue()
    Certificate.objects.filter(pk=cert.pk).update(payload={**cert.payload, "conditions": "None at all"})
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_certificate", cert.code, stdout=io.StringIO())


def test_verify_page_of_a_noc_says_it_is_not_an_operating_licence(client, granted):
    firm, _ = granted(FirmStage.NOC_HOLDER)
    cert = Certificate.objects.get(firm=firm)
    page = client.get(reverse("certificate_verify", args=[cert.code])).content.decode()
    assert "Valid NOC — not an operating licence" in page
    assert "is not an operating licence" in page
    assert cert.number in page and "Delta Exchange Ltd" in page and "Valid (Ed25519)" in page


def test_a_revoked_licence_shows_as_revoked(client, granted, approver):
    firm, _ = granted(FirmStage.LICENSED)
    cert = Certificate.objects.get(firm=firm, kind="licence")
    url = reverse("certificate_verify", args=[cert.code])
    assert "Valid licence" in client.get(url).content.decode()
    firm_revoke(actor=approver, firm_id=firm.pk, reason="Repeated breaches")
    page = client.get(url).content.decode()
    assert "Licence revoked" in page and "Valid licence" not in page
    noc_page = client.get(
        reverse("certificate_verify", args=[Certificate.objects.get(firm=firm, kind="noc").code])
    )
    assert "Superseded by a licence" in noc_page.content.decode()
    api = client.get(f"/api/v1/certificates/{cert.code}/").json()
    assert api["status"] == "revoked" and api["signature_valid"] is True


def test_verify_accepts_a_typed_code_and_says_when_there_is_none(client, granted):
    firm, _ = granted(FirmStage.NOC_HOLDER)
    cert = Certificate.objects.get(firm=firm)
    response = client.get(reverse("certificate_lookup"), {"code": f" {cert.display_code.lower()} "})
    assert response.status_code == 302 and response["Location"] == reverse(
        "certificate_verify", args=[cert.code]
    )
    missing = client.get(reverse("certificate_verify", args=["ZZZZZZZZZZ"]))
    assert missing.status_code == 404 and "No certificate has the code" in missing.content.decode()


def test_the_public_key_is_published(client, granted):
    firm, _ = granted(FirmStage.NOC_HOLDER)
    cert = Certificate.objects.get(firm=firm)
    response = client.get(reverse("certificate_public_key"))
    assert response.status_code == 200 and b"BEGIN PUBLIC KEY" in response.content
    assert b"PRIVATE" not in response.content
    key = signing.load_public_key(response.content)
    assert signing.verify(cert.payload, cert.signature, key)
    assert response["X-Key-Id"] == cert.key_id


def test_the_pdf_is_downloadable_only_by_the_firm_and_staff(client, granted, outsider, supervisor):
    firm, principal = granted(FirmStage.NOC_HOLDER)
    cert = Certificate.objects.get(firm=firm)
    url = reverse("certificate_download", args=[cert.code])
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(principal)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_without_a_key_in_production_signing_refuses(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PORTAL_SIGNING_KEY_PATH = ""
    with pytest.raises(ImproperlyConfigured):
        signing.private_key()


def test_the_firm_downloads_its_certificate_from_the_status_page(
    client, firm, submitter, officer, approver, django_capture_on_commit_callbacks
):
    from licensing import scenarios

    with django_capture_on_commit_callbacks(execute=True):
        app = scenarios.grant_noc(firm, submitter=submitter, officer=officer, approver=approver)
    client.force_login(submitter)
    page = client.get(f"/applications/{app.pk}/status/").content.decode()
    certificate = app.noc.certificate
    assert f"/certificates/{certificate.code}/download/" in page
    assert f"/verify/{certificate.code}/" in page
    response = client.get(f"/certificates/{certificate.code}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
