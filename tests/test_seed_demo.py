"""`manage.py seed_demo`: every promised stage and status, idempotent, a sound audit chain."""

import io
import os
import sys

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from aml.models import AmlRegistration, AmlStatus
from licensing.management.commands.seed_demo import (
    DEMO_LEIS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    STAFF,
    demo_emails,
    demo_recovery_codes,
)
from licensing.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Firm,
    FirmMembership,
    FirmRole,
    FirmStage,
    FirmStageChange,
    InformationRequest,
    Licence,
    Noc,
)
from licensing.models.authorisations import NocStatus
from portal.accounts.models import User
from portal.accounts.roles import StaffRole
from portal.audit.chain import verify_chain
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PROMISED_STAGES = {
    FirmStage.APPLICANT,
    FirmStage.NOC_HOLDER,
    FirmStage.AML_REGISTERED,
    FirmStage.LICENSED,
    FirmStage.SUSPENDED,
    FirmStage.NOC_LAPSED,
    FirmStage.REFUSED,
}
PROMISED_STATUSES = {
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.INFORMATION_REQUESTED,
    ApplicationStatus.AWAITING_DECISION,
    ApplicationStatus.APPROVED,
    ApplicationStatus.REFUSED,
    ApplicationStatus.WITHDRAWN,
}
COUNTED = (
    Authenticator,
    User,
    Firm,
    FirmMembership,
    FirmStageChange,
    Application,
    InformationRequest,
    Noc,
    Licence,
    AmlRegistration,
    AuditEvent,
)


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def login_table(output: str) -> str:
    return output[output.index("Demo logins") :]


@pytest.fixture(autouse=True)
def debug_on(settings):
    """A laptop, where seed_demo runs; Django's test runner switches DEBUG off."""
    settings.DEBUG = True


@pytest.fixture
def seeded(db):
    return seed()


def test_seed_demo_puts_firms_at_every_promised_stage(seeded):
    stages = set(Firm.objects.filter(lei__in=DEMO_LEIS).values_list("stage", flat=True))
    assert PROMISED_STAGES <= stages
    assert Firm.objects.filter(lei__in=DEMO_LEIS).count() == len(DEMO_LEIS)


def test_seed_demo_puts_applications_in_every_promised_status(seeded):
    statuses = set(Application.objects.values_list("status", flat=True))
    assert PROMISED_STATUSES <= statuses


def test_two_global_exchanges_hold_nocs_and_one_of_them_is_aml_registered(seeded):
    lantern = Firm.objects.get(legal_name="Northwind Lantern Exchange Ltd")
    crane = Firm.objects.get(legal_name="Silver Crane Digital Markets Ltd")
    assert lantern.stage == FirmStage.AML_REGISTERED
    assert crane.stage == FirmStage.NOC_HOLDER
    for firm in (lantern, crane):
        assert firm.nocs.get().status == NocStatus.ACTIVE
    assert lantern.aml_registration.status == AmlStatus.REGISTERED
    assert crane.aml_registration.status == AmlStatus.RETURNED


def test_demo_licensed_firms_name_their_key_individuals_and_carry_licence_conditions(seeded):
    """The register of a demo licensed firm once listed nobody and printed the NOC's condition
    "Not to operate until fully licensed." on the licence."""
    from licensing.models.people import REQUIRED_KEY_ROLES
    from licensing.register.queries import attach_activities, public_entry, public_firms, with_entry_details

    licences = Licence.objects.select_related("firm")
    assert licences.exists()
    for licence in licences:
        assert "until fully licensed" not in licence.conditions
        assert licence.conditions.strip()
        approved = licence.firm.applications.get(
            kind=ApplicationKind.LICENCE, status=ApplicationStatus.APPROVED
        )
        assert {p.role for p in approved.key_individuals.all()} >= set(REQUIRED_KEY_ROLES)
        (firm,) = attach_activities(with_entry_details(public_firms().filter(pk=licence.firm_id)))
        entry = public_entry(firm)
        assert len(entry["key_individuals"]) >= len(REQUIRED_KEY_ROLES), firm
        assert entry["conditions"] == licence.conditions
    for noc in Noc.objects.all():
        assert "until fully licensed" in noc.conditions  # a NOC permits no business yet


