"""Builds the connector for a school from settings: the one place that knows both."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from config.secrets import resolve
from config.settings import PlatformName, SchoolSettings, Settings
from connector.source import ClassSource, LessonSource
from connector.stop import StopSignal

if TYPE_CHECKING:
    from connector.google.audit import AuditLogs
    from connector.graph.source import GraphShared


class SourceError(RuntimeError):
    """A school's connector cannot be built (missing credentials, unsupported platform)."""


class SyncRound:
    """What the sources of one round of school syncs share: the Microsoft tenant's token and
    throttle budget (connector.graph.source.GraphShared), Google's audit log, read once
    for every school read by the same admin (connector.google.audit.AuditLogs), and the
    ``stop`` that ends every connector's retry and pacing waits at shutdown
    (connector.stop). Each is made when first asked for, so a Google-only round never
    imports the Graph SDK."""

    def __init__(self, stop: StopSignal | None = None) -> None:
        self.stop = stop
        self._google_logs: AuditLogs | None = None
        self._graph: GraphShared | None = None

    def google_logs(self) -> AuditLogs:
        if self._google_logs is None:
            from connector.google.audit import AuditLogs

            self._google_logs = AuditLogs(stop=self.stop)
        return self._google_logs

    def graph(self) -> GraphShared:
        if self._graph is None:
            from connector.graph.source import GraphShared

            self._graph = GraphShared()
        return self._graph


def source_for(
    settings: Settings,
    school: SchoolSettings,
    clock: Callable[[], datetime] | None = None,
    sync_round: SyncRound | None = None,
) -> ClassSource:
    """``clock`` is the sync's clock (Graph works out lateness and class terms from it);
    ``sync_round`` is shared by the schools synced one after another."""
    stop = sync_round.stop if sync_round is not None else None
    if school.platform is PlatformName.GOOGLE:
        from connector.google.source import GoogleClassSource

        ref = settings.google.service_account
        if ref is None:
            raise SourceError(
                f"school {school.key!r} is on Google but google.service_account is not set"
            )
        info: dict[str, Any] = json.loads(resolve(ref).reveal())
        logs = sync_round.google_logs() if sync_round is not None else None
        return GoogleClassSource(settings.google, school, info, logs=logs, stop=stop)
    from connector.graph.source import GraphClassSource

    ms = settings.microsoft
    if ms.client_secret is None and ms.certificate is None:
        raise SourceError(
            f"school {school.key!r} is on Microsoft but microsoft.client_secret is not set"
        )
    secret = resolve(ms.client_secret).reveal() if ms.client_secret is not None else None
    cert = resolve(ms.certificate).reveal().encode() if ms.certificate is not None else None
    return GraphClassSource(
        ms,
        school_id=school.microsoft.school_id if school.microsoft is not None else None,
        client_secret=secret,
        certificate_pem=cert,
        clock=clock or (lambda: datetime.now(UTC)),
        shared=sync_round.graph() if sync_round is not None else None,
        stop=stop,
    )


def lesson_source_for(
    settings: Settings, school: SchoolSettings, sync_round: SyncRound | None = None
) -> LessonSource | None:
    """The school's live-lesson connector (Teams meetings for a Microsoft school)."""
    stop = sync_round.stop if sync_round is not None else None
    if school.platform is not PlatformName.GOOGLE:
        from connector.graph.lessons import GraphLessonSource

        ms = settings.microsoft
        if ms.client_secret is None and ms.certificate is None:
            raise SourceError(
                f"school {school.key!r} is on Microsoft but microsoft.client_secret is not set"
            )
        return GraphLessonSource(
            ms,
            school_id=school.microsoft.school_id if school.microsoft is not None else None,
            client_secret=resolve(ms.client_secret).reveal() if ms.client_secret else None,
            certificate_pem=resolve(ms.certificate).reveal().encode() if ms.certificate else None,
            shared=sync_round.graph() if sync_round is not None else None,
            stop=stop,
        )
    from connector.google.lessons import GoogleLessonSource

    ref = settings.google.service_account
    if ref is None:
        raise SourceError(
            f"school {school.key!r} is on Google but google.service_account is not set"
        )
    info: dict[str, Any] = json.loads(resolve(ref).reveal())
    return GoogleLessonSource(settings.google, school, info, stop=stop)
