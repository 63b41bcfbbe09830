"""May a firm operate today? One answer, from its stage *and* the date.

`operating_status()` is the only place that decides. The register (page, list, API, CSV and
JSON downloads), the certificate check (`/verify/`, its API and `verify_certificate`), the firm's
own pages and the admin all ask it, so they cannot disagree — not even in the minutes between
midnight and the deadline sweep that records a licence's expiry (`firm_expire_licence`).

A licence is in force to the end of its `expires_on` day in the regulator's time zone
(settings.TIME_ZONE, Asia/Karachi): on the day after, a licensed or suspended firm's licence has
expired and the firm may not operate, whether or not the sweep has run yet. (Renewal is not
built yet; when it is, a renewal under consideration is what will keep a licence in force.)

Lists read the firm's stage and its latest licence's expiry date in their one query and pass
them here; `operating_status_sql()` is the same rule for the register page PostgreSQL renders
as JSON (json_page.py), checked against this function by tests/test_operating_status.py.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from licensing.models.authorisations import LicenceStatus
from licensing.models.firms import NOT_PERMITTED_TO_OPERATE, FirmStage
from portal.businessdays.calendar import end_of
from portal.dates import local_today, long_date

PERMITTED = "permitted"
AML_SERVICES_ONLY = "aml_services_only"
NOT_PERMITTED = "not_permitted"
EXPIRED = "expired"
CODES = (PERMITTED, AML_SERVICES_ONLY, NOT_PERMITTED, EXPIRED)

# Stages in which the firm holds a licence that is in force until its expiry date.
LICENCE_STAGES = (FirmStage.LICENSED, FirmStage.SUSPENDED)
# Licence statuses that end by themselves when the expiry date passes.
EXPIRING_LICENCE_STATUSES = (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)

_LABELS = {
    PERMITTED: gettext_lazy("Yes, within its licence"),
    AML_SERVICES_ONLY: gettext_lazy("Only AML-registered services"),
    NOT_PERMITTED: gettext_lazy("No — not permitted to operate"),
    EXPIRED: gettext_lazy("No — its licence has expired"),
}

_REASONS = {
    FirmStage.APPLICANT: gettext_lazy(
        "It has applied to the regulator. An application is not a licence: the firm may not offer "
        "virtual-asset services."
    ),
    FirmStage.NOC_HOLDER: gettext_lazy(
        "It holds a No Objection Certificate (NOC). A NOC is a preliminary clearance, not an "
        "operating licence: the firm may not offer virtual-asset services."
    ),
    FirmStage.SUSPENDED: gettext_lazy(
        "Its licence is suspended: it may not carry on virtual-asset activity while the suspension lasts."
    ),
    FirmStage.NOC_LAPSED: gettext_lazy(
        "Its NOC lapsed before it obtained a licence. It holds no authorisation."
    ),
    FirmStage.REFUSED: gettext_lazy("Its application was refused. It holds no authorisation."),
    FirmStage.REVOKED: gettext_lazy("Its licence was revoked. It holds no authorisation."),
    FirmStage.SURRENDERED: gettext_lazy("It surrendered its licence. It holds no authorisation."),
}


@dataclass(frozen=True)
class OperatingStatus:
    code: str  # one of CODES
    permitted: bool  # may the firm carry on virtual-asset activity at all (fully or AML services)
    stage: str  # the stage the firm is in on the day: `expired` once its licence has expired
    licence_expires_on: datetime.date | None

    @property
    def label(self) -> str:
        """A short answer to "May it operate?"."""
        if self.code == EXPIRED and self.licence_expires_on is not None:
            return _("No — its licence expired on %(date)s") % {"date": long_date(self.licence_expires_on)}
        return str(_LABELS[self.code])

    @property
    def reason(self) -> str:
        """Why, in a sentence (empty for a licensed firm)."""
        if self.code == EXPIRED:
            if self.licence_expires_on is None:
                return _("Its licence has expired and was not renewed. It holds no authorisation.")
            return _("Its licence expired on %(date)s and was not renewed. It holds no authorisation.") % {
                "date": long_date(self.licence_expires_on)
            }
        if self.code == AML_SERVICES_ONLY:
            return _(
                "The firm is registered with the national AML system and may offer only its registered "
                "services until it is licensed."
            )
        return str(_REASONS.get(self.stage, ""))

    def stage_since(self, recorded_stage: str, stage_changed_at: datetime.datetime) -> datetime.datetime:
        """When the firm entered `self.stage`, given the stage recorded on it and since when: the
        end of the licence's last day for a licence that expired before the sweep recorded it."""
        if self.stage != recorded_stage and self.licence_expires_on is not None:
            return end_of(self.licence_expires_on).astimezone(datetime.UTC)  # as read from the database
        return stage_changed_at


