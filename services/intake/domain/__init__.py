"""Intake's pure domain: the complaint as intake records it (complaint), the submission a channel
hands over (submission), the index that makes filing idempotent (submission_key) and a
customer's erasures (erasure). No I/O.

The aggregates are stored under this package's name (services.intake.domain:Complaint.Received,
see stored.py): the names below are how those topics resolve.
"""

from services.intake.domain.complaint import (
    UNDETERMINED,
    AlreadyUnderstood,
    Complaint,
    NotClassified,
    NotHistorical,
    Understood,
)
from services.intake.domain.erasure import AlreadyErased, ErasureReason, PersonalData
from services.intake.domain.submission import (
    CUSTOMER_ID,
    DETAIL_LIMITS,
    MAX_TEXT_LENGTH,
    Customer,
    History,
    Submission,
)
from services.intake.domain.submission_key import SubmissionKey

__all__ = [
    "CUSTOMER_ID", "DETAIL_LIMITS", "MAX_TEXT_LENGTH", "UNDETERMINED", "AlreadyErased",
    "AlreadyUnderstood", "Complaint", "Customer", "ErasureReason", "History", "NotClassified",
    "NotHistorical", "PersonalData", "Submission", "SubmissionKey", "Understood",
]
