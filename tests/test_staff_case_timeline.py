"""The case page's audit timeline: the newest events, and the whole timeline on request."""

import pytest
from django.db import transaction
from django.urls import reverse

from licensing.models import ApplicationStatus
from licensing.staff.views import case as case_views
from portal.audit.chain import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_case(make_app, principal):
    """A submitted case whose firm has saved more than a page of timeline events."""
    app = make_app(ApplicationStatus.SUBMITTED)
    for n in range(case_views.TIMELINE_LIMIT + 5):
        with transaction.atomic():
            record(actor=principal, action="application.save_section", obj=app, details={"n": n})
    return app


def timeline_items(page: str) -> int:
    section = page[page.index('id="audit-timeline"') :]
    return section[: section.index("</section>")].count("<li")


def test_the_case_shows_the_newest_events_and_links_to_the_whole_timeline(client, officer, busy_case):
    client.force_login(officer)
    url = reverse("staff_case", args=[busy_case.pk])
    page = client.get(url).content.decode()
    assert timeline_items(page) == case_views.TIMELINE_LIMIT
    assert f"Only the newest {case_views.TIMELINE_LIMIT} are shown." in page
    assert 'href="?timeline=all#audit-timeline"' in page

    whole = client.get(url, {"timeline": "all"}).content.decode()
    assert timeline_items(whole) > case_views.TIMELINE_LIMIT + 5  # and the case's own events
    assert "Only the newest" not in whole and 'href="?timeline=all' not in whole


def test_the_whole_timeline_is_capped_too(client, officer, busy_case, monkeypatch):
    monkeypatch.setattr(case_views, "TIMELINE_ALL_LIMIT", case_views.TIMELINE_LIMIT + 2)
    client.force_login(officer)
    page = client.get(reverse("staff_case", args=[busy_case.pk]), {"timeline": "all"}).content.decode()
    assert timeline_items(page) == case_views.TIMELINE_LIMIT + 2
    assert f"Only the newest {case_views.TIMELINE_LIMIT + 2} are shown." in page
    assert 'href="?timeline=all' not in page
