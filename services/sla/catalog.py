"""Every version of the policies and calendars a clock may have started under, and which is active.

A running clock keeps counting in the calendar version it started with, so versions are never
forgotten; reusing a version number for different content is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from runtime.yaml_files import parse_data, parse_with_data
from services.sla.calendar import ELAPSED, Calendar, build_week, parse_span
from services.sla.policy import Policy
from services.sla.tenants import Tenants

HERE = Path(__file__).resolve().parent
DEFAULT_POLICY_DIR = HERE / "policies"
DEFAULT_POLICY_FILE = DEFAULT_POLICY_DIR / "default.yaml"
DEFAULT_CALENDAR_DIR = HERE / "calendars"
DEFAULT_TENANTS_FILE = HERE / "tenants.yaml"


class VersionReused(ValueError):
    """A policy or calendar changed but kept its version number."""


class CalendarSource(BaseModel):
    """Where a generated calendar's days come from: a library release and the years asked for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    library: str
    version: str
    country: str | None = None
    subdivision: str | None = None
    requested: tuple[int, int]


class CalendarFile(BaseModel):
    """A business calendar as declared in YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    timezone: str
    week: dict[str, list[str]]
    holidays: list[date] = []
    extra_working_days: list[date] = Field([], description="Weekend days worked (调休)")
    extra_day_hours: list[str] = ["09:00-18:00"]
    covers: tuple[int, int] | None = Field(
        None, description="The years [first, last] whose holidays the file lists completely"
    )
    source: CalendarSource | None = Field(None, description="What the file was generated from")

    @model_validator(mode="after")
    def check_covers(self) -> CalendarFile:
        if self.covers is None:
            return self
        first, last = self.covers
        if first > last:
            raise ValueError(f"covers {list(self.covers)}: the first year comes after the last")
        outside = sorted({d.year for d in (*self.holidays, *self.extra_working_days)}
                         - set(range(first, last + 1)))
        if outside:
            raise ValueError(f"lists days of {outside}, outside the years it covers")
        return self

    def covered_years(self) -> tuple[int, int] | None:
        """The declared years; a file from before `covers` covers the years its days span."""
        if self.covers is not None:
            return self.covers
        years = {d.year for d in (*self.holidays, *self.extra_working_days)}
        return (min(years), max(years)) if years else None

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    def build(self) -> Calendar:
        return Calendar(
            calendar_id=self.id, version=self.version, timezone=self.timezone,
            week=build_week(self.week), holidays=frozenset(self.holidays),
            extra_working_days=frozenset(self.extra_working_days),
            extra_day_hours=tuple(sorted(parse_span(s) for s in self.extra_day_hours)),
            covers=self.covered_years(),
        )


def digest(document: Mapping[str, Any]) -> str:
    """Content hash of a parsed document, independent of key order and formatting."""
    canonical = json.dumps(document, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_yaml(path: Path, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """A YAML mapping from a file, in JSON types, validated by `model` when one is given (a
    mistake is a ConfigFileError naming its line and field)."""
    content = path.read_bytes()
    if model is None:
        data = parse_data(content, path.name)[1]
    else:
        data = parse_with_data(content, path.name, model)[1]
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top")
    # As JSON (dates become ISO strings) so the document can be stored as it was read.
    return json.loads(json.dumps(data, default=str))


@dataclass(frozen=True)
class Document:
    """A policy or calendar as read, with its content hash (kept in the event store)."""

    kind: str  # "policy", "calendar" or "tenants"
    doc_id: str
    version: str
    content: dict[str, Any]
    sha256: str


def policy_document(data: dict[str, Any]) -> Document:
    policy = Policy.model_validate(data)
    return Document("policy", policy.policy_id, policy.version, data, digest(data))


def calendar_document(data: dict[str, Any]) -> Document:
    calendar = CalendarFile.model_validate(data)
    return Document("calendar", calendar.id, calendar.version, data, digest(data))


def tenants_document(data: dict[str, Any]) -> Document:
    tenants = Tenants.model_validate(data)
    return Document("tenants", "tenants", tenants.version, data, digest(data))


def read_documents(policy_file: Path, calendar_dirs: Iterable[Path],
                   tenants_file: Path | None = DEFAULT_TENANTS_FILE,
                   policy_dir: Path | None = None) -> list[Document]:
    """Validated documents of the default policy file (first), the other policy files of
    `policy_dir` (tenants' own policies), the calendar files (*.yaml) of directories and the
    tenants file."""
    default = policy_document(read_yaml(policy_file, Policy))
    documents = [default]
    if policy_dir is not None and policy_dir.is_dir():
        # The default policy is SLA_POLICY_FILE's, wherever it lies: a file of the folder with
        # the same policy id (e.g. the shipped default beside a deployment's copy) gives way.
        others = (policy_document(read_yaml(p, Policy)) for p in sorted(policy_dir.glob("*.yaml"))
                  if p.resolve() != policy_file.resolve())
        documents += [d for d in others if d.doc_id != default.doc_id]
    for directory in calendar_dirs:
        documents += [calendar_document(read_yaml(p, CalendarFile))
                      for p in sorted(directory.glob("*.yaml"))]
    if tenants_file is not None:
        documents.append(tenants_document(read_yaml(tenants_file, Tenants)))
    return documents


@dataclass
class Catalog:
    """Known versions by (id, version) and which one of each is in force."""

    policies: dict[tuple[str, str], Policy] = field(default_factory=dict)
    calendars: dict[tuple[str, str], Calendar] = field(default_factory=dict)
    digests: dict[tuple[str, str, str], str] = field(default_factory=dict)
    active_policy_key: tuple[str, str] | None = None  # the default: tenants without their own
    active_policies: dict[str, str] = field(default_factory=dict)  # policy id -> version
    active_calendars: dict[str, str] = field(default_factory=lambda: {"24x7": "1"})
    # Who the tenants are (jurisdiction, industry), as the tenants file in force declares.
    tenants: Tenants = field(default_factory=Tenants)
    tenant_versions: dict[str, Tenants] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.calendars.setdefault(("24x7", "1"), ELAPSED)

    def remember(self, document: Document) -> bool:
        """Keep a version; True if it is new. The same version with other content is refused."""
        key = (document.kind, document.doc_id, document.version)
        known = self.digests.get(key)
        if known is not None:
            if known != document.sha256:
                raise VersionReused(
                    f"{document.kind} {document.doc_id!r} version {document.version!r} was "
                    "changed without a new version number"
                )
            return False
        self.digests[key] = document.sha256
        if document.kind == "policy":
            self.policies[document.doc_id, document.version] = Policy.model_validate(
                document.content
            )
        elif document.kind == "tenants":
            self.tenant_versions[document.version] = Tenants.model_validate(document.content)
        else:
            calendar = CalendarFile.model_validate(document.content).build()
            self.calendars[calendar.calendar_id, calendar.version] = calendar
        return True

    def activate(self, documents: list[Document]) -> None:
        """Put these versions in force (all remembered first): the first policy is the default,
        the others are tenants' own; every policy's calendars and every policy a tenant names
        must exist."""
        for document in documents:
            self.remember(document)
        policies = [d for d in documents if d.kind == "policy"]
        ids = [d.doc_id for d in policies]
        if not policies or len(set(ids)) != len(ids):
            raise ValueError(f"expected one file per policy id, got {ids}")
        calendars = dict(self.active_calendars)
        calendars.update({d.doc_id: d.version for d in documents if d.kind == "calendar"})
        for policy in policies:
            missing = self.policies[policy.doc_id, policy.version].calendars() - set(calendars)
            if missing:
                raise ValueError(
                    f"policy {policy.doc_id!r} names unknown calendars {sorted(missing)}")
        tenants = next((self.tenant_versions[d.version] for d in documents
                        if d.kind == "tenants"), self.tenants)
        for name, profile in tenants.tenants.items():
            if profile.policy is not None and profile.policy not in ids:
                raise ValueError(f"tenant {name!r} names policy {profile.policy!r}, which no "
                                 f"policy file declares (known: {', '.join(sorted(ids))})")
        self.active_policy_key = (policies[0].doc_id, policies[0].version)
        self.active_policies = {d.doc_id: d.version for d in policies}
        self.active_calendars = calendars
        self.tenants = tenants

    def active_policy(self, tenant: str | None = None) -> Policy:
        """The policy new clocks of `tenant` start under: its own if the tenants file names
        one, else the default."""
        if self.active_policy_key is None:
            raise LookupError("no policy is active")
        profile = self.tenants.profile(tenant) if tenant else None
        if profile is not None and profile.policy is not None:
            return self.policies[profile.policy, self.active_policies[profile.policy]]
        return self.policies[self.active_policy_key]

    def policy(self, policy_id: str, version: str) -> Policy:
        return self.policies[policy_id, version]

    def calendar(self, calendar_id: str, version: str | None = None) -> Calendar:
        """A calendar version; without a version, the one in force."""
        return self.calendars[calendar_id, version or self.active_calendars[calendar_id]]

    def counting(self, calendar_id: str, version: str, business_time: bool) -> Calendar:
        """The calendar a clock counts its time in: its own, or plain elapsed time."""
        return self.calendar(calendar_id, version) if business_time else ELAPSED


def load_catalog(policy_file: Path, calendar_dirs: Iterable[Path],
                 tenants_file: Path | None = DEFAULT_TENANTS_FILE,
                 policy_dir: Path | None = None) -> Catalog:
    """A catalog with the files' versions in force (used by tools; the service adds history)."""
    catalog = Catalog()
    catalog.activate(read_documents(policy_file, calendar_dirs, tenants_file, policy_dir))
    return catalog
