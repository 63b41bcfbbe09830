"""A certificate's current status, computed from its NOC or licence now (never stored).

A licence's expiry is licensing.operating's rule (licence_status_on), the one the register
uses, so /verify/ and the register cannot disagree about whether a licence is in force; the
verify page and API also show the firm's operating status from licensing.operating."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from licensing.models.authorisations import LicenceStatus, NocStatus
from licensing.operating import OperatingStatus, firm_operating_status, licence_status_on
from portal.dates import local_today, long_date

from .models import CertificateKind

VALID = "valid"


@dataclass(frozen=True)
class CurrentStatus:
    code: str  # valid, expired, noc_lapsed, superseded, ended, suspended, revoked, surrendered
    label: str
    explanation: str

    @property
    def is_valid(self) -> bool:
        return self.code == VALID


def current_status(certificate, *, today=None) -> CurrentStatus:
    today = today or local_today()
    subject = certificate.subject
    if certificate.kind == CertificateKind.NOC:
        return _noc_status(subject, today)
    return _licence_status(subject, today)


def _noc_status(noc, today) -> CurrentStatus:
    if noc.status == NocStatus.ACTIVE and noc.expires_on >= today:
        return CurrentStatus(
            VALID,
            _("Valid NOC — not an operating licence"),
            _(
                "This No Objection Certificate is in force until %(date)s. It is a preliminary "
                "clearance only: it does not permit the firm to operate."
            )
            % {"date": long_date(noc.expires_on)},
        )
    if noc.status == NocStatus.SUPERSEDED:
        return CurrentStatus(
            "superseded",
            _("Superseded by a licence"),
            _("This NOC was replaced by a full licence. Check the firm's licence certificate."),
        )
    if noc.status == NocStatus.LAPSED or (noc.status == NocStatus.ACTIVE and noc.expires_on < today):
        return CurrentStatus(
            "noc_lapsed",
            _("NOC lapsed"),
            _("This NOC is no longer in force: it lapsed on or before %(date)s.")
            % {"date": long_date(noc.expires_on)},
        )
    return CurrentStatus("ended", _("NOC ended"), _("This NOC is no longer in force."))


def _licence_status(licence, today) -> CurrentStatus:
    status = licence_status_on(licence.status, licence.expires_on, on=today)
    if status == LicenceStatus.ACTIVE:
        return CurrentStatus(
            VALID,
            _("Valid licence"),
            _("This licence is in force until %(date)s.") % {"date": long_date(licence.expires_on)},
        )
    texts = {
        LicenceStatus.SUSPENDED: (
            _("Licence suspended"),
            _("This licence is suspended: the firm may not carry on the activities while it lasts."),
        ),
        LicenceStatus.REVOKED: (
            _("Licence revoked"),
            _("This licence was revoked by the regulator. The firm is not permitted to operate."),
        ),
        LicenceStatus.SURRENDERED: (
            _("Licence surrendered"),
            _("The firm surrendered this licence. It is no longer permitted to operate under it."),
        ),
        LicenceStatus.EXPIRED: (
            _("Licence expired"),
            _("This licence expired on %(date)s.") % {"date": long_date(licence.expires_on)},
        ),
    }
    label, explanation = texts[status]
    return CurrentStatus(str(status), label, explanation)


def firm_status(certificate, *, today=None) -> OperatingStatus:
    """Whether the certificate's firm may operate today (licensing.operating, as the register)."""
    return firm_operating_status(certificate.firm, on=today or local_today())
