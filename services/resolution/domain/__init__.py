"""Resolution's pure domain: the case aggregate, split by concept, and its policies."""

from services.resolution.domain.case import Case, CaseStatus

__all__ = ["Case", "CaseStatus"]