def test_lapsed_firm_has_its_noc_marked_lapsed(seeded):
    firm = Firm.objects.get(stage=FirmStage.NOC_LAPSED)
    assert firm.nocs.get().status == NocStatus.LAPSED


def test_seed_demo_creates_every_staff_role_with_managers_for_officers(seeded):
    for role in StaffRole:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert User.objects.filter(groups__name=StaffRole.APPROVER.value).count() >= 2
    admin = User.objects.get(groups__name=StaffRole.ADMINISTRATOR.value)
    assert admin.is_staff and admin.is_superuser
    for officer in User.objects.filter(groups__name=StaffRole.CASE_OFFICER.value):
        assert officer.manager is not None
        assert officer.manager.has_role(StaffRole.APPROVER)


def test_main_demo_firm_has_a_principal_a_submitter_and_a_contributor(seeded):
    lantern = Firm.objects.get(legal_name="Northwind Lantern Exchange Ltd")
    roles = set(lantern.memberships.values_list("role", flat=True))
    assert roles == {FirmRole.PRINCIPAL, FirmRole.SUBMITTER, FirmRole.CONTRIBUTOR}
    assert lantern.applications.filter(kind=ApplicationKind.LICENCE, status=ApplicationStatus.DRAFT).exists()
    for firm in Firm.objects.filter(lei__in=DEMO_LEIS):
        assert firm.memberships.filter(role=FirmRole.PRINCIPAL).exists(), firm


