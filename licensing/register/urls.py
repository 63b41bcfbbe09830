from django.urls import path

from . import views

urlpatterns = [
    path("register/", views.register_index, name="register_index"),
    path("register/download/register.csv", views.register_csv, name="register_csv"),
    path("register/download/register.json", views.register_json, name="register_json"),
    path("register/<str:reference>/", views.register_firm, name="register_firm"),
]
