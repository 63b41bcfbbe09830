from licensing.models.agreements import Agreement, AgreementExtension, AgreementStatus
from licensing.models.applications import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    InformationRequest,
    InformationRequestStatus,
    Recommendation,
)
from licensing.models.authorisations import Licence, Noc
from licensing.models.calls import Call
from licensing.models.change_requests import ChangeRequestKind, ChangeRequestStatus, FirmChangeRequest
from licensing.models.documents import Document, DocumentType
from licensing.models.firms import (
    Firm,
    FirmMembership,
    FirmRole,
    FirmStage,
    FirmStageChange,
    ForeignLicence,
    Invitation,
)
from licensing.models.people import BeneficialOwner, KeyIndividual, KeyRole
from licensing.models.reference import Activity, Counter

__all__ = [
    "Activity",
    "Agreement",
    "AgreementExtension",
    "AgreementStatus",
    "Application",
    "ApplicationKind",
    "ApplicationStatus",
    "BeneficialOwner",
    "Call",
    "Counter",
    "Decision",
    "Document",
    "DocumentType",
    "ForeignLicence",
    "ChangeRequestKind",
    "ChangeRequestStatus",
    "Firm",
    "FirmChangeRequest",
    "FirmMembership",
    "FirmRole",
    "FirmStage",
    "FirmStageChange",
    "InformationRequest",
    "InformationRequestStatus",
    "Invitation",
    "KeyIndividual",
    "KeyRole",
    "Licence",
    "Noc",
    "Recommendation",
]
