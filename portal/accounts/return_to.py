"""After signing in, back to the page, never to a POST-only address (issue 14, item 10).

A person whose session ended (the staff idle limit, or a session that expired) and who then
sends a form reaches a view behind `login_required` anonymously; Django sends them to the
sign-in page with `next` = the address the form posted to. For a view that only accepts POST
(adding a case note, marking a notification read, switching firm) that address answers 405
to the GET that follows the sign-in. `ReturnToPageMiddleware` puts the page the form lives on
in `next` instead:

- the Referer, when it is this site's and a page one can GET;
- else the nearest address above the POST-only one that is such a page
  (`/staff/cases/7/note/` → `/staff/cases/7/`, `/notifications/7/read/` → `/notifications/`);
- else `LOGIN_REDIRECT_URL`.

A sign-in page asked for with a `next` that is POST-only is redirected to the same page with
`next` replaced by the POST-only address's page, so a bookmarked or old link ends well too.
What the person typed is kept in the browser (static/js/session.js) and put back on that page.
"""

from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


def allowed_methods(view) -> set[str] | None:
    """The methods a view accepts, read from Django's require_http_methods (None: any)."""
    func = view
    seen = 0
    while func is not None and seen < 20:
        seen += 1
        code = getattr(func, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = func.__closure__[code.co_freevars.index("request_method_list")]
            return {m.upper() for m in cell.cell_contents}
        func = getattr(func, "__wrapped__", None)
    return None


def is_page(path: str) -> bool:
    """Whether `path` is an address of this site that answers a GET (as far as routing shows)."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    methods = allowed_methods(match.func)
    return methods is None or "GET" in methods


def is_post_only(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    methods = allowed_methods(match.func)
    return methods is not None and "GET" not in methods


def page_above(path: str) -> str:
    """The nearest address above `path` that is a page, else LOGIN_REDIRECT_URL."""
    parts = [p for p in path.split("/") if p]
    while parts:
        parts.pop()
        candidate = "/" + "/".join(parts) + ("/" if parts else "")
        if candidate != "/" and is_page(candidate):
            return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def page_for(url: str) -> str:
    """`url` itself when it is a page, else the page above its path (query dropped)."""
    path = urlsplit(url).path
    return url if not is_post_only(path) else page_above(path)


def return_page(request) -> str:
    """Where a form sent from a signed-out session should lead back to after signing in."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        if parts.netloc in ("", request.get_host()) and is_page(parts.path):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return page_for(request.get_full_path())


class ReturnToPageMiddleware:
    """Rewrites `next` on the way to the sign-in page (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        login = resolve_url(settings.LOGIN_URL)
        if request.method == "GET" and request.path == login:
            wanted = request.GET.get("next", "")
            if wanted and is_post_only(urlsplit(wanted).path):
                query = request.GET.copy()
                query["next"] = page_for(wanted)
                return HttpResponseRedirect(f"{login}?{query.urlencode()}")
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code in (301, 302, 303, 307):
            location = urlsplit(response.get("Location", ""))
            if location.path == login and "next" in parse_qs(location.query):
                query = QueryDict(location.query, mutable=True)
                query["next"] = return_page(request)
                response["Location"] = f"{location.path}?{urlencode(list(query.lists()), doseq=True)}"
        return response
