"""The public register pages and downloads. No sign-in; everything comes from queries.py."""

import csv
import io
import json
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import cache as register_cache
from . import queries
from .forms import RegisterSearchForm


@require_GET
def register_index(request):
    form = RegisterSearchForm(request.GET or None)
    filters = form.filters()
    number = request.GET.get("page")
    results = register_cache.fragment(
        "index", [filters, number], lambda: _results_html(request, filters=filters, number=number)
    )
    return render(
        request,
        "register/index.html",
        {"form": form, "results": results, "filtered": any(filters.values())},
    )


def _results_html(request, *, filters: dict, number) -> str:
    """The count, the rows and the page links of one search (the same for every visitor)."""
    queryset = queries.search(queries.public_firms(), **filters)
    page = Paginator(queryset, queries.PAGE_SIZE).get_page(number)
    offset = page.start_index() - 1 if page.paginator.count else 0
    firms = queries.summary_page(queryset, offset=offset, limit=queries.PAGE_SIZE)
    rows = queries.public_summaries(firms)
    for row in rows:  # the answer's words for the "May operate?" column
        row["operating"] = queries.status_of_entry(row)
    # Page links carry the search as understood, not the request's own query string.
    query = urlencode({k: v for k, v in filters.items() if v})
    return render_to_string(
        "register/_results.html", {"page": page, "rows": rows, "query": query}, request=request
    )


@require_GET
def register_firm(request, reference):
    firm = queries.get_public_firm(reference)
    if firm is None:
        raise Http404
    entry = queries.public_entry(firm)
    return render(
        request, "register/firm.html", {"entry": entry, "operating": queries.status_of_entry(entry)}
    )


CSV_COLUMNS = (
    "reference_number",
    "legal_name",
    "trading_names",
    "lei",
    "local_company_number",
    "incorporation_country",
    "incorporation_country_name",
    "stage",
    "stage_effective_at",
    "operating_status",
    "licence_expires_on",
    "aml_status",
    "permitted_activities",
    "conditions",
    "noc_number",
    "noc_status",
    "noc_issued_on",
    "noc_expires_on",
    "licence_number",
    "licence_status",
    "licence_issued_on",
    "licence_expires_on",
    "key_individuals",
    "enforcement_actions",
    "last_updated",
)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start with these as formulas: never let a firm's name do so.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def csv_row(entry: dict) -> list[str]:
    noc, licence = entry["noc"] or {}, entry["licence"] or {}
    flat = {
        **entry,
        "trading_names": "; ".join(entry["trading_names"]),
        "stage_effective_at": entry["stage_effective_at"].isoformat(),
        "permitted_activities": "; ".join(a["code"] for a in entry["permitted_activities"]),
        "noc_number": noc.get("number"),
        "noc_status": noc.get("status"),
        "noc_issued_on": noc.get("issued_on"),
        "noc_expires_on": noc.get("expires_on"),
        "licence_number": licence.get("number"),
        "licence_status": licence.get("status"),
        "licence_issued_on": licence.get("issued_on"),
        "licence_expires_on": licence.get("expires_on"),
        "key_individuals": "; ".join(f"{p['name']} ({p['role_label']})" for p in entry["key_individuals"]),
        "enforcement_actions": "; ".join(
            f"{a['action']} {a['effective_at'].date().isoformat()}" for a in entry["enforcement_actions"]
        ),
        "last_updated": entry["last_updated"].isoformat(),
    }
    return [_cell(flat.get(column)) for column in CSV_COLUMNS]


def _download_name(ext: str) -> str:
    return f"register-{timezone.localdate().isoformat()}.{ext}"


@require_GET
def register_csv(request):
    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for entry in queries.iter_public_entries(queries.public_firms()):
            writer.writerow(csv_row(entry))
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("csv")}"'
    return response


@require_GET
def register_json(request):
    def chunks():
        yield '{"generated_at": ' + json.dumps(timezone.now().isoformat()) + ', "firms": ['

        first = True
        for entry in queries.iter_public_entries(queries.public_firms()):
            yield ("" if first else ",") + json.dumps(entry, cls=DjangoJSONEncoder, ensure_ascii=False)
            first = False
        yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name("json")}"'
    return response
