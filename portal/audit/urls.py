from django.urls import path

from . import views

urlpatterns = [
    path("transparency/audit-checkpoints", views.audit_checkpoints, name="audit_checkpoints"),
    path(".well-known/audit-checkpoint-key.pem", views.audit_checkpoint_key, name="audit_checkpoint_key"),
]
