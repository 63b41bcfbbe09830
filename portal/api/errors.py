from django.http import JsonResponse


def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer in the API's one error shape."""
    body = {"type": "/problems/not-found", "title": "Not found.", "status": 404, "detail": "Not found."}
    return JsonResponse(body, status=404, content_type="application/problem+json")
