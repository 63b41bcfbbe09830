"""Benchmark only (PORTAL_BENCH_URLS=1, set by bench/api_register.py, never in production):
the floor the register API is measured against, the same 50 rows with .values()."""

from django.http import JsonResponse

from licensing.models import Firm

FIELDS = (
    "reference_number",
    "legal_name",
    "trading_names",
    "lei",
    "local_company_number",
    "stage",
    "stage_changed_at",
)


def bare_register(request):
    rows = list(
        Firm.objects.filter(reference_number__isnull=False).order_by("legal_name", "pk").values(*FIELDS)[:50]
    )
    return JsonResponse({"results": rows})
