"""The typed settings object: built once at start-up from the YAML file and the environment.

Secrets are never values in the file: a :class:`SecretRef` setting says where one lives
(``{env: NAME}`` or ``{file: PATH}``); :mod:`config.secrets` resolves it when needed.
:func:`config.load_settings` is how the service builds a :class:`Settings`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.messages import GmailMailSettings, GraphMailSettings, SchoolMessageSettings
from config.zones import TimeZoneName

ENV_PREFIX = "CLASSPULSE__"
ENV_DELIMITER = "__"

# The sources :func:`config.load_settings` built for the current load (file, environment).
# Outside a load, ``Settings(...)`` uses only its keyword arguments, so code and tests that
# build one directly never pick up stray CLASSPULSE__* variables.
_load_sources: ContextVar[tuple[PydanticBaseSettingsSource, ...] | None] = ContextVar(
    "classpulse_load_sources", default=None
)


@contextmanager
def loading_from(*sources: PydanticBaseSettingsSource) -> Iterator[None]:
    """Within the block, ``Settings()`` reads ``sources`` (highest priority first)."""
    token = _load_sources.set(sources)
    try:
        yield
    finally:
        _load_sources.reset(token)


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a policy knob must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# Settings modules of each area subclass Strict, so they are imported after it.
from config.calendar import CalendarSettings  # noqa: E402
from config.digest import DigestSchedule, ParentNoteSettings, TrustDigestSettings  # noqa: E402
from config.engagement import R3Settings, R4Settings  # noqa: E402
from config.retention import RetentionSettings  # noqa: E402
from config.rules import R2Settings  # noqa: E402
from config.service import ScheduleSettings, ServerSettings  # noqa: E402


class PlatformName(StrEnum):
    GOOGLE = "google"
    MICROSOFT = "microsoft"


class ClassMode(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    EXEMPT = "exempt"


class SecretRef(Strict):
    """Where a secret lives: an environment variable or a file, never the YAML itself."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' or 'file'")
        return self


class DatabaseSettings(Strict):
    url: str = "sqlite:///classpulse.db"


class TrustSettings(Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    digest: TrustDigestSettings = TrustDigestSettings()


class ClassRule(Strict):
    """How R1 treats classes whose name matches ``match`` (first matching rule wins)."""

    match: str = ".*"
    mode: ClassMode = ClassMode.DAILY
    per_week: int = Field(default=1, ge=1, le=10)

    @field_validator("match")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"not a regular expression: {e}") from e
        return v


class R1Settings(Strict):
    cutoff: time = time(16, 0)
    min_items: int = Field(default=1, ge=1)
    counts: list[Literal["assignment", "question", "material", "announcement"]] = [
        "assignment",
        "question",
        "material",
    ]
    # Classes that match no rule are exempt: a school lists what it expects daily.
    classes: list[ClassRule] = [ClassRule()]


class GoogleSchoolSettings(Strict):
    """The Workspace identity the connector impersonates to read this school."""

    admin_email: str


class MicrosoftSchoolSettings(Strict):
    """The Graph educationSchool this school is, if the tenant holds several."""

    school_id: str | None = None


class SchoolSettings(Strict):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    time_zone: TimeZoneName = "Europe/London"
    nation: Literal["england", "wales", "scotland", "northern_ireland"] = "england"
    platform: PlatformName
    google: GoogleSchoolSettings | None = None
    microsoft: MicrosoftSchoolSettings | None = None
    r1: R1Settings = R1Settings()
    r2: R2Settings = R2Settings()
    r3: R3Settings = R3Settings()
    r4: R4Settings = R4Settings()
    calendar: CalendarSettings = CalendarSettings()
    leaders: list[str] = []
    digest: DigestSchedule = DigestSchedule()
    parent_notes: ParentNoteSettings = ParentNoteSettings()
    messages: SchoolMessageSettings = SchoolMessageSettings()


    @model_validator(mode="after")
    def _platform_block(self) -> SchoolSettings:
        if self.platform is PlatformName.GOOGLE and self.google is None:
            raise ValueError("a Google school needs a 'google' block with 'admin_email'")
        return self


