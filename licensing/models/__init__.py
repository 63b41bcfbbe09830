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
from licensing.models.firms import Firm, FirmMembership, FirmRole, FirmStage, FirmStageChange
from licensing.models.reference import Activity, Counter

__all__ = [
    "Activity",
    "Application",
    "ApplicationKind",
    "ApplicationStatus",
    "Counter",
    "Decision",
    "Firm",
    "FirmMembership",
    "FirmRole",
    "FirmStage",
    "FirmStageChange",
    "InformationRequest",
    "InformationRequestStatus",
    "Licence",
    "Noc",
    "Recommendation",
]