def licence_expired(expires_on: datetime.date | None, *, on: datetime.date | None = None) -> bool:
    """Has a licence expiring on `expires_on` expired on `on` (today by default)?"""
    return expires_on is not None and expires_on < (on or local_today())


def licence_status_on(status: str, expires_on: datetime.date, *, on: datetime.date | None = None) -> str:
    """A licence's status on a day: an active or suspended licence past its expiry is expired."""
    if status in EXPIRING_LICENCE_STATUSES and licence_expired(expires_on, on=on):
        return LicenceStatus.EXPIRED
    return status


def operating_status(
    stage: str, *, licence_expires_on: datetime.date | None = None, on: datetime.date | None = None
) -> OperatingStatus:
    """The firm's operating status on `on` (today in the regulator's time zone by default), from
    its stage and the expiry date of its latest licence (None when it never had one)."""
    expired = stage == FirmStage.EXPIRED or (
        stage in LICENCE_STAGES and licence_expired(licence_expires_on, on=on)
    )
    if expired:
        return OperatingStatus(EXPIRED, False, FirmStage.EXPIRED, licence_expires_on)
    if stage == FirmStage.AML_REGISTERED:
        return OperatingStatus(AML_SERVICES_ONLY, True, stage, licence_expires_on)
    if stage in NOT_PERMITTED_TO_OPERATE:
        return OperatingStatus(NOT_PERMITTED, False, stage, licence_expires_on)
    return OperatingStatus(PERMITTED, True, stage, licence_expires_on)


def licence_expiry_subquery():
    """Per firm row: the expiry date of its latest licence, a correlated subquery to annotate a
    Firm queryset with as `licence_expires_on` (the register's lists and the admin do)."""
    from django.db.models import OuterRef, Subquery

    from licensing.models import Licence

    return Subquery(
        Licence.objects.filter(firm_id=OuterRef("pk")).order_by("-issued_on", "-pk").values("expires_on")[:1]
    )


def latest_licence_expiry(firm) -> datetime.date | None:
    """The expiry date of the firm's latest licence (what operating_status() reads): from the
    `licence_expires_on` annotation or the register's prefetched licences when there, else one
    query."""
    if hasattr(firm, "licence_expires_on"):
        return firm.licence_expires_on
    licences = getattr(firm, "public_licences", None)
    if licences is not None:
        return licences[0].expires_on if licences else None
    from licensing.models import Licence

    return (
        Licence.objects.filter(firm_id=firm.pk)
        .order_by("-issued_on", "-pk")
        .values_list("expires_on", flat=True)
        .first()
    )


def firm_operating_status(firm, *, on: datetime.date | None = None) -> OperatingStatus:
    """operating_status() of a Firm instance (one query for its licence unless prefetched)."""
    expires_on = latest_licence_expiry(firm) if firm.stage in (*LICENCE_STAGES, FirmStage.EXPIRED) else None
    return operating_status(firm.stage, licence_expires_on=expires_on, on=on)


def operating_status_sql(stage: str, licence_expires_on: str, day) -> tuple[str, list, str, list]:
    """operating_status() in SQL, for rows the database builds: (code SQL, its parameters, stage
    SQL, its parameters), given the SQL of the firm's stage and of its latest licence's expiry
    date, and the day (a value, or a placeholder the caller replaces when it runs the query)."""
    licence_stages = ", ".join(["%s"] * len(LICENCE_STAGES))
    not_permitted = sorted(NOT_PERMITTED_TO_OPERATE)
    expired = (
        f"({stage} = %s OR ({stage} IN ({licence_stages}) AND {licence_expires_on} IS NOT NULL "
        f"AND {licence_expires_on} < %s))"
    )
    expired_params = [FirmStage.EXPIRED, *LICENCE_STAGES, day]
    code = (
        f"CASE WHEN {expired} THEN %s WHEN {stage} = %s THEN %s "
        f"WHEN {stage} IN ({', '.join(['%s'] * len(not_permitted))}) THEN %s ELSE %s END"
    )
    code_params = [
        *expired_params,
        EXPIRED,
        FirmStage.AML_REGISTERED,
        AML_SERVICES_ONLY,
        *not_permitted,
        NOT_PERMITTED,
        PERMITTED,
    ]
    stage_sql = f"CASE WHEN {expired} THEN %s ELSE {stage} END"
    return code, code_params, stage_sql, [*expired_params, FirmStage.EXPIRED]
