"""Issuing certificates. Called after a grant commits (transaction.on_commit in
licensing.services.applications), and by `manage.py issue_certificates` for any grant whose
certificate is missing. Issuing is idempotent: one certificate per NOC or licence."""

import logging
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from licensing.models import Licence, Noc
from portal.audit.chain import record

from . import pdf, signing
from .models import Certificate, CertificateKind

log = logging.getLogger(__name__)

# No 0/O, 1/I/L, U/V: a code read aloud or typed from paper cannot be mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 10
# The signed payload is in English (the language of record); the verify page and the PDF
# show these texts in Urdu too, so they are in the catalogue (ADR 0010).
NOC_NOTICE = gettext_noop(
    "NOT AN OPERATING LICENCE. A NOC is a preliminary clearance: it does not permit the firm to operate."
)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed (any case, spaces or dashes) as a stored code."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def verify_url(code: str) -> str:
    return settings.PORTAL_SITE_URL.rstrip("/") + reverse("certificate_verify", args=[code])


def build_payload(*, kind: str, subject, code: str) -> dict:
    firm = subject.firm
    if kind == CertificateKind.NOC:
        activities = subject.application.activities.order_by("name")
        title = gettext_noop("No Objection Certificate (NOC)")
        activities_label = gettext_noop("Proposed activities (not permitted under a NOC)")
    else:
        activities = subject.permitted_activities.order_by("name")
        title = gettext_noop("Licence to carry on virtual-asset activities")
        activities_label = gettext_noop("Permitted activities")
    payload = {
        "version": 1,
        "algorithm": signing.ALGORITHM,
        "kind": kind,
        "title": title,
        "code": code,
        "number": subject.number,
        "regulator": settings.PORTAL_REGULATOR_NAME,
        "firm": {
            "legal_name": firm.legal_name,
            "reference_number": firm.reference_number or "",
            "lei": firm.lei or "",
        },
        "activities_label": activities_label,
        "activities": [{"code": a.code, "name": a.name} for a in activities],
        "conditions": subject.conditions or "",
        "issued_on": subject.issued_on.isoformat(),
        "expires_on": subject.expires_on.isoformat(),
        "operating_licence": kind == CertificateKind.LICENCE,
        "signed_at": timezone.now().replace(microsecond=0).isoformat(),
    }
    if kind == CertificateKind.NOC:
        payload["notice"] = NOC_NOTICE
    return payload


@transaction.atomic
def certificate_issue(*, noc_id: int | None = None, licence_id: int | None = None) -> Certificate:
    """The certificate of a NOC or a licence, made (signed, rendered, stored) if missing."""
    if (noc_id is None) == (licence_id is None):
        raise ValueError("pass exactly one of noc_id and licence_id")
    if noc_id is not None:
        kind, subject = (
            CertificateKind.NOC,
            Noc.objects.select_for_update().select_related("firm").get(pk=noc_id),
        )
        existing = Certificate.objects.filter(noc_id=noc_id).first()
    else:
        kind = CertificateKind.LICENCE
        subject = Licence.objects.select_for_update().select_related("firm").get(pk=licence_id)
        existing = Certificate.objects.filter(licence_id=licence_id).first()
    if existing is not None:
        return existing
    code = new_code()
    while Certificate.objects.filter(code=code).exists():  # 29^10 codes: practically never
        code = new_code()
    payload = build_payload(kind=kind, subject=subject, code=code)
    signature, key_id = signing.sign(payload)
    certificate = Certificate(
        kind=kind,
        code=code,
        firm=subject.firm,
        noc=subject if kind == CertificateKind.NOC else None,
        licence=subject if kind == CertificateKind.LICENCE else None,
        number=subject.number,
        payload=payload,
        signature=signature,
        key_id=key_id,
    )
    document = pdf.render(
        payload,
        verify_url=verify_url(code),
        display_code=certificate.display_code,
        signature=signature,
        key_id=key_id,
    )
    certificate.pdf.save(f"{code}.pdf", ContentFile(document), save=False)
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        certificate.pdf.storage.delete(certificate.pdf.name)
        raise
    record(
        actor=None,
        action="certificate.issue",
        obj=certificate,
        details={"kind": kind, "number": subject.number, "code": code, "key_id": key_id},
    )
    return certificate


def issue_after_commit(*, noc_id: int | None = None, licence_id: int | None = None) -> None:
    """For transaction.on_commit: the grant stands even if rendering fails; the failure is
    logged and `manage.py issue_certificates` makes the missing certificate later."""
    try:
        certificate_issue(noc_id=noc_id, licence_id=licence_id)
    except Exception:  # noqa: BLE001 - never undo or break a committed grant
        log.exception("Could not issue the certificate of noc=%s licence=%s", noc_id, licence_id)


def signed_data_ok(certificate: Certificate) -> bool:
    """Does the stored payload still match its signature, by the key it names (the current
    key or a retired one)? False for a key the portal does not know."""
    key = signing.public_key_for(certificate.key_id)
    if key is None:
        return False
    return signing.verify(certificate.payload, certificate.signature, key)
