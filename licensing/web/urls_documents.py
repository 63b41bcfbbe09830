"""URLs of the applicant portal: the documents section of an application, and downloads."""

from django.urls import path

from licensing.web.views import documents

urlpatterns = [
    path("applications/<int:pk>/documents/", documents.application_documents, name="application_documents"),
    path("documents/<int:pk>/download/", documents.document_download, name="document_download"),
]
