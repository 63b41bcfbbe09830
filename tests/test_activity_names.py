"""Activity names in the reader's language (issue 14, item 15): the register and the staff
pages showed the English name on Urdu pages. A default activity's name comes from the
catalogue; one an administrator adds carries its Urdu name in `name_ur`, edited in the admin."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from licensing.models import Activity, FirmRole, FirmStage
from tests.factories import FirmFactory, MembershipFactory
from tests.public_states import firm_at

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "templates"

EXCHANGE_UR = "ورچوئل اثاثہ جات کا ایکسچینج"
STAKING_EN, STAKING_UR = "Staking services", "اسٹیکنگ کی خدمات"


@pytest.fixture
def licensed(officer, approver, aml_officer):
    staking = Activity.objects.create(code="staking", name=STAKING_EN, name_ur=STAKING_UR)
    activities = [Activity.objects.get(code="exchange"), staking]
    firm = FirmFactory(legal_name="Indus Exchange Ltd")
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    return firm_at(
        FirmStage.LICENSED,
        firm,
        principal=principal,
        officer=officer,
        approver=approver,
        aml_officer=aml_officer,
        activities=activities,
    )


def test_an_activity_reads_in_the_readers_language():
    staking = Activity.objects.create(code="staking", name=STAKING_EN, name_ur=STAKING_UR)
    exchange = Activity.objects.get(code="exchange")
    added_without = Activity.objects.create(code="mining", name="Mining pools")
    with translation.override("ur"):
        assert (str(staking), str(exchange), str(added_without)) == (STAKING_UR, EXCHANGE_UR, "Mining pools")
        assert Activity.label("staking", STAKING_EN) == STAKING_UR  # a register row: code and name only
    with translation.override("en"):
        assert (str(staking), str(exchange)) == (STAKING_EN, "Virtual-asset exchange")


def test_the_register_and_the_staff_case_page_show_activities_in_urdu(client, licensed, officer):
    client.cookies["django_language"] = "ur"
    results = client.get("/register/").content.decode()
    entry = client.get(reverse("register_firm", args=[licensed.reference_number])).content.decode()
    for page in (results, entry):
        assert STAKING_UR in page and EXCHANGE_UR in page
        assert STAKING_EN not in page and "Virtual-asset exchange" not in page

    officer.preferred_language = "ur"
    officer.save(update_fields=["preferred_language"])
    client.force_login(officer)
    app = licensed.applications.order_by("-pk").first()
    case = client.get(reverse("staff_case", args=[app.pk])).content.decode()
    assert STAKING_UR in case and STAKING_EN not in case


def test_an_administrator_gives_a_new_activity_its_urdu_name_in_the_admin(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:licensing_activity_add"),
        {"code": "staking", "name": STAKING_EN, "name_ur": STAKING_UR, "is_active": "on"},
    )
    assert response.status_code == 302
    with translation.override("ur"):
        assert str(Activity.objects.get(code="staking")) == STAKING_UR


# --- Typed text keeps its own direction on Urdu pages.

TYPED = re.compile(r"\{\{ [a-z_.]*\.(?:legal_name|get_full_name|full_name) \}\}")


def test_every_firm_or_person_name_in_a_page_is_isolated_from_the_text_around_it():
    """An English name in an Urdu sentence moved its punctuation ("Ltd." read as ".Ltd"):
    every name a person typed is shown in a <bdi> (or through the ltr filter)."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name.startswith(("admin/", "notifications/email")) or "/emails/" in name:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "{% block title" in line or "blocktranslate" in line:
                continue
            for match in TYPED.finditer(line):
                before = line[: match.start()]
                inside_tag = before.rfind("<") > before.rfind(">")
                in_option = re.search(r"<option\b[^>]*>[^<]*$", before)  # an <option> holds text only
                if not inside_tag and not in_option and not before.endswith("<bdi>"):
                    found.append(f"templates/{name}:{number}: {match.group(0)}")
    assert found == []


def test_an_english_note_keeps_its_direction_on_the_urdu_case_page(client, officer, approver):
    from licensing.models import ApplicationStatus
    from licensing.staff.case_services import case_note_add
    from tests.states import application_in

    firm = FirmFactory(legal_name="Indus Exchange Ltd.")
    principal = MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user
    app = application_in(
        ApplicationStatus.UNDER_REVIEW, firm=firm, submitter=principal, officer=officer, approver=approver
    )
    case_note_add(actor=officer, application_id=app.pk, body="Checked the LEI (GLEIF): fine.")
    officer.preferred_language = "ur"
    officer.save(update_fields=["preferred_language"])
    client.force_login(officer)
    page = client.get(reverse("staff_case", args=[app.pk])).content.decode()
    assert 'lang="ur"' in page
    assert '<p class="preserve-lines" dir="auto">Checked the LEI (GLEIF): fine.</p>' in page
    assert "<bdi>Indus Exchange Ltd.</bdi>" in page
