"""Builds the connector for a school from settings: the one place that knows both."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from config.secrets import resolve
from config.settings import PlatformName, SchoolSettings, Settings
from connector.source import ClassSource, LessonSource

if TYPE_CHECKING:
    from connector.graph.source import GraphShared


class SourceError(RuntimeError):
    """A school's connector cannot be built (missing credentials, unsupported platform)."""


def source_for(
    settings: Settings,
    school: SchoolSettings,
    clock: Callable[[], datetime] | None = None,
    *,
    graph: GraphShared | None = None,
) -> ClassSource:
    """``clock`` is the sync's clock (Graph works out lateness and class terms from it);
    ``graph``: what the Microsoft schools of one run share (one token, one throttle)."""
    if school.platform is PlatformName.GOOGLE:
        from connector.google.source import GoogleClassSource

        ref = settings.google.service_account
        if ref is None:
            raise SourceError(
                f"school {school.key!r} is on Google but google.service_account is not set"
            )
        info: dict[str, Any] = json.loads(resolve(ref).reveal())
        return GoogleClassSource(settings.google, school, info)
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
        shared=graph,
    )


def lesson_source_for(
    settings: Settings, school: SchoolSettings, *, graph: GraphShared | None = None
) -> LessonSource | None:
    """The school's live-lesson connector (Teams meetings for a Microsoft school)."""
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
            shared=graph,
        )
    from connector.google.lessons import GoogleLessonSource

    ref = settings.google.service_account
    if ref is None:
        raise SourceError(
            f"school {school.key!r} is on Google but google.service_account is not set"
        )
    info: dict[str, Any] = json.loads(resolve(ref).reveal())
    return GoogleLessonSource(settings.google, school, info)


def graph_shared(settings: Settings) -> GraphShared | None:
    """One :class:`GraphShared` for a run that has Microsoft schools (None without any,
    so a Google-only run never imports the Graph SDK)."""
    if all(s.platform is PlatformName.GOOGLE for s in settings.schools):
        return None
    from connector.graph.source import GraphShared

    return GraphShared()
