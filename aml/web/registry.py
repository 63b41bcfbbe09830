"""The AML registry's reads: every firm with its AML registration, filtered and searched,
for the staff page and the CSV export sent to the Financial Monitoring Unit (FMU).

One query for the firms (their registration joined, the open-alert count as a subquery) and
one for the registered services, whatever the number of rows. Open screening alerts are
counted only for people allowed to see them (aml.view_screeningalert); for anyone else the
column is left out of the query, the page and the file.
"""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from aml.models import AlertStatus, AmlStatus, ScreeningAlert
from licensing.models import Firm

ALERTS_PERMISSION = "aml.view_screeningalert"


def may_see_alerts(user) -> bool:
    return user.has_perm(ALERTS_PERMISSION)


def registry_firms(*, status="", stage="", alerts="", q="", with_alerts=False):
    """Firms with their registration (or none), ordered by name, filtered as asked."""
    firms = (
        Firm.objects.select_related("aml_registration", "aml_registration__verified_by")
        .prefetch_related("aml_registration__registered_services")
        .order_by("legal_name", "pk")
    )
    if with_alerts:
        open_alerts = (
            ScreeningAlert.objects.filter(firm=OuterRef("pk"), status=AlertStatus.OPEN)
            .order_by()
            .values("firm")
            .annotate(n=Count("pk"))
            .values("n")
        )
        firms = firms.annotate(
            open_alerts=Coalesce(Subquery(open_alerts, output_field=IntegerField()), Value(0))
        )
        if alerts == "yes":
            firms = firms.filter(open_alerts__gt=0)
        elif alerts == "no":
            firms = firms.filter(open_alerts=0)
    if status == AmlStatus.NOT_STARTED:
        firms = firms.filter(
            Q(aml_registration__isnull=True) | Q(aml_registration__status=AmlStatus.NOT_STARTED)
        )
    elif status:
        firms = firms.filter(aml_registration__status=status)
    if stage:
        firms = firms.filter(stage=stage)
    q = (q or "").strip()
    if q:
        firms = firms.filter(
            Q(legal_name__icontains=q)
            | Q(reference_number__icontains=q)
            | Q(lei__icontains=q)
            | Q(aml_registration__goaml_org_id__icontains=q)
            | Q(aml_registration__mlro_name__icontains=q)
            | Q(aml_registration__mlro_email__icontains=q)
            | Q(aml_registration__compliance_officer_name__icontains=q)
            | Q(aml_registration__compliance_officer_email__icontains=q)
        )
    return firms


@dataclass
class RegistryRow:
    firm: Firm
    registration: object  # AmlRegistration or None
    open_alerts: int | None

    @property
    def status(self) -> str:
        return self.registration.status if self.registration else AmlStatus.NOT_STARTED

    @property
    def status_label(self) -> str:
        return AmlStatus(self.status).label

    @property
    def services(self) -> list:
        if self.registration is None or self.registration.status != AmlStatus.REGISTERED:
            return []
        return list(self.registration.registered_services.all())


def registry_rows(firms, *, with_alerts: bool) -> list[RegistryRow]:
    return [
        RegistryRow(
            firm=firm,
            registration=getattr(firm, "aml_registration", None),
            open_alerts=firm.open_alerts if with_alerts else None,
        )
        for firm in firms
    ]


# --- The CSV file for the FMU.

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value) -> str:
    """A cell no spreadsheet will run as a formula (OWASP: CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _date(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()
    return value.isoformat()


def csv_rows(firms, *, with_alerts: bool):
    """The header, then one row per firm; every cell already made safe."""
    header = [
        _("Firm"),
        _("Regulator reference"),
        _("LEI"),
        _("Authorisation stage"),
        _("AML registration status"),
        _("goAML organisation ID"),
        _("goAML registration date"),
        _("Compliance Officer"),
        _("Compliance Officer email"),
        _("MLRO"),
        _("MLRO email"),
        _("AML-registered services"),
        _("Last submitted"),
        _("Last verified"),
    ]
    if with_alerts:
        header.append(_("Open screening alerts"))
    yield [csv_safe(cell) for cell in header]
    for firm in firms.iterator(chunk_size=500):
        row = registry_rows([firm], with_alerts=with_alerts)[0]
        reg = row.registration
        cells = [
            firm.legal_name,
            firm.reference_number or "",
            firm.lei or "",
            firm.get_stage_display(),
            row.status_label,
            reg.goaml_org_id if reg else "",
            _date(reg.goaml_registered_on) if reg else "",
            reg.compliance_officer_name if reg else "",
            reg.compliance_officer_email if reg else "",
            reg.mlro_name if reg else "",
            reg.mlro_email if reg else "",
            "; ".join(s.name for s in row.services),
            _date(reg.submitted_at) if reg else "",
            _date(reg.verified_at) if reg else "",
        ]
        if with_alerts:
            cells.append(row.open_alerts)
        yield [csv_safe(cell) for cell in cells]
