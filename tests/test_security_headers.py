"""Security headers on every page: a Content-Security-Policy without 'unsafe-inline' (and no
template that would need it), Permissions-Policy, Referrer-Policy, Cross-Origin-Opener-Policy.
The policy is django-csp's; Swagger UI is served by drf-spectacular's split view so it runs
under it."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# E-mail bodies are not web pages: no browser applies a CSP to them, and mail programs ignore
# stylesheets, so their styles must be inline.
NOT_WEB_PAGES = {"notifications/email.html"}

HTML_PAGES = ["/", "/register/", "/accounts/login/", "/accounts/signup/", "/admin/login/?next=/admin/"]


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", HTML_PAGES)
def test_html_pages_carry_a_strict_content_security_policy(client, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", [*HTML_PAGES, "/api/v1/register/", "/healthz"])
def test_every_response_carries_the_other_security_headers(client, path, settings):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get(path)
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


def _web_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name not in NOT_WEB_PAGES:
            yield name, path.read_text(encoding="utf-8")


INLINE = {
    "an inline <script> (give it a src= from static/)": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "a <style> element (move it to static/css/)": re.compile(r"<style\b", re.I),
    "a style= attribute (use a class)": re.compile(r"\sstyle\s*=", re.I),
    "an event-handler attribute such as onclick= (use a static script)": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_has_inline_script_or_style():
    found = []
    for name, text in _web_templates():
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"templates/{name}:{line}: {what}")
    assert found == [], "Inline code the Content-Security-Policy would block:\n" + "\n".join(found)


def test_the_template_scan_catches_what_it_should():
    samples = [
        "<script>alert(1)</script>",
        '<p style="color: red">',
        "<style>p{}</style>",
        '<a href="#" onclick="go()">',
        '<a href="javascript:go()">',
    ]
    for sample in samples:
        assert any(p.search(sample) for p in INLINE.values()), sample
    assert not any(p.search('<script src="/static/js/x.js"></script>') for p in INLINE.values())


def test_swagger_ui_loads_its_start_up_script_from_a_url(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    assert not INLINE["an inline <script> (give it a src= from static/)"].search(html)
    assert not re.search(r"<style\b", html)
    script_url = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "/api/schema/" in script.content.decode()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200, asset
        response.close()  # as a WSGI server would: the request is finished


def test_the_admin_transition_styles_are_a_static_file(client):
    css = client.get("/static/css/admin-transitions.css")
    assert css.status_code == 200
    assert b".transitions" in b"".join(css.streaming_content)


def test_the_admin_works_under_the_policy(client, django_user_model):
    from allauth.mfa.models import Authenticator

    admin = django_user_model.objects.create_superuser(email="root@regulator.example", password="x" * 16)
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(admin)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "unsafe-inline" not in page["Content-Security-Policy"]
    html = page.content.decode()
    assert not INLINE["an inline <script> (give it a src= from static/)"].search(
        re.sub(r'<script[^>]*type="application/json"[^>]*>', "", html)
    )


def test_no_form_widget_carries_an_inline_style():
    """A widget's style= attribute is an inline style the policy blocks (the role box on
    /firm/people/ had one): widgets take a class and the style lives in static/css/."""
    from tests.form_classes import portal_form_classes

    classes = portal_form_classes()
    assert len(classes) > 20
    found = [
        f"{form.__module__}.{form.__qualname__}.{name}"
        for form in classes
        for name, field in getattr(form, "base_fields", {}).items()
        if "style" in field.widget.attrs
    ]
    assert found == []


def test_the_firm_people_page_has_no_inline_style(client):
    from licensing.models import FirmRole
    from tests.factories import FirmFactory, MembershipFactory

    firm = FirmFactory()
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL)
    MembershipFactory(firm=firm, role=FirmRole.CONTRIBUTOR)
    client.force_login(principal)
    html = client.get("/firm/people/").content.decode()
    assert 'class="select--auto"' in html  # the role boxes are there
    assert not INLINE["a style= attribute (use a class)"].search(html)
