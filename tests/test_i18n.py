"""English and Urdu (ADR 0010): the switcher, each person's saved language, right to left,
the public pages in Urdu, amounts and dates for the locale, e-mails in the recipient's
language, identifiers kept left to right."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from licensing.models import FirmMembership, FirmRole
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME
PASSWORD = "correct-horse-battery-staple"


def switch(client, language, next_url="/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


# --- The switcher and the saved language ---------------------------------------------------


def test_every_page_has_the_switcher_and_english_is_the_default(client):
    html = client.get(reverse("register_index")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert html_tag(html) == '<html lang="en" dir="ltr">'


def test_switching_signed_out_sets_the_language_cookie_for_a_year(client):
    response = switch(client, "ur", reverse("register_index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("register_index")
    assert response.cookies[COOKIE].value == "ur"
    assert int(response.cookies[COOKIE]["max-age"]) == 365 * 24 * 3600
    html = client.get(reverse("register_index")).content.decode()
    assert html_tag(html) == '<html lang="ur" dir="rtl">'
    assert "عوامی رجسٹر" in html  # "Public register" in the navigation


def test_switching_signed_in_saves_the_preferred_language(client, principal):
    client.force_login(principal)
    switch(client, "ur", reverse("dashboard"))
    principal.refresh_from_db()
    assert principal.preferred_language == "ur"
    switch(client, "en")
    principal.refresh_from_db()
    assert principal.preferred_language == "en"


def test_a_language_the_portal_does_not_offer_is_not_saved(client, principal):
    client.force_login(principal)
    switch(client, "fr")
    principal.refresh_from_db()
    assert principal.preferred_language == ""


def test_signing_in_applies_the_saved_language_on_a_new_browser(client, firm):
    user = UserFactory(email="urdu@firm.example", preferred_language="ur")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    FirmMembership.objects.create(firm=firm, user=user, role=FirmRole.SUBMITTER)
    client.cookies[COOKIE] = "en"  # the browser was last used in English
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "ur"
    html = client.get(response["Location"]).content.decode()
    assert html_tag(html) == '<html lang="ur" dir="rtl">'


def test_the_saved_language_wins_over_the_browser_while_signed_in(client, principal):
    principal.preferred_language = "ur"
    principal.save()
    client.force_login(principal)
    html = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html_tag(html) == '<html lang="ur" dir="rtl">'


def test_the_admin_has_the_switcher_and_turns_right_to_left(client, administrator):
    client.force_login(administrator)
    client.cookies[COOKIE] = "ur"
    html = client.get(reverse("admin:index")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'dir="rtl"' in html_tag(html)


# --- Amounts and dates ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "amount", "currency", "shown"),
    [
        ("en", "123456789", "PKR", "PKR 12,34,56,789.00"),
        ("en", "123456789.5", "USD", "USD 123,456,789.50"),
        ("en", "100000", "PKR", "PKR 1,00,000.00"),
        ("ur", "123456789", "PKR", "12,34,56,789.00 روپے"),
        ("ur", "2500000", "USD", "2,500,000.00 امریکی ڈالر"),
        ("en", "12,5 lakh", "PKR", "12,5 lakh"),  # a half-typed draft answer is shown as typed
    ],
)
def test_amounts_are_grouped_in_lakhs_for_rupees_and_named_in_the_language(language, amount, currency, shown):
    from django.utils import translation

    from portal.money import format_money

    with translation.override(language):
        assert format_money(amount, currency) == shown


def test_the_money_filter_isolates_the_amount():
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load languages %}{{ amount|money:'PKR' }}")
    with translation.override("ur"):
        html = template.render(Context({"amount": 1234567}))
    assert html == '<bdi class="money">12,34,567.00 روپے</bdi>'


def test_urdu_dates_and_numbers_use_the_urdu_format_module():
    import datetime

    from django.utils import formats, translation

    with translation.override("ur"):
        assert formats.date_format(datetime.date(2026, 12, 6)) == "6 دسمبر 2026"
        assert formats.number_format(123456789, use_l10n=True, force_grouping=True) == "12,34,56,789"
        assert formats.get_format("FIRST_DAY_OF_WEEK") == 1
    with translation.override("en"):
        assert formats.date_format(datetime.date(2026, 12, 6)) == "Dec. 6, 2026"


def test_identifiers_are_isolated_left_to_right():
    from django.template import Context, Template

    html = Template("{% load languages %}{{ value|ltr }}").render(Context({"value": "<LEI 5493>"}))
    assert html == '<bdi dir="ltr" class="ltr-value">&lt;LEI 5493&gt;</bdi>'


# --- E-mails in the recipient's language ---------------------------------------------------


def test_a_notification_email_is_worded_in_the_recipients_language(principal):
    from portal.notifications.models import Notification
    from portal.notifications.services import build_email

    principal.preferred_language = "ur"
    principal.save()
    notification = Notification.objects.create(user=principal, subject="S", body="B", link="/dashboard/")
    message = build_email(notification)
    assert "پورٹل میں کھولیں" in message.body  # "Open in the portal:"
    html = message.alternatives[0][0]
    assert '<html lang="ur" dir="rtl">' in html
    principal.preferred_language = "en"
    principal.save()
    assert "Open in the portal:" in build_email(notification).body


def test_the_acknowledgement_is_sent_in_the_signers_language_whatever_the_request_was(make_app, mailoutbox):
    from django.utils import timezone, translation
    from django.utils.formats import date_format

    from licensing.services.applications import _send_acknowledgement

    app = make_app("submitted")
    signer = app.declaration_signed_by
    signer.preferred_language = "ur"
    signer.save()
    with translation.override("en"):
        _send_acknowledgement(app.pk)
    message = mailoutbox[-1]
    assert message.subject.startswith("ہمیں آپ کی درخواست")
    assert app.reference in message.subject
    with translation.override("ur"):
        urdu_month = date_format(timezone.localtime(app.submitted_at), "F")
    assert urdu_month in message.body  # the date in Urdu too, not an English month name


# --- The public register, the verify page and the certificate in Urdu ---------------------


@pytest.fixture
def licensed(grant_noc, settings, tmp_path):
    settings.PORTAL_SIGNING_KEY_PATH = str(tmp_path / "keys" / "signing.pem")
    settings.PORTAL_SIGNING_KEY_AUTOCREATE = True
    certificate = grant_noc("Delta Exchange Ltd")
    return certificate.firm, certificate


def test_the_public_register_reads_in_urdu_with_firm_names_isolated_in_their_own_direction(client, licensed):
    firm, _certificate = licensed
    client.cookies[COOKIE] = "ur"
    html = client.get(reverse("register_index")).content.decode()
    assert html_tag(html) == '<html lang="ur" dir="rtl">'
    assert "عوامی رجسٹر" in html
    assert "<bdi>Delta Exchange Ltd</bdi>" in html
    page = client.get(reverse("register_firm", args=[firm.reference_number])).content.decode()
    assert "<h1><bdi>Delta Exchange Ltd</bdi></h1>" in page


def test_the_verify_page_reads_in_urdu_including_the_signed_english_texts(client, licensed):
    _firm, certificate = licensed
    client.cookies[COOKIE] = "ur"
    html = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert html_tag(html) == '<html lang="ur" dir="rtl">'
    assert "عدم اعتراض سرٹیفکیٹ (NOC)" in html  # the payload's title, translated
    assert "مجوزہ سرگرمیاں (NOC کے تحت اجازت نہیں)" in html  # its activities label
    assert "ورچوئل اثاثہ جات کا ایکسچینج" in html  # an activity's name
    assert f'<span class="ltr-value">{certificate.number}</span>' in html
    assert "No Objection Certificate" not in html


def test_the_certificate_pdf_is_bilingual_with_an_embedded_urdu_font(licensed):
    from licensing.certificates.pdf import _visual, urdu

    _firm, certificate = licensed
    content = certificate.pdf.open("rb").read()
    assert b"NotoNaskhArabic" in content  # the Urdu face is embedded
    assert urdu("Certificate number") == "سرٹیفکیٹ نمبر"
    visual = _visual("عدم اعتراض سرٹیفکیٹ (NOC)")
    assert "(NOC)" in visual  # brackets mirrored back round the English term
    assert any("\ufb50" <= ch <= "\ufefc" for ch in visual)  # letters joined (presentation forms)


# --- What the packages say, in Urdu --------------------------------------------------------


def test_allauths_sign_in_error_is_shown_in_urdu(client):
    client.cookies[COOKIE] = "ur"
    response = client.post(reverse("account_login"), {"login": "nobody@firm.example", "password": "wrong"})
    assert "آپ کا درج کردہ ای میل پتہ یا پاس ورڈ درست نہیں ہے۔" in response.content.decode()


def test_an_api_error_title_follows_accept_language(client):
    body = client.get("/api/v1/firm/", HTTP_ACCEPT_LANGUAGE="ur").json()
    assert body["title"] == "تصدیقی اسناد فراہم نہیں کی گئیں۔"
    assert client.get("/api/v1/firm/", HTTP_ACCEPT_LANGUAGE="en").json()["title"] == (
        "Authentication credentials were not provided."
    )


def test_the_language_chosen_before_signing_in_is_saved_for_someone_without_one(client, firm):
    user = UserFactory(email="new@firm.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    FirmMembership.objects.create(firm=firm, user=user, role=FirmRole.SUBMITTER)
    switch(client, "ur", reverse("account_login"))
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    user.refresh_from_db()
    assert user.preferred_language == "ur"


def test_a_missed_deadline_tells_each_person_in_their_own_language(firm, submitter, officer, approver):
    import datetime

    from licensing.models import Application, ApplicationStatus
    from portal.businessdays.calendar import end_of
    from portal.deadlines.actions import process_reminder
    from portal.deadlines.models import Deadline, DeadlineKind, DeadlineRule
    from portal.deadlines.sweep import sweep
    from portal.notifications.models import Notification, NotificationKind
    from tests.states import application_in

    DeadlineRule.objects.filter(kind=DeadlineKind.ACKNOWLEDGE_SUBMISSION).update(is_active=False)
    DeadlineRule.objects.filter(kind=DeadlineKind.ANSWER_INFORMATION_REQUEST).update(lapse=True)
    submitter.preferred_language = "ur"
    submitter.save()
    officer.manager = approver
    officer.save()
    app = application_in(
        ApplicationStatus.INFORMATION_REQUESTED,
        firm=firm,
        submitter=submitter,
        officer=officer,
        approver=approver,
    )
    answer = Deadline.objects.get(kind=DeadlineKind.ANSWER_INFORMATION_REQUEST, application=app)
    now = end_of(answer.due_on) + datetime.timedelta(minutes=5)
    for pk in sweep(now=now).reminder_ids:
        process_reminder(pk, now=now)
    assert Application.objects.get(pk=app.pk).status == ApplicationStatus.LAPSED
    missed = Notification.objects.get(kind=NotificationKind.MISSED, user=submitter)
    assert missed.subject.startswith("مہلت گزر گئی")
    assert "درخواست زائد المیعاد ہو گئی۔" in missed.body  # the lapse, in Urdu too
    escalation = Notification.objects.filter(kind=NotificationKind.ESCALATION, user=officer).get()
    assert escalation.subject.startswith("Escalation:") and "The application lapsed." in escalation.body


def test_the_default_names_are_a_neutral_portal_and_the_seeds_regulator_not_dubais_vara(client):
    page = client.get("/").content.decode()
    assert "Virtual-asset licensing portal" in page
    assert "Pakistan Virtual Assets Regulatory Authority" in page and "PVARA" in page
    assert not re.search(r"(?<!P)VARA", page)  # Dubai's regulator is not this portal's


def test_the_portal_and_regulator_names_are_shown_in_urdu(client):
    client.cookies[COOKIE] = "ur"
    page = client.get("/").content.decode()
    assert "ورچوئل اثاثہ جات لائسنسنگ پورٹل" in page
    assert "پاکستان ورچوئل اثاثہ جات ریگولیٹری اتھارٹی" in page
    assert "Virtual-asset licensing portal" not in page
    assert "Pakistan Virtual Assets Regulatory Authority" not in page


def test_a_name_the_operator_set_without_a_translation_is_shown_as_set(client, settings):
    settings.PORTAL_NAME = "Pakistan Virtual Assets Portal"
    client.cookies[COOKIE] = "ur"
    assert "Pakistan Virtual Assets Portal" in client.get("/").content.decode()
