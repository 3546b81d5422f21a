"""Reading pages on a pool, and one conference's participants, sessions and recordings."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from connector.google import meet
from connector.google.client import ClassroomClient
from connector.google.errors import GoogleError
from connector.records import SkippedRecord

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


@dataclass(slots=True)
class DetailRead:
    """One conference's participants (each with its summed session seconds) and
    recordings (raw: they are mapped once the lesson's id is settled)."""

    participants: list[tuple[meet.Participant, int]] = field(default_factory=list)
    recordings: list[Any] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)


def pages(
    client: ClassroomClient,
    build: Callable[[str | None], meet.Builder],
    items_key: str,
    what: str,
) -> list[Any]:
    """Every item of a paged list (errors raise, already classified and retried)."""
    out: list[Any] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        answer = client.execute(build(token), what)
        page = answer.get(items_key) or []
        out.extend(page if isinstance(page, list) else [page])
        next_token = answer.get("nextPageToken")
        # A token seen before would loop forever: stop at what was read.
        if not isinstance(next_token, str) or not next_token or next_token in seen:
            return out
        seen.add(next_token)
        token = next_token


def run_all(
    pool: ThreadPoolExecutor, tasks: Mapping[K, Callable[[], R]]
) -> Iterator[tuple[K, R | GoogleError]]:
    """Run tasks on the pool; yield each key with its result or its Google error, as
    they finish."""
    futures = {pool.submit(fn): key for key, fn in tasks.items()}
    try:
        for future in as_completed(futures):
            key = futures[future]
            try:
                yield key, future.result()
            except GoogleError as e:
                yield key, e
    finally:
        for future in futures:
            future.cancel()


def read_details(
    client: ClassroomClient, conf: meet.Conference, *, recordings_only: bool = False
) -> DetailRead:
    """Participants, their sessions and the recordings of one conference, read in turn
    (this runs on a pool thread; conferences are what run side by side); with
    ``recordings_only``, the recordings alone."""
    out = DetailRead()
    raws = [] if recordings_only else pages(
        client,
        lambda t: meet.participants_request(conf.name, t),
        "participants",
        f"participants.list of {conf.id}",
    )
    for raw in raws:
        p = meet.to_participant(raw)
        if isinstance(p, SkippedRecord):
            out.skipped.append(p)
            continue
        sessions = pages(
            client,
            partial(meet.sessions_request, p.name),
            "participantSessions",
            f"participantSessions.list of {p.name}",
        )
        seconds = 0
        for s in sessions:
            part = meet.session_seconds(s, conf.end)
            if isinstance(part, SkippedRecord):
                out.skipped.append(part)
            else:
                seconds += part
        out.participants.append((p, seconds))
    out.recordings = pages(
        client,
        lambda t: meet.recordings_request(conf.name, t),
        "recordings",
        f"recordings.list of {conf.id}",
    )
    return out
