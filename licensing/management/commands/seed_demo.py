"""`manage.py seed_demo`: staff in every role and fictional firms at every stage, for a laptop.

Every firm is walked to its stage through the service layer (licensing.scenarios,
licensing.services, aml.services), exactly as real users would, so the demo's audit trail
is real and `manage.py verify_audit` passes on it. Users, firms and memberships are made
here directly (the portal's own sign-up asks for e-mail verification, which a demo skips);
their creation is still written to the audit chain. One open call for applications lets a
visitor register a new firm and apply.

All names, identifiers and contact details are invented. Phone numbers are in the UK range
reserved for fiction; e-mail and web addresses use the reserved `.example` domain.

Staff must sign in with a second factor: each demo staff account gets a TOTP authenticator
with the published DEMO_TOTP_SECRET and recovery codes from a fixed seed (both printed), and
`manage.py demo_totp <email>` prints the current code. Demo data only: DEBUG must be on.

Idempotent: the demo firms are recognised by their LEIs. A second run changes nothing and
prints the same table of logins.
"""

import dataclasses
import datetime
import os
import sys
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from aml.demo import seed_screening_demo
from aml.services import aml_registration_return, aml_registration_submit
from licensing import scenarios
from licensing.models import (
    Activity,
    ApplicationKind,
    ApplicationStatus,
    Call,
    Firm,
    FirmMembership,
    FirmRole,
)
from licensing.services.agreements import agreement_record
from licensing.services.applications import (
    application_decide,
    application_recommend,
    application_save_section,
    application_withdraw,
)
from licensing.services.change_requests import firm_change_request_create
from licensing.services.firms import firm_lapse_noc, firm_suspend
from licensing.validators import lei_check_digits
from portal.accounts.models import User
from portal.accounts.roles import StaffRole, sync_staff_groups
from portal.audit.chain import record
from portal.audit.checkpoints import write_checkpoint
from portal.dates import local_today

DEMO_PASSWORD = "demo-Passw0rd!"
# Staff must sign in with a second factor (TOTP). Every demo staff account gets an
# authenticator with this published secret (base32) and recovery codes from a fixed seed, so a
# reviewer can sign in: add the secret to an authenticator app, or run `manage.py demo_totp`.
DEMO_TOTP_SECRET = "DEMOTOTPDEMOTOTPDEMOTOTPDEMOTOTP"
DEMO_RECOVERY_SEED = "demo-recovery-codes-seed-published-in-the-readme"
SEED_REASON = "Demo data created by manage.py seed_demo."


@dataclasses.dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    role: StaffRole
    manager: str | None = None  # email of the approver told about missed deadlines


STAFF = (
    StaffSpec("admin@regulator.example", "Demo Administrator", StaffRole.ADMINISTRATOR),
    StaffSpec("approver1@regulator.example", "Approver One (demo)", StaffRole.APPROVER),
    StaffSpec("approver2@regulator.example", "Approver Two (demo)", StaffRole.APPROVER),
    StaffSpec(
        "officer1@regulator.example",
        "Case Officer One (demo)",
        StaffRole.CASE_OFFICER,
        "approver1@regulator.example",
    ),
    StaffSpec(
        "officer2@regulator.example",
        "Case Officer Two (demo)",
        StaffRole.CASE_OFFICER,
        "approver2@regulator.example",
    ),
    StaffSpec(
        "aml.officer@regulator.example",
        "AML Officer (demo)",
        StaffRole.AML_OFFICER,
        "approver1@regulator.example",
    ),
    StaffSpec("supervisor@regulator.example", "Supervisor (demo)", StaffRole.SUPERVISOR),
)


def demo_lei(serial: int) -> str:
    """A valid (ISO 17442 check digits) but obviously fictional LEI."""
    prefix = f"DEMOLEI{serial:011d}"
    return prefix + lei_check_digits(prefix)


@dataclasses.dataclass(frozen=True)
class FirmSpec:
    story: str  # name of the Command method that walks the firm to its stage
    legal_name: str
    trading_name: str
    slug: str  # e-mail and web domain: <slug>.example
    country: str
    city: str
    serial: int
    people: tuple[str, ...] = (FirmRole.PRINCIPAL,)

    @property
    def lei(self) -> str:
        return demo_lei(self.serial)

    def email(self, role: str) -> str:
        return f"{role}@{self.slug}.example"


