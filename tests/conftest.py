"""Shared fixtures: the three people of most tests (owner, colleague, outsider) plus the
regulator's staff roles, and helpers to reach services that tests need for real."""

import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from licensing.models import Activity, FirmRole
from portal.accounts.roles import StaffRole
from tests.factories import FirmFactory, MembershipFactory, UserFactory


def _flush_past_the_audit_triggers():
    """PostgreSQL refuses TRUNCATE of the audit tables (portal/audit/triggers.py), and Django's
    flush, which resets the database after each transactional test, is a TRUNCATE: in tests
    only, the flush runs with user triggers off (the test role is a superuser)."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite only
        return
    original = DatabaseOperations.sql_flush
    if getattr(original, "past_audit_triggers", False):
        return

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    sql_flush.past_audit_triggers = True
    DatabaseOperations.sql_flush = sql_flush


def pytest_configure(config):
    """`pytest` alone works on a fresh clone: build the git-ignored .mo from the .po when it is
    missing or older (`make test` has built it already; ADR 0010)."""
    _flush_past_the_audit_triggers()
    import subprocess

    from django.utils.translation import trans_real

    from portal.catalogue import compile_stale

    try:
        compiled = compile_stale()
    except subprocess.CalledProcessError as exc:
        raise pytest.UsageError(f"The translation catalogue does not compile:\n{exc.stderr}") from exc
    if compiled:
        trans_real._translations = {}  # a catalogue loaded before the compile is read again


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashers are slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Urdu leaves Urdu active in the thread (LocaleMiddleware activates a language
    and nothing deactivates it, as each real request activates its own): every test starts and
    ends in the default language, so later tests' English messages do not depend on the order."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (dashboard figures, used 2FA codes, rate limits)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _staff_auth_clock(request, monkeypatch, settings):
    """Sign-ins (force_login included) count as fresh authentication for decisions. In tests
    marked `stale_auth` every sign-in's authentication is dated PORTAL_STAFF_REAUTH_MINUTES + 1
    minutes back (the session itself stays alive); re-authenticating makes it fresh again."""
    if request.node.get_closest_marker("stale_auth"):
        from portal.accounts import sessions

        real_mark_login = sessions.mark_login

        def stale_mark_login(req, user):
            real_mark_login(req, user)
            if getattr(req, "session", None) is not None:
                req.session[sessions.AUTH_AT] -= (settings.PORTAL_STAFF_REAUTH_MINUTES + 1) * 60

        monkeypatch.setattr(sessions, "mark_login", stale_mark_login)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded documents, certificates and the dev signing key go to a per-test folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_AUDIT_CHECKPOINT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "audit-checkpoints")},
    }


@pytest.fixture
def make_app(firm, principal, officer, approver):
    """make_app(status): a NOC application of `firm` in that status, built through the services."""
    from tests.states import application_in

    def make(status):
        return application_in(status, firm=firm, submitter=principal, officer=officer, approver=approver)

    return make


def need_service(name: str, reason: str):
    """Skip with a clear message, or fail when REQUIRE_SERVICES=1 (CI)."""
    message = f"{name} is not reachable: {reason}"
    if settings.REQUIRE_SERVICES or os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (REQUIRE_SERVICES=1: a missing service is a failure)")
    pytest.skip(message)


@pytest.fixture
def require_postgres(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "tests run on SQLite; set DATABASE_URL=postgres://...")


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_mfa(user):
    """Staff must have a second factor (portal.accounts.mfa); tests' staff have one."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, TOTP_SECRET)
    return user


def totp_code(secret: str = TOTP_SECRET) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def _staff(role: StaffRole, email: str):
    user = UserFactory(email=email, full_name=f"{role.value} {email.split('@')[0]}")
    user.groups.add(Group.objects.get(name=role.value))
    return give_mfa(user)


@pytest.fixture
def officer(db):
    return _staff(StaffRole.CASE_OFFICER, "officer@regulator.example")


@pytest.fixture
def officer2(db):
    return _staff(StaffRole.CASE_OFFICER, "officer2@regulator.example")


@pytest.fixture
def approver(db):
    return _staff(StaffRole.APPROVER, "approver@regulator.example")


@pytest.fixture
def approver2(db):
    return _staff(StaffRole.APPROVER, "approver2@regulator.example")


@pytest.fixture
def aml_officer(db):
    return _staff(StaffRole.AML_OFFICER, "aml@regulator.example")


@pytest.fixture
def supervisor(db):
    return _staff(StaffRole.SUPERVISOR, "supervisor@regulator.example")


@pytest.fixture
def administrator(db):
    user = _staff(StaffRole.ADMINISTRATOR, "admin@regulator.example")
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def firm(db):
    return FirmFactory(legal_name="Owner Exchange Ltd")


@pytest.fixture
def other_firm(db):
    return FirmFactory(legal_name="Other Exchange Ltd")


@pytest.fixture
def principal(firm):
    return MembershipFactory(firm=firm, role=FirmRole.PRINCIPAL).user


@pytest.fixture
def submitter(firm):
    return MembershipFactory(firm=firm, role=FirmRole.SUBMITTER).user


@pytest.fixture
def contributor(firm):
    return MembershipFactory(firm=firm, role=FirmRole.CONTRIBUTOR).user


@pytest.fixture
def outsider(other_firm):
    """A principal of another firm."""
    return MembershipFactory(firm=other_firm, role=FirmRole.PRINCIPAL).user


@pytest.fixture
def activities(db):
    return list(Activity.objects.filter(code__in=["exchange", "custody"]))


# Fixtures that start real processes (Celery workers and beat, gunicorn): tests/processes.py.
@pytest.fixture
def grant_noc(officer, approver, aml_officer, activities, django_capture_on_commit_callbacks):
    """grant_noc("Firm Ltd") takes a new firm through the services to a granted NOC and returns
    its certificate (the signing key is whatever the test's settings say)."""
    from licensing.certificates.models import Certificate
    from licensing.models import FirmStage
    from tests.public_states import firm_at

    def grant(name: str):
        firm = FirmFactory(legal_name=name)
        principal = MembershipFactory(firm=firm).user
        with django_capture_on_commit_callbacks(execute=True):
            firm_at(
                FirmStage.NOC_HOLDER,
                firm,
                principal=principal,
                officer=officer,
                approver=approver,
                aml_officer=aml_officer,
                activities=activities,
            )
        return Certificate.objects.get(firm=firm)

    return grant


from tests.clock import clock  # noqa: E402, F401
from tests.processes import redis_client, workers  # noqa: E402, F401
