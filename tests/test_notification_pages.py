"""The notification inbox, the unread count in the header, and reminder preferences."""

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.notifications.models import Channel, EmailStatus, Notification, NotificationPreference
from portal.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_inbox_lists_only_my_notifications_unread_first(client, principal, outsider):
    old = notify(principal, subject="Older unread", body="b")
    read = notify(principal, subject="Already read", body="b")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    newer = notify(principal, subject="Newer unread", body="b")
    notify(outsider, subject="Someone else's", body="b")
    client.force_login(principal)
    response = client.get(reverse("notifications"))
    assert [row["notification"].pk for row in response.context["rows"]] == [newer.pk, old.pk, read.pk]
    page = response.content.decode()
    assert "Someone else&#x27;s" not in page and "Someone else's" not in page
    assert "Notifications (2)" in page  # the header's unread count


def test_mark_one_and_all_as_read(client, principal, outsider):
    first = notify(principal, subject="One", body="b")
    notify(principal, subject="Two", body="b")
    theirs = notify(outsider, subject="Theirs", body="b")
    client.force_login(principal)
    assert client.post(reverse("notification_read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.post(reverse("notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(user=principal, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=outsider, read_at__isnull=True).count() == 1
    assert client.get(reverse("notification_read", args=[first.pk])).status_code == 405


def test_only_internal_links_are_shown(client, principal):
    notify(principal, subject="Safe", body="b", link="/dashboard/")
    notify(principal, subject="Unsafe", body="b", link="https://evil.example/")
    client.force_login(principal)
    page = client.get(reverse("notifications")).content.decode()
    assert 'href="/dashboard/"' in page and "evil.example" not in page


def test_preferences_are_saved_and_honoured_by_notify(client, principal):
    client.force_login(principal)
    assert client.get(reverse("notification_preferences")).status_code == 200
    response = client.post(reverse("notification_preferences"), {"reminders": Channel.IN_APP})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=principal).reminders == Channel.IN_APP
    assert notify(principal, subject="s", body="b").email_status == EmailStatus.NOT_WANTED
    assert notify(principal, subject="s", body="b", statutory=True).email_status == EmailStatus.PENDING
    client.post(reverse("notification_preferences"), {"reminders": Channel.EMAIL})
    assert notify(principal, subject="s", body="b").email_status == EmailStatus.PENDING


def test_an_unknown_channel_is_refused_beside_the_field(client, principal):
    client.force_login(principal)
    response = client.post(reverse("notification_preferences"), {"reminders": "pigeon"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=principal).exists()


@pytest.mark.parametrize("name", ["notifications", "notification_preferences"])
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("who", ["principal", "supervisor", "officer", "approver"])
def test_everyone_signed_in_has_an_inbox(client, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("notifications")).status_code == 200


@pytest.mark.parametrize("rows", [1, 50])
def test_inbox_query_count_is_flat(client, principal, django_assert_max_num_queries, rows):
    for n in range(rows):
        notify(principal, subject=f"Message {n}", body="b", link="/dashboard/")
    client.force_login(principal)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("notifications"))
    assert len(response.context["rows"]) == rows


def test_the_unread_count_costs_one_query_per_page(client, principal):
    notify(principal, subject="One", body="b")
    client.force_login(principal)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("notification_preferences"))
    counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and "notification" in q["sql"]
    ]
    assert len(counts) == 1