# The main demo firm first: it has a principal, a submitter and a contributor.
FIRMS = (
    FirmSpec(
        "aml_registered_with_licence_draft",
        "Northwind Lantern Exchange Ltd",
        "Lantern",
        "northwind-lantern",
        "KY",
        "George Town",
        1,
        (FirmRole.PRINCIPAL, FirmRole.SUBMITTER, FirmRole.CONTRIBUTOR),
    ),
    FirmSpec(
        "noc_holder_aml_returned",
        "Silver Crane Digital Markets Ltd",
        "Silver Crane",
        "silver-crane",
        "SC",
        "Victoria",
        2,
    ),
    FirmSpec("draft", "Indus Pebble Technologies (Pvt) Ltd", "Pebble", "indus-pebble", "PK", "Lahore", 3),
    FirmSpec(
        "submitted",
        "Margalla Ledger Services (Pvt) Ltd",
        "Margalla Ledger",
        "margalla-ledger",
        "PK",
        "Islamabad",
        4,
    ),
    FirmSpec("under_review", "Quartzfield Assets Ltd", "Quartzfield", "quartzfield", "AE", "Dubai", 5),
    FirmSpec("information_requested", "Bluepine Custody Ltd", "Bluepine", "bluepine", "SG", "Singapore", 6),
    FirmSpec(
        "awaiting_decision", "Harbourlight Brokerage Ltd", "Harbourlight", "harbourlight", "MT", "Valletta", 7
    ),
    FirmSpec("licensed", "Saffron Gate Exchange Ltd", "Saffron Gate", "saffron-gate", "VG", "Road Town", 8),
    FirmSpec("suspended", "Copperleaf Trading Ltd", "Copperleaf", "copperleaf", "GI", "Gibraltar", 9),
    FirmSpec("noc_lapsed", "Lumen Orchard Ltd", "Lumen Orchard", "lumen-orchard", "BS", "Nassau", 10),
    FirmSpec("refused", "Greyheron Markets Ltd", "Greyheron", "greyheron", "CY", "Limassol", 11),
    FirmSpec("withdrawn", "Juniper Ridge Digital Ltd", "Juniper Ridge", "juniper-ridge", "IE", "Dublin", 12),
)

DEMO_LEIS = tuple(spec.lei for spec in FIRMS)

KIND_SHORT = {ApplicationKind.NOC: "NOC", ApplicationKind.LICENCE: "licence"}

FIRM_ROLE_LABELS = {
    FirmRole.PRINCIPAL: "Firm principal",
    FirmRole.SUBMITTER: "Firm submitter",
    FirmRole.CONTRIBUTOR: "Firm contributor",
}


def demo_emails() -> list[str]:
    return [s.email for s in STAFF] + [f.email(role) for f in FIRMS for role in f.people]


def firm_sign_in_url() -> str | None:
    """Where firm users sign in, once the applicant portal's sign-in page exists."""
    try:
        return site() + reverse("account_login")
    except NoReverseMatch:
        return None


def site() -> str:
    """The address the portal is served at (`make run HOST=… PORT=…` sets PORTAL_SITE_URL)."""
    return settings.PORTAL_SITE_URL.rstrip("/")


def python_command() -> str:
    """How to call this project's Python from the project folder: `.venv/bin/python` under make."""
    executable = os.path.relpath(sys.executable)
    return executable if not executable.startswith("..") else "python"


def demo_totp_command(email: str) -> str:
    return f"{python_command()} manage.py demo_totp {email}"


def login_rows() -> list[tuple[str, str, str, str, str]]:
    """(email, role, firm, sign in at, second factor) for every demo user, in a fixed order."""
    rows = [
        (
            s.email,
            s.role.value,
            "",
            f"{site()}/admin/" if s.role == StaffRole.ADMINISTRATOR else f"{site()}/staff/",
            demo_totp_command(s.email),
        )
        for s in STAFF
    ]
    firm_url = firm_sign_in_url() or "(applicant portal planned)"
    for spec in FIRMS:
        for role in spec.people:
            rows.append((spec.email(role), FIRM_ROLE_LABELS[role], spec.legal_name, firm_url, ""))
    return rows