class GoogleAuditLogSettings(Strict):
    """Incremental syncs read what changed from the Classroom audit log (Reports API).

    Needs the ``admin.reports.audit.readonly`` scope in the domain-wide delegation and an
    admin with the Reports privilege. ``admin_email``: one admin who sees every school's
    events (the schools are domains of one Workspace customer), read once per sync for the
    whole trust; unset, each school's ``admin_email`` reads its own school's events.
    """

    enabled: bool = False
    admin_email: str | None = None
    # Re-read this far behind the stored cursor: Google lists Classroom log events "near
    # real time (couple of minutes)" after they happen, and warns some come later.
    overlap_minutes: int = Field(default=30, ge=1, le=24 * 60)


class GoogleSettings(Strict):
    endpoint: str = "https://classroom.googleapis.com/"
    # The service-account key (JSON) with domain-wide delegation.
    service_account: SecretRef | None = None
    page_size: int = Field(default=0, ge=0)  # 0: the documented maximum per resource
    concurrency: int = Field(default=8, ge=1, le=64)
    # Whose quota course reads are charged to: the school's admin, or each course's owner
    # (1,200 calls/min per user; more identities approach the project's 3,000/min).
    impersonate: Literal["admin", "teacher"] = "admin"
    audit_log: GoogleAuditLogSettings = GoogleAuditLogSettings()


class MicrosoftSettings(Strict):
    base_url: str = "https://graph.microsoft.com/v1.0"
    authority: str = "https://login.microsoftonline.com"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: SecretRef | None = None
    certificate: SecretRef | None = None
    concurrency: int = Field(default=8, ge=1, le=64)


class FileTransportSettings(Strict):
    directory: Path = Path("outbox")


class SmtpTransportSettings(Strict):
    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str | None = None
    password: SecretRef | None = None
    timeout_s: float = 30.0
    # A CA bundle for a relay whose certificate a private CA signed; default: the system's.
    ca_file: Path | None = None


class EmailSettings(Strict):
    transport: Literal["file", "smtp", "graph", "gmail"] = "file"
    from_address: str = "classpulse@localhost"
    from_name: str = "classpulse"
    file: FileTransportSettings = FileTransportSettings()
    smtp: SmtpTransportSettings = SmtpTransportSettings()
    graph: GraphMailSettings = GraphMailSettings()
    gmail: GmailMailSettings = GmailMailSettings()


class SyncSettings(Strict):
    lookback_days: int = Field(default=21, ge=1, le=365)
    # Incremental syncs read live lessons at most this often (0: on every sync); a full
    # sync always does. Lessons are judged at check times, and every lesson read costs a
    # Calendar and a Meet call per class whether or not anything happened.
    lesson_minutes: int = Field(default=60, ge=0, le=24 * 60)


class Settings(BaseSettings):
    """Everything classpulse is told: a YAML file, overridden by ``CLASSPULSE__A__B`` variables."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        case_sensitive=False,
    )

    database: DatabaseSettings = DatabaseSettings()
    trust: TrustSettings
    schools: list[SchoolSettings] = Field(min_length=1)
    google: GoogleSettings = GoogleSettings()
    microsoft: MicrosoftSettings = MicrosoftSettings()
    email: EmailSettings = EmailSettings()
    sync: SyncSettings = SyncSettings()
    server: ServerSettings = ServerSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    retention: RetentionSettings = RetentionSettings()

    @model_validator(mode="after")
    def _unique_schools(self) -> Settings:
        seen: set[str] = set()
        for s in self.schools:
            if s.key in seen:
                raise ValueError(f"school key {s.key!r} appears twice")
            seen.add(s.key)
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return _load_sources.get() or (init_settings,)

    def school(self, key: str) -> SchoolSettings:
        for s in self.schools:
            if s.key == key:
                return s
        raise KeyError(key)
