"""The documents section of an application and the secure download, through the web."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from licensing import scenarios
from licensing.models import Application, ApplicationKind, ApplicationStatus, Document, DocumentType
from licensing.services.documents import document_upload
from portal.audit.models import AuditEvent
from tests.states import application_in
from tests.test_uploads import docx_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def app(firm, principal):
    return scenarios.new_application(firm, ApplicationKind.NOC, actor=principal)


@pytest.fixture
def signed_in(client, principal):
    client.force_login(principal)
    return client


def documents_url(app):
    return reverse("application_documents", args=[app.pk])


def post_upload(client, app, name, content, doc_type="business_plan", **extra):
    data = {"action": "upload", "doc_type": doc_type, "file": SimpleUploadedFile(name, content), **extra}
    return client.post(documents_url(app), data)


def add_document(app, user, doc_type=DocumentType.BUSINESS_PLAN, name="plan.pdf", content=None, **kw):
    return document_upload(
        actor=user,
        application_id=app.pk,
        doc_type=doc_type,
        uploaded_file=SimpleUploadedFile(name, content or pdf_bytes(name)),
        **kw,
    )


def test_an_uploaded_document_is_listed_with_its_details(signed_in, app, principal):
    response = post_upload(signed_in, app, "Business plan 2026.pdf", pdf_bytes())
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.application, document.version, document.uploaded_by) == (app, 1, principal)
    assert AuditEvent.objects.filter(action="document.upload", object_id=str(document.pk)).exists()

    page = signed_in.get(documents_url(app)).content.decode()
    assert "Business plan 2026.pdf" in page
    assert reverse("document_download", args=[document.pk]) in page
    assert "Business plan" in page


def test_a_refused_file_shows_its_error_and_keeps_the_chosen_type(signed_in, app):
    response = post_upload(signed_in, app, "report.pdf", b"MZ\x90\x00" + b"\x00" * 64, doc_type="aml_policy")
    assert response.status_code == 200
    page = response.content.decode()
    assert "report.pdf says it is a PDF but its content is not a PDF document" in page
    assert 'value="aml_policy" selected' in page
    assert 'class="error-summary"' in page
    assert not Document.objects.exists()


def test_an_unaccepted_type_is_refused_with_its_name(signed_in, app):
    page = post_upload(signed_in, app, "report.exe", b"MZ").content.decode()
    assert "report.exe is not an accepted type: upload a PDF, PNG, JPEG, DOCX or XLSX file." in page


def test_a_file_is_required(signed_in, app):
    response = signed_in.post(documents_url(app), {"action": "upload", "doc_type": "business_plan"})
    assert "Choose a file to upload." in response.content.decode()
    assert not Document.objects.exists()


def test_a_new_version_keeps_the_old_one(signed_in, app, principal):
    first = add_document(app, principal, name="plan-v1.pdf")
    page = signed_in.get(documents_url(app) + f"?replace={first.pk}").content.decode()
    assert "Upload a new version of plan-v1.pdf" in page

    response = post_upload(
        signed_in, app, "plan-v2.pdf", pdf_bytes("second"), doc_type="business_plan", replaces=first.pk
    )
    assert response.status_code == 302
    second = Document.objects.get(supersedes=first)
    assert second.version == 2
    assert Document.objects.current().get() == second
    page = signed_in.get(documents_url(app)).content.decode()
    assert "1 earlier version" in page
    assert reverse("document_download", args=[first.pk]) in page
    assert signed_in.get(reverse("document_download", args=[first.pk])).status_code == 200


def test_replacing_a_version_that_was_already_replaced_is_refused(signed_in, app, principal):
    first = add_document(app, principal)
    add_document(app, principal, content=pdf_bytes("v2"), replaces_id=first.pk)
    response = post_upload(signed_in, app, "plan-v3.pdf", pdf_bytes("v3"), replaces=first.pk)
    assert "A newer version of plan.pdf was uploaded meanwhile" in response.content.decode()
    assert Document.objects.count() == 2


def test_the_same_content_is_stored_once(app, principal, media):
    one = add_document(app, principal, doc_type=DocumentType.BUSINESS_PLAN, content=pdf_bytes("same"))
    two = add_document(app, principal, doc_type=DocumentType.OTHER, content=pdf_bytes("same"))
    assert one.file.name == two.file.name
    assert sum(1 for p in media.rglob("*") if p.is_file()) == 1


def test_documents_cannot_be_added_after_submission(client, firm, principal, officer, approver):
    app = application_in(
        ApplicationStatus.SUBMITTED, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    client.force_login(principal)
    page = client.get(documents_url(app)).content.decode()
    assert "has been sent to the regulator" in page
    assert 'enctype="multipart/form-data"' not in page
    response = post_upload(client, app, "plan.pdf", pdf_bytes())
    assert "documents can only be added in answer to an open information request" in response.content.decode()
    assert not Document.objects.exists()


# --- Download.
def test_download_is_an_attachment_with_nosniff(signed_in, app, principal):
    document = add_document(app, principal, name="Plan 2026.pdf")
    response = signed_in.get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Plan 2026.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == pdf_bytes("Plan 2026.pdf")


def test_a_colleague_can_download(client, app, principal, contributor):
    document = add_document(app, principal)
    client.force_login(contributor)
    assert client.get(reverse("document_download", args=[document.pk])).status_code == 200


def test_an_outsider_gets_404(client, app, principal, outsider):
    document = add_document(app, principal)
    client.force_login(outsider)
    assert client.get(reverse("document_download", args=[document.pk])).status_code == 404
    assert client.get(documents_url(app)).status_code == 404
    assert post_upload(client, app, "plan.pdf", pdf_bytes()).status_code == 404
    assert Document.objects.count() == 1


def test_regulator_staff_can_download(client, app, principal, officer):
    document = add_document(app, principal)
    client.force_login(officer)
    response = client.get(reverse("document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_anonymous_people_are_sent_to_sign_in(client, app, principal):
    document = add_document(app, principal)
    for url in (reverse("document_download", args=[document.pk]), documents_url(app)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_missing_document_id_is_404(signed_in):
    assert signed_in.get(reverse("document_download", args=[999999])).status_code == 404


def test_media_files_have_no_public_url(signed_in, app, principal, settings):
    document = add_document(app, principal)
    assert signed_in.get("/" + document.file.name).status_code == 404
    assert signed_in.get(f"/media/{document.file.name}").status_code == 404


# --- Completing the section.
def test_the_section_needs_every_required_type(signed_in, app, principal):
    response = signed_in.post(documents_url(app), {"action": "complete"})
    page = response.content.decode()
    assert (
        "Upload these documents before you mark this section as complete: "
        "Business plan, AML/CFT policy, Ownership structure chart." in page
    )
    add_document(app, principal, DocumentType.BUSINESS_PLAN)
    add_document(app, principal, DocumentType.AML_POLICY, name="aml.docx", content=docx_bytes())
    page = signed_in.post(documents_url(app), {"action": "complete"}).content.decode()
    assert "complete: Ownership structure chart." in page
    assert Application.objects.get(pk=app.pk).sections.get("documents") is None

    chart = add_document(app, principal, DocumentType.OWNERSHIP_CHART, name="chart.png", content=png_bytes())
    response = signed_in.post(documents_url(app), {"action": "complete"})
    assert response.status_code == 302
    assert response["Location"] == reverse("application_detail", args=[app.pk])  # the task list
    section = Application.objects.get(pk=app.pk).sections["documents"]
    assert section["status"] == "completed"
    assert chart.pk in section["data"]["document_ids"]
    assert len(section["data"]["document_ids"]) == 3


def test_a_licence_application_needs_its_own_required_types(client, firm, principal):
    app = Application.objects.create(firm=firm, kind=ApplicationKind.LICENCE, created_by=principal)
    client.force_login(principal)
    page = client.post(documents_url(app), {"action": "complete"}).content.decode()
    assert (
        "Certificate of incorporation, Audited financial statements, "
        "Technology and security audit, Evidence of paid-up capital." in page
    )


def test_the_documents_page_query_count_does_not_grow(
    signed_in, app, principal, django_assert_max_num_queries
):
    add_document(app, principal, content=pdf_bytes("0"))
    with CaptureQueriesContext(connection) as one:
        assert signed_in.get(documents_url(app)).status_code == 200
    previous = Document.objects.get()
    for i in range(1, 50):
        previous = add_document(
            app, principal, content=pdf_bytes(str(i)), replaces_id=previous.pk if i % 2 else None
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert signed_in.get(documents_url(app)).status_code == 200