def demo_recovery_codes() -> list[str]:
    """The recovery codes every demo staff account shares (each works once per account)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.utils import encrypt

    unsaved = Authenticator(
        type=Authenticator.Type.RECOVERY_CODES, data={"seed": encrypt(DEMO_RECOVERY_SEED), "used_mask": 0}
    )
    return RecoveryCodes(unsaved).generate_codes()


def ensure_demo_second_factors() -> int:
    """Give each demo staff account the demo TOTP authenticator and recovery codes, unless it
    has them (or its own) already. Returns how many accounts got one."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from allauth.mfa.utils import encrypt

    added = 0
    for user in User.objects.filter(email__in=[s.email for s in STAFF]):
        kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
        if Authenticator.Type.TOTP not in kinds:
            TOTP.activate(user, DEMO_TOTP_SECRET)
            added += 1
        if Authenticator.Type.RECOVERY_CODES not in kinds:
            Authenticator.objects.create(
                user=user,
                type=Authenticator.Type.RECOVERY_CODES,
                data={"seed": encrypt(DEMO_RECOVERY_SEED), "used_mask": 0},
            )
    return added


class Command(BaseCommand):
    help = (
        "Create demo staff (every role) and fictional firms at every stage, through the service "
        "layer. Idempotent. Refuses to run when DEBUG is off unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off. Never do this on a production database.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to create demo logins because DEBUG is off (this looks like production). "
                "Use --force if this really is a demo or test database."
            )
        existing = set(Firm.objects.filter(lei__in=DEMO_LEIS).values_list("lei", flat=True))
        if existing:
            self._check_complete(existing)
            with transaction.atomic():
                added = ensure_demo_second_factors()  # for demos seeded before staff needed one
            if added:
                self.stdout.write(
                    f"Demo data already present; gave {added} staff accounts the demo second factor."
                )
            else:
                self.stdout.write("Demo data already present; nothing changed.")
        else:
            clashes = sorted(User.objects.filter(email__in=demo_emails()).values_list("email", flat=True))
            if clashes:
                raise CommandError(
                    "These demo e-mail addresses already belong to users, so the demo cannot be "
                    f"created here: {', '.join(clashes)}."
                )
            with transaction.atomic():
                self._seed()
                ensure_demo_second_factors()
            # The demo's history is covered by a signed checkpoint at once, not in five minutes.
            write_checkpoint(force=True)
            self.stdout.write(self.style.SUCCESS(f"Created the demo data: {len(FIRMS)} firms."))
        self._print_logins()

    def _check_complete(self, existing_leis: set[str]) -> None:
        missing_firms = sorted(set(DEMO_LEIS) - existing_leis)
        present = set(User.objects.filter(email__in=demo_emails()).values_list("email", flat=True))
        missing_users = sorted(set(demo_emails()) - present)
        if missing_firms or missing_users:
            raise CommandError(
                "The demo data is incomplete (missing firms with LEIs "
                f"{missing_firms or '-'}; missing users {missing_users or '-'}). "
                "Start from an empty database (for SQLite, delete the file under PORTAL_VAR_DIR) "
                "and run seed_demo again."
            )

    # --- Creating.

    def _seed(self) -> None:
        sync_staff_groups()  # the role groups exist after migrate; make sure, cheaply
        # One hash for every demo user: hashing ~30 times would cost ~10 s for nothing.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.staff = self._create_staff()
        self.activities = list(Activity.objects.filter(code__in=["exchange", "custody", "broker-dealer"]))
        for spec in FIRMS:
            firm, people = self._create_firm(spec)
            getattr(self, f"_story_{spec.story}")(spec, firm, people)
            firm.refresh_from_db()
            applications = ", ".join(
                f"{KIND_SHORT[app.kind]} application {app.get_status_display().lower()}"
                for app in firm.applications.order_by("pk")
            )
            self.stdout.write(f"  {firm.legal_name}: {firm.get_stage_display()} ({applications})")
        self._record_mou()
        self._screen_people()
        self._open_call()

    def _open_call(self) -> None:
        """An open call, so a visitor can register a new firm and apply straight away."""
        now = timezone.now()
        call = Call.objects.create(
            title="Licensing of global virtual-asset exchanges 2026",
            description=(
                "The regulator invites virtual-asset exchanges licensed in a recognised jurisdiction "
                "to apply for a No Objection Certificate (NOC), the first step towards a full "
                "licence. A NOC does not permit a firm to operate."
            ),
            kind=ApplicationKind.NOC,
            eligible_jurisdictions=["AE", "GB", "HK", "KY", "MT", "SG", "US"],
            opens_at=now - datetime.timedelta(days=7),
            closes_at=now + datetime.timedelta(days=90),
        )
        call.eligible_activities.set(self.activities)
        self.stdout.write(f"  Open call: {call.title} (closes {call.closes_at:%Y-%m-%d})")

    def _screen_people(self) -> None:
        """Both sample sanctions lists, and the main firm's people screened (one demo alert)."""
        run = seed_screening_demo(Firm.objects.get(lei=FIRMS[0].lei))
        self.stdout.write(
            f"  Screening: {run.subjects} people against {run.entries} list entries, {len(run.alerts)} alerts"
        )

    def _record_mou(self) -> None:
        """One MoU, like the government's with a global exchange: signed 100 days ago, so its
        definitive-agreement window closes in about 80 days and the first sweep sends the
        90-day reminder to its owners."""
        lantern = Firm.objects.get(lei=FIRMS[0].lei)
        mou = agreement_record(
            actor=self.approver1,
            title="MoU on the tokenisation of state assets (demo)",
            scope=(
                "Advisory on tokenising up to USD 2 bn of state assets: sovereign bonds, treasury "
                "bills and commodity reserves."
            ),
            government_party="Ministry of Finance (demo); the regulator",
            counterparty_firm_id=lantern.pk,
            value=Decimal("2000000000"),
            currency="USD",
            signed_on=local_today() - datetime.timedelta(days=100),
            binding=False,
            owner_id=self.approver1.pk,
            co_owner_ids=[self.officer1.pk],
        )
        self.stdout.write(
            f"  MoU with {lantern.legal_name}: definitive agreement due by {mou.definitive_due_on}"
        )

    def _create_user(self, email: str, full_name: str, *, is_staff: bool = False) -> User:
        user = User.objects.create(
            email=email, full_name=full_name, password=self.password_hash, is_staff=is_staff
        )
        if apps.is_installed("allauth.account"):
            # Sign-in asks for a verified address; demo addresses (.example) receive no mail.
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    def _create_staff(self) -> dict[str, User]:
        staff = {}
        for spec in STAFF:
            # Staff work in /staff/; only administrators use the Django admin (is_staff).
            is_admin = spec.role == StaffRole.ADMINISTRATOR
            user = self._create_user(spec.email, spec.full_name, is_staff=is_admin)
            user.groups.add(Group.objects.get(name=spec.role.value))
            if spec.role == StaffRole.ADMINISTRATOR:
                user.is_superuser = True
            if spec.manager:
                user.manager = staff[spec.manager]
            user.save(update_fields=["is_superuser", "manager"])
            staff[spec.email] = user
        return staff

    def _create_firm(self, spec: FirmSpec) -> tuple[Firm, dict[str, User]]:
        firm = Firm(
            legal_name=spec.legal_name,
            trading_names=[spec.trading_name],
            lei=spec.lei,
            incorporation_country=spec.country,
            incorporation_number=f"{spec.country}-DEMO-{spec.serial:05d}",
            registered_address=f"{spec.serial} Example Quay, {spec.city}",
            website=f"https://www.{spec.slug}.example",
            contact_email=spec.email("compliance"),
            contact_phone=f"+44 20 7946 0{spec.serial:03d}",
        )
        firm.full_clean(exclude=["stage"])  # a protected FSMField refuses clean()'s setattr
        firm.save()
        record(actor=None, action="firm.create", obj=firm, to_state=firm.stage, reason=SEED_REASON)
        people = {}
        for role in spec.people:
            user = self._create_user(spec.email(role), f"{spec.trading_name} {role} (demo)")
            membership = FirmMembership.objects.create(firm=firm, user=user, role=role)
            record(
                actor=None,
                action="firmmembership.create",
                obj=membership,
                reason=SEED_REASON,
                details={"user": user.email, "role": role},
            )
            people[role] = user
        return firm, people

    # --- Stories: one per firm, each walking it to the stage the demo shows.

    @property
    def officer1(self):
        return self.staff["officer1@regulator.example"]

    @property
    def officer2(self):
        return self.staff["officer2@regulator.example"]

    @property
    def approver1(self):
        return self.staff["approver1@regulator.example"]

    @property
    def approver2(self):
        return self.staff["approver2@regulator.example"]

    @property
    def aml_officer(self):
        return self.staff["aml.officer@regulator.example"]

    def _drive(self, firm, people, to_status, *, officer=None, approver=None, kind=ApplicationKind.NOC):
        app = scenarios.new_application(firm, kind, actor=people[FirmRole.PRINCIPAL])
        return scenarios.drive_application(
            app,
            to_status,
            submitter=people.get(FirmRole.SUBMITTER, people[FirmRole.PRINCIPAL]),
            officer=officer,
            approver=approver,
            activities=self.activities,
            key_individuals=True,
        )

    def _grant_noc(self, firm, people, *, officer, approver):
        return self._drive(firm, people, ApplicationStatus.APPROVED, officer=officer, approver=approver)

    def _register_aml(self, firm, people, serial: int):
        return scenarios.register_aml(
            firm,
            submitter=people[FirmRole.PRINCIPAL],
            aml_officer=self.aml_officer,
            goaml_org_id=f"GOAML-DEMO-{serial:04d}",
        )

    def _story_aml_registered_with_licence_draft(self, spec, firm, people):
        """The main demo firm: NOC after one information request, AML-registered, and a
        full licence application in draft that its contributor has started."""
        app = self._drive(firm, people, ApplicationStatus.INFORMATION_REQUESTED, officer=self.officer1)
        scenarios.answer_information_request(app, actor=people[FirmRole.CONTRIBUTOR])
        application_recommend(
            actor=self.officer1,
            application_id=app.pk,
            outcome="grant",
            reasons="Home licences verified; AML/CFT programme adequate after the firm's answer.",
            proposed_conditions="Not to operate in Pakistan until fully licensed.",
        )
        application_decide(
            actor=self.approver1,
            application_id=app.pk,
            outcome="grant",
            reasons="Agreed with the officer's assessment.",
        )
        self._register_aml(firm, people, spec.serial)
        licence_app = scenarios.new_application(
            firm, ApplicationKind.LICENCE, actor=people[FirmRole.CONTRIBUTOR]
        )
        application_save_section(
            actor=people[FirmRole.CONTRIBUTOR],
            application_id=licence_app.pk,
            section="incorporation",
            data={"summary": "Local subsidiary incorporated; certificate attached."},
            completed=True,
        )
        application_save_section(
            actor=people[FirmRole.CONTRIBUTOR],
            application_id=licence_app.pk,
            section="capital",
            data={"summary": "Paid-up capital evidence to follow."},
            completed=False,
        )

    def _story_noc_holder_aml_returned(self, spec, firm, people):
        """The second global exchange: NOC granted; its AML registration was returned."""
        self._grant_noc(firm, people, officer=self.officer2, approver=self.approver2)
        registration = aml_registration_submit(
            actor=people[FirmRole.PRINCIPAL],
            firm_id=firm.pk,
            goaml_org_id=f"GOAML-DEMO-{spec.serial:04d}",
            goaml_registered_on=local_today(),
            mlro_name="Demo MLRO",
            mlro_email=spec.email("mlro"),
            compliance_officer_name="Demo Compliance Officer",
            compliance_officer_email=spec.email("compliance"),
        )
        aml_registration_return(
            actor=self.aml_officer,
            registration_id=registration.pk,
            remedial_actions=[
                "Name an MLRO resident in Pakistan.",
                "Attach the board's approval of the AML/CFT programme.",
            ],
        )

    def _story_draft(self, spec, firm, people):
        app = scenarios.new_application(firm, ApplicationKind.NOC, actor=people[FirmRole.PRINCIPAL])
        for section, completed in (("services", True), ("licences_elsewhere", True), ("ownership", False)):
            application_save_section(
                actor=people[FirmRole.PRINCIPAL],
                application_id=app.pk,
                section=section,
                data={"summary": f"Draft answer for {section.replace('_', ' ')}."},
                completed=completed,
            )

    def _story_submitted(self, spec, firm, people):
        self._drive(firm, people, ApplicationStatus.SUBMITTED)
        # Its office moved: an identity change for a case officer to decide (/staff/firm-changes/).
        firm_change_request_create(
            actor=people[FirmRole.PRINCIPAL],
            firm_id=firm.pk,
            changes={"registered_address": f"{spec.serial} Jinnah Avenue, Blue Area, {spec.city}"},
            reason="The registered office moved; the new lease and the filing with the SECP are on file.",
        )

    def _story_under_review(self, spec, firm, people):
        self._drive(firm, people, ApplicationStatus.UNDER_REVIEW, officer=self.officer2)

    def _story_information_requested(self, spec, firm, people):
        self._drive(firm, people, ApplicationStatus.INFORMATION_REQUESTED, officer=self.officer1)

    def _story_awaiting_decision(self, spec, firm, people):
        self._drive(firm, people, ApplicationStatus.AWAITING_DECISION, officer=self.officer2)

    def _licensed(self, spec, firm, people):
        self._grant_noc(firm, people, officer=self.officer1, approver=self.approver2)
        self._register_aml(firm, people, spec.serial)
        self._drive(
            firm,
            people,
            ApplicationStatus.APPROVED,
            officer=self.officer1,
            approver=self.approver2,
            kind=ApplicationKind.LICENCE,
        )

    def _story_licensed(self, spec, firm, people):
        self._licensed(spec, firm, people)

    def _story_suspended(self, spec, firm, people):
        self._licensed(spec, firm, people)
        firm_suspend(
            actor=self.approver1,
            firm_id=firm.pk,
            reason="Inspection found client assets not segregated; suspended pending remediation.",
        )

    def _story_noc_lapsed(self, spec, firm, people):
        self._grant_noc(firm, people, officer=self.officer2, approver=self.approver1)
        firm_lapse_noc(
            firm_id=firm.pk,
            reason="The NOC's validity ended before a full licence application was filed.",
        )

    def _story_refused(self, spec, firm, people):
        self._drive(firm, people, ApplicationStatus.REFUSED, officer=self.officer1, approver=self.approver1)

    def _story_withdrawn(self, spec, firm, people):
        app = self._drive(firm, people, ApplicationStatus.SUBMITTED)
        application_withdraw(
            actor=people[FirmRole.PRINCIPAL],
            application_id=app.pk,
            reason="The group has decided not to enter the market this year.",
        )

    # --- Reporting.

    def _print_logins(self) -> None:
        header = ("E-mail", "Role", "Firm", "Sign in at", "Second factor (staff)")
        rows = login_rows()
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

        def line(cells):
            return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write("")
        self.stdout.write(f"Demo logins (every account's password: {DEMO_PASSWORD})")
        self.stdout.write(
            "Staff also need a second factor (TOTP): every demo staff account shares the DEMO secret "
            f"{DEMO_TOTP_SECRET} (add it to an authenticator app), or print the current code with "
            f'"{demo_totp_command("<email>")}".'
        )
        self.stdout.write(
            "Demo recovery codes (each works once per account): " + " ".join(demo_recovery_codes())
        )
        self.stdout.write(line(header))
        self.stdout.write(line(["-" * w for w in widths]))
        for row in rows:
            self.stdout.write(line(row))
        self.stdout.write("")
        if firm_sign_in_url() is None:
            self.stdout.write("Firm users cannot sign in anywhere yet: the applicant portal is planned.")
