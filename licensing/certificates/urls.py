from django.urls import path

from . import views

urlpatterns = [
    path("verify/", views.certificate_lookup, name="certificate_lookup"),
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path(".well-known/certificate-key.pem", views.certificate_public_key, name="certificate_public_key"),
    path(".well-known/certificate-keys.json", views.certificate_public_keys, name="certificate_public_keys"),
    path("certificates/<str:code>/download/", views.certificate_download, name="certificate_download"),
]
