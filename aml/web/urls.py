"""URLs of the AML registration: the firm's page, and the AML registry in the staff workspace."""

from django.urls import path

from aml.web import views_firm, views_staff

urlpatterns = [
    path("aml/registration/", views_firm.aml_registration, name="aml_registration"),
    path("staff/aml/", views_staff.aml_registry, name="staff_aml_registry"),
    path("staff/aml/registry.csv", views_staff.aml_registry_csv, name="staff_aml_registry_csv"),
    path("staff/aml/<int:pk>/", views_staff.aml_registration_detail, name="staff_aml_registration"),
    path(
        "staff/aml/<int:pk>/register/",
        views_staff.aml_registration_register_view,
        name="staff_aml_registration_register",
    ),
    path(
        "staff/aml/<int:pk>/return/",
        views_staff.aml_registration_return_view,
        name="staff_aml_registration_return",
    ),
]