def test_every_demo_user_exists_and_the_printed_password_signs_them_in(seeded):
    assert set(User.objects.filter(email__in=demo_emails()).values_list("email", flat=True)) == set(
        demo_emails()
    )
    assert authenticate(email=STAFF[0].email, password=DEMO_PASSWORD) is not None
    assert authenticate(email="contributor@northwind-lantern.example", password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in seeded
    for email in demo_emails():
        assert email in seeded
    assert "http://127.0.0.1:8000/admin/" in seeded
    assert "http://127.0.0.1:8000/staff/" in seeded


def test_the_printed_logins_use_the_address_the_portal_is_served_at(db, settings):
    settings.PORTAL_SITE_URL = "http://127.0.0.1:8123/"  # what `make run PORT=8123` sets
    printed = seed()
    assert "http://127.0.0.1:8123/staff/" in printed
    assert "http://127.0.0.1:8123/admin/" in printed
    assert "http://127.0.0.1:8000" not in printed
    # The command to print a TOTP code works from the project folder without an activated venv.
    assert f"{os.path.relpath(sys.executable)} manage.py demo_totp {STAFF[0].email}" in printed


def test_seed_demo_is_idempotent(seeded):
    before = counts()
    second = seed()
    assert counts() == before
    assert "nothing changed" in second
    assert login_table(second) == login_table(seeded)


def test_audit_chain_of_the_demo_data_verifies(seeded):
    report = verify_chain()
    assert report.ok, report.problem
    assert report.rows_checked == AuditEvent.objects.count() > 100
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit chain intact" in out.getvalue()


def test_every_demo_firm_stage_change_is_in_the_audit_trail(seeded):
    for change in FirmStageChange.objects.all():
        assert AuditEvent.objects.filter(
            firm=change.firm,
            object_type="licensing.firm",
            from_state=change.from_stage,
            to_state=change.to_stage,
        ).exists(), change


def test_seed_demo_refuses_without_force_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.filter(email__in=demo_emails()).exists()
    assert not Firm.objects.filter(lei__in=DEMO_LEIS).exists()


def test_seed_demo_runs_with_force_when_debug_is_off(db, settings):
    settings.DEBUG = False
    seed("--force")
    assert Firm.objects.filter(lei__in=DEMO_LEIS).count() == len(DEMO_LEIS)


def test_seed_demo_refuses_when_a_demo_email_already_belongs_to_someone(db):
    User.objects.create_user("officer1@regulator.example", "an-existing-password")
    with pytest.raises(CommandError, match="officer1@regulator.example"):
        seed()
    assert not Firm.objects.filter(lei__in=DEMO_LEIS).exists()


def test_demo_addresses_are_verified_when_sign_in_needs_it(seeded):
    from django.apps import apps

    if not apps.is_installed("allauth.account"):
        pytest.skip("django-allauth is not installed")
    from allauth.account.models import EmailAddress

    verified = set(EmailAddress.objects.filter(verified=True, primary=True).values_list("email", flat=True))
    assert set(demo_emails()) <= verified


# --- Staff sign in with a second factor: the demo gives them one, and tells how to use it.


def test_every_demo_staff_account_has_the_demo_totp_and_recovery_codes(seeded):
    for spec in STAFF:
        user = User.objects.get(email=spec.email)
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        assert decrypt(totp.data["secret"]) == DEMO_TOTP_SECRET
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    firm_user = User.objects.get(email="contributor@northwind-lantern.example")
    assert not Authenticator.objects.filter(user=firm_user).exists()


def test_the_logins_table_prints_the_secret_the_command_and_the_recovery_codes(seeded):
    table = login_table(seeded)
    assert DEMO_TOTP_SECRET in table
    for spec in STAFF:
        assert f"{os.path.relpath(sys.executable)} manage.py demo_totp {spec.email}" in table
    assert " ".join(demo_recovery_codes()) in table
    assert len(set(demo_recovery_codes())) == 10


def test_a_demo_seeded_before_second_factors_gets_them_on_the_next_run(seeded):
    Authenticator.objects.all().delete()
    output = seed()
    assert f"gave {len(STAFF)} staff accounts the demo second factor" in output
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == len(STAFF)
    assert "nothing changed" in seed()


def totp(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_totp", *args, stdout=out, stderr=err, **options)
    return out.getvalue().strip(), err.getvalue()


def test_demo_totp_prints_the_current_code(seeded):
    from tests.conftest import totp_code

    before = totp_code(DEMO_TOTP_SECRET)
    code, note = totp("officer1@regulator.example")
    assert code in {before, totp_code(DEMO_TOTP_SECRET)}
    assert "Valid for" in note


def test_a_demo_officer_signs_in_with_the_printed_code(seeded, client, settings):
    from django.core.cache import cache
    from django.urls import reverse

    cache.clear()
    settings.MFA_TOTP_TOLERANCE = 1  # never straddle a 30-second window
    response = client.post(
        reverse("account_login"), {"login": "officer1@regulator.example", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    code, _note = totp("officer1@regulator.example")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == reverse("staff_queues")
    assert client.get(reverse("staff_queues")).status_code == 200
    cache.clear()


def test_demo_totp_refuses_when_debug_is_off(seeded, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        totp("officer1@regulator.example")


def test_demo_totp_refuses_other_accounts(seeded):
    with pytest.raises(CommandError, match="not one of the demo staff accounts"):
        totp("principal@northwind-lantern.example")


def test_demo_totp_refuses_an_account_whose_owner_set_up_their_own_authenticator(seeded):
    from allauth.mfa.totp.internal.auth import TOTP

    user = User.objects.get(email="officer2@regulator.example")
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    with pytest.raises(CommandError, match="does not use the demo authenticator"):
        totp("officer2@regulator.example")


def test_demo_totp_before_seeding_says_to_seed(db):
    with pytest.raises(CommandError, match="seed_demo"):
        totp("officer1@regulator.example")


def test_seed_demo_records_one_mou_with_its_definitive_agreement_window(seeded):
    from licensing.models import Agreement
    from portal.deadlines.models import Deadline, DeadlineKind, DeadlineStatus

    mou = Agreement.objects.get()
    assert mou.counterparty_firm.legal_name == "Northwind Lantern Exchange Ltd"
    window = Deadline.objects.get(agreement=mou, kind=DeadlineKind.DEFINITIVE_AGREEMENT)
    assert window.status == DeadlineStatus.OPEN and window.due_on == mou.definitive_due_on
    assert window.next_action_at is not None  # the 90-day reminder is already due: the first sweep sends it
