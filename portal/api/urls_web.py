from django.urls import path

from . import web

urlpatterns = [
    path("firm/api-tokens/", web.firm_api_tokens, name="firm_api_tokens"),
    path("firm/api-tokens/<int:pk>/revoke/", web.firm_api_token_revoke, name="firm_api_token_revoke"),
]
