"""Resolution's settings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr

from runtime.settings import Settings

PACKAGE = Path(__file__).resolve().parent


class ResolutionSettings(Settings):
    """Environment of the resolution service."""

    service: str = "resolution"
    http_port: int = 8004
    # The deployment's own tenant's (TENANT) approval policy.
    approval_policy_file: Path = PACKAGE / "approval_policy.yaml"
    # Every other tenant: one folder per tenant holding its approval_policy.yaml. Missing: the
    # deployment's TENANT alone has approvers; another tenant's proposals are refused.
    resolution_tenants_dir: Path = PACKAGE / "tenants"
    solutions_file: Path = PACKAGE / "solutions.yaml"
    root_causes_file: Path = PACKAGE / "root_causes.yaml"
    evidence_max_bytes: int = 25 * 1024 * 1024
    # The request body limit of every route (runtime.auth) must let an evidence file through.
    max_body_bytes: int = 25 * 1024 * 1024 + 64 * 1024
    survey_ttl_hours: float = 7 * 24
    survey_base_url: str = "http://127.0.0.1:8004/v1/surveys"
    # Survey links are derived from the survey's id with this key; unset: a key in DATA_DIR.
    survey_secret: SecretStr | None = None
    # Intake's tracking tokens open the customer's progress here: the same TRACKING_SECRET
    # (unset: intake's key file in the shared DATA_DIR, one machine only).
    tracking_secret: SecretStr | None = None
    reopen_window_days: float = 30
    auto_close_silence_hours: float = 7 * 24
    auto_close_interval_s: float = 60
    # The survey goes out by itself this long after the resolution notice.
    survey_delay_hours: float = Field(24, ge=0)
    # A low answer (CSAT or NPS at most these) opens a follow-up (回访) due in FOLLOW_UP_DUE_HOURS.
    survey_low_csat_max: int = Field(2, ge=0, le=5)
    survey_low_nps_max: int = Field(6, ge=-1, le=10)
    follow_up_due_hours: float = Field(24, gt=0)
    # How often overdue tasks and due surveys are looked for (on the replica with the lease).
    due_work_interval_s: float = Field(60, gt=0)

    @property
    def evidence_dir(self) -> Path:
        """The content-addressed evidence store of this service."""
        return self.data_dir / "evidence" / self.service

    @property
    def auto_close_silence(self) -> timedelta:
        return timedelta(hours=self.auto_close_silence_hours)
