"""`manage.py seed_demo`: every promised stage and status, idempotent, a sound audit chain."""

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from aml.models import AmlRegistration, AmlStatus
from licensing.management.commands.seed_demo import DEMO_LEIS, DEMO_PASSWORD, STAFF, demo_emails
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
