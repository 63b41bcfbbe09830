"""URLs of the applicant portal: an application's task list, sections, people, check your
answers and confirmation. (Its status page and documents pages live in other modules.)"""

from django.urls import path

from licensing.web.views import application, application_people

urlpatterns = [
    path("applications/start/", application.application_start, name="application_start"),
    path("applications/<int:pk>/", application.application_detail, name="application_detail"),
    path(
        "applications/<int:pk>/sections/<slug:key>/",
        application.application_section,
        name="application_section",
    ),
    path(
        "applications/<int:pk>/key-individuals/",
        application_people.key_individuals,
        name="application_key_individuals",
    ),
    path(
        "applications/<int:pk>/key-individuals/add/",
        application_people.key_individual_add,
        name="application_key_individual_add",
    ),
    path(
        "applications/<int:pk>/key-individuals/<int:person_pk>/",
        application_people.key_individual_edit,
        name="application_key_individual_edit",
    ),
    path(
        "applications/<int:pk>/key-individuals/<int:person_pk>/remove/",
        application_people.key_individual_remove,
        name="application_key_individual_remove",
    ),
    path("applications/<int:pk>/owners/", application_people.owners, name="application_owners"),
    path("applications/<int:pk>/owners/add/", application_people.owner_add, name="application_owner_add"),
    path(
        "applications/<int:pk>/owners/<int:owner_pk>/",
        application_people.owner_edit,
        name="application_owner_edit",
    ),
    path(
        "applications/<int:pk>/owners/<int:owner_pk>/remove/",
        application_people.owner_remove,
        name="application_owner_remove",
    ),
    path("applications/<int:pk>/check/", application.application_check, name="application_check"),
    path(
        "applications/<int:pk>/confirmation/",
        application.application_confirmation,
        name="application_confirmation",
    ),
]
