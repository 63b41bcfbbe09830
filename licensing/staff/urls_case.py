"""Staff workspace URLs: the case page, its actions, notes and messages, document
previews, and the firm page with its actions."""

from django.urls import path

from licensing.staff.views import case, case_actions

urlpatterns = [
    path("cases/<int:pk>/", case.staff_case, name="staff_case"),
    path("cases/<int:pk>/actions/<slug:name>/", case_actions.staff_case_action, name="staff_case_action"),
    path("cases/<int:pk>/notes/", case.staff_case_note, name="staff_case_note"),
    path("cases/<int:pk>/messages/", case.staff_case_message, name="staff_case_message"),
    path("documents/<int:pk>/preview/", case.staff_document_preview, name="staff_document_preview"),
    path("firms/<int:pk>/", case.staff_firm, name="staff_firm"),
    path("firms/<int:pk>/actions/<slug:name>/", case_actions.staff_firm_action, name="staff_firm_action"),
]
