"""The public, append-only feed of signed audit checkpoints and the key that verifies them.

Anyone may copy the feed: a copy kept outside the server is what lets an auditor prove that
rows were deleted or rewritten (`manage.py verify_audit --checkpoints FILE`; docs/DEPLOY.md).
"""

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from portal.audit import checkpoint_key
from portal.audit.checkpoints import FEED_PAGE_SIZE
from portal.audit.models import AuditCheckpoint


def _after(request) -> int | None:
    raw = request.GET.get("after", "0").strip() or "0"
    return int(raw) if raw.isascii() and raw.isdigit() else None


@require_GET
@cache_control(public=True, max_age=60)
def audit_checkpoints(request):
    """Checkpoints in order, FEED_PAGE_SIZE at a time: ?after=N gives those numbered above N."""
    after = _after(request)
    if after is None:
        return JsonResponse({"detail": "after must be a checkpoint number (0 or more)."}, status=400)
    documents = list(
        AuditCheckpoint.objects.filter(number__gt=after)
        .order_by("number")
        .values_list("number", "document")[: FEED_PAGE_SIZE + 1]
    )
    more = len(documents) > FEED_PAGE_SIZE
    documents = documents[:FEED_PAGE_SIZE]
    feed = reverse("audit_checkpoints")
    return JsonResponse(
        {
            "description": "Signed checkpoints of the regulator's audit trail (row count and head hash), "
            "append-only. Verify each signature with the public key named by its key_id.",
            "public_key_url": request.build_absolute_uri(reverse("audit_checkpoint_key")),
            "algorithm": checkpoint_key.ALGORITHM,
            "checkpoints": [document for _number, document in documents],
            "next": request.build_absolute_uri(f"{feed}?after={documents[-1][0]}") if more else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@cache_control(public=True, max_age=3600)
def audit_checkpoint_key(request):
    """The current checkpoint public key, or with ?key_id= the one (current or retired) of that id."""
    wanted = request.GET.get("key_id", "").strip().lower()
    key = checkpoint_key.known_public_keys().get(wanted) if wanted else checkpoint_key.public_key()
    if key is None:
        raise Http404
    response = HttpResponse(checkpoint_key.public_key_pem(key), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'inline; filename="audit-checkpoint-key.pem"'
    response["X-Key-Id"] = checkpoint_key.key_id(key)
    return response
