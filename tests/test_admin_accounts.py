"""One administrator cannot take over an approver unseen (issue 14, item 5): the admin never
shows or edits second-factor secrets; role grants, password sets and two-factor resets go
through audited services that tell the person and the other administrators; an administrator
who is not a superuser cannot raise anyone's access, their own included."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from portal.accounts import services
from portal.accounts.roles import StaffRole
from portal.audit.models import AuditEvent
from portal.errors import NotPermitted
from portal.notifications.models import Notification
from tests.conftest import TOTP_SECRET, _staff
from tests.test_admin import admin_url, change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_admin(db):
    """A second superuser administrator, who must hear of what the first one does."""
    user = _staff(StaffRole.ADMINISTRATOR, "second.admin@regulator.example")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def plain_admin(db):
    """An administrator by role only (not a superuser)."""
    user = _staff(StaffRole.ADMINISTRATOR, "role.admin@regulator.example")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def approver_with_codes(approver):
    RecoveryCodes.activate(approver)
    return approver


def told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def last_event(action):
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


# --- Secrets are never shown or edited -------------------------------------------------------


def test_the_admin_never_shows_a_second_factor_secret(client, administrator, approver_with_codes):
    client.force_login(administrator)
    seeds = [
        a.data.get("secret") or a.data.get("seed")
        for a in Authenticator.objects.filter(user=approver_with_codes)
    ]
    assert TOTP_SECRET in seeds and all(seeds)
    pages = [admin_url("mfa.authenticator", "changelist")] + [
        admin_url("mfa.authenticator", "change", a.pk)
        for a in Authenticator.objects.filter(user=approver_with_codes)
    ]
    pages.append(admin_url("accounts.user", "change", approver_with_codes.pk))
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        content = response.content.decode()
        for seed in seeds:
            assert seed not in content, page
        assert "encrypted" not in content and '"data"' not in content


def test_the_admin_cannot_add_or_edit_an_authenticator(client, administrator, approver):
    client.force_login(administrator)
    totp = Authenticator.objects.get(user=approver, type=Authenticator.Type.TOTP)
    assert client.get(admin_url("mfa.authenticator", "add")).status_code == 403
    response = client.post(admin_url("mfa.authenticator", "change", totp.pk), {"data": '{"secret": "X"}'})
    assert response.status_code == 403
    totp.refresh_from_db()
    assert totp.data["secret"] == TOTP_SECRET


def test_removing_an_authenticator_resets_two_factor_audited_and_told(
    client, administrator, other_admin, approver_with_codes
):
    client.force_login(administrator)
    totp = Authenticator.objects.get(user=approver_with_codes, type=Authenticator.Type.TOTP)
    response = client.post(admin_url("mfa.authenticator", "delete", totp.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=approver_with_codes).exists()  # codes too: enrol again
    event = last_event("user.mfa_reset")
    assert event.actor == administrator and event.object_id == str(approver_with_codes.pk)
    assert event.details["removed"] == ["recovery_codes", "totp"]
    assert any("Two-factor authentication reset" in s for s in told(approver_with_codes))
    assert any(approver_with_codes.email in s for s in told(other_admin))
    assert told(administrator) == []  # the actor knows


def test_after_a_reset_the_approver_must_set_up_a_new_second_factor(client, administrator, approver):
    services_reset = services.user_mfa_reset(actor=administrator, person=approver)
    assert services_reset == ["totp"]
    client.force_login(approver)
    response = client.get(reverse("staff_dashboard"))
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_the_bulk_reset_action_goes_through_the_service(client, administrator, officer, approver):
    client.force_login(administrator)
    response = client.post(
        admin_url("accounts.user", "changelist"),
        {"action": "reset_two_factor", "_selected_action": [officer.pk, approver.pk]},
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user__in=[officer, approver]).exists()
    assert AuditEvent.objects.filter(action="user.mfa_reset").count() == 2


# --- Roles and passwords: audited and told --------------------------------------------------


def test_granting_the_approver_role_in_the_admin_is_audited_and_told(
    client, administrator, other_admin, officer
):
    client.force_login(administrator)
    page = admin_url("accounts.user", "change", officer.pk)
    data = change_form_data(client.get(page))
    approvers = Group.objects.get(name=StaffRole.APPROVER.value)
    data["groups"] = [*data.get("groups", []), approvers.pk]
    response = client.post(page, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert officer.groups.filter(pk=approvers.pk).exists()
    event = last_event("user.roles_change")
    assert event.actor == administrator and event.details == {"roles_added": ["Approver"]}
    assert any("Access changed" in s for s in told(officer))
    assert any(officer.email in s for s in told(other_admin))


def test_staff_and_superuser_status_changes_are_audited(administrator, officer):
    changes = services.user_roles_change(
        actor=administrator, person=officer, is_staff=True, is_superuser=True
    )
    assert changes == {"is_staff": [False, True], "is_superuser": [False, True]}
    officer.refresh_from_db()
    assert officer.is_superuser and last_event("user.roles_change").details == changes
    assert services.user_roles_change(actor=administrator, person=officer, is_staff=True) == {}


def test_setting_a_password_in_the_admin_is_audited_and_told(client, administrator, other_admin, approver):
    client.force_login(administrator)
    page = reverse("admin:auth_user_password_change", kwargs={"id": approver.pk})
    secret = "another-long-passphrase-42"
    response = client.post(page, {"password1": secret, "password2": secret, "usable_password": "true"})
    assert response.status_code == 302
    approver.refresh_from_db()
    assert approver.check_password(secret)
    event = last_event("user.password_set")
    assert event.actor == administrator and event.object_id == str(approver.pk)
    assert secret not in str(event.details) and event.details == {"usable": True, "own": False}
    assert any("Password set" in s for s in told(approver))
    assert any(approver.email in s for s in told(other_admin))


# --- No escalation by an administrator who is not a superuser --------------------------------


def test_an_administrator_cannot_grant_a_role_with_permissions_they_lack(client, plain_admin, officer):
    client.force_login(plain_admin)
    page = admin_url("accounts.user", "change", officer.pk)
    data = change_form_data(client.get(page))
    approvers = Group.objects.get(name=StaffRole.APPROVER.value)
    data["groups"] = [*data.get("groups", []), approvers.pk]
    response = client.post(page, data)
    assert response.status_code == 200
    assert "permissions you do not hold" in response.content.decode()
    assert not officer.groups.filter(pk=approvers.pk).exists()
    assert not AuditEvent.objects.filter(action="user.roles_change").exists()
    with pytest.raises(NotPermitted):
        services.user_roles_change(actor=plain_admin, person=officer, groups=[approvers])


def test_an_administrator_cannot_raise_their_own_access(client, plain_admin):
    client.force_login(plain_admin)
    page = admin_url("accounts.user", "change", plain_admin.pk)
    form = client.get(page).context["adminform"].form
    assert not {"is_superuser", "groups", "is_staff", "user_permissions"} & set(form.fields)
    data = change_form_data(client.get(page))
    response = client.post(page, {**data, "is_superuser": "on", "groups": [1, 2, 3, 4, 5]})
    assert response.status_code == 302, response.context["adminform"].form.errors
    plain_admin.refresh_from_db()
    assert not plain_admin.is_superuser and list(plain_admin.groups.values_list("name", flat=True)) == [
        StaffRole.ADMINISTRATOR.value
    ]
    with pytest.raises(NotPermitted, match="own roles"):
        services.user_roles_change(actor=plain_admin, person=plain_admin, is_superuser=True)


def test_an_administrator_cannot_make_a_superuser_or_touch_one(plain_admin, officer, administrator):
    with pytest.raises(NotPermitted, match="superuser"):
        services.user_roles_change(actor=plain_admin, person=officer, is_superuser=True)
    with pytest.raises(NotPermitted, match="superuser"):
        services.user_password_set(actor=plain_admin, person=administrator, password="x-long-passphrase-1")
    with pytest.raises(NotPermitted, match="superuser"):
        services.user_mfa_reset(actor=plain_admin, person=administrator)
    assert not AuditEvent.objects.filter(action__startswith="user.").exists()


def test_an_administrator_may_grant_a_role_whose_permissions_they_hold(plain_admin, officer):
    supervisors = Group.objects.get(name=StaffRole.SUPERVISOR.value)
    assert services.user_roles_change(
        actor=plain_admin, person=officer, groups=[*officer.groups.all(), supervisors]
    )
    assert officer.groups.filter(pk=supervisors.pk).exists()


def test_an_administrator_cannot_widen_a_role_in_the_group_admin(client, plain_admin):
    client.force_login(plain_admin)
    group = Group.objects.get(name=StaffRole.ADMINISTRATOR.value)
    before = set(group.permissions.all())
    page = admin_url("auth.group", "change", group.pk)
    assert "permissions" not in client.get(page).context["adminform"].form.fields
    decide = Permission.objects.get(codename="decide_application")
    response = client.post(page, {"name": group.name, "permissions": [decide.pk]})
    assert response.status_code == 302
    assert set(group.permissions.all()) == before and decide not in before
