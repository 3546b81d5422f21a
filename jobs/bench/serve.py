"""The benchmark's sandbox process: serves a scenario and answers commands on stdin.

It runs apart from the sync so that the sync's peak memory is the sync's own (the
``trust`` world alone takes ~220 MB). Protocol, one JSON object per line on stdout:
first ``{"url", "config", "now", "minimum"}``; then per command line on stdin:
``stats`` (the Google counters), ``change <fraction> <seed>`` (that share of the visible
submissions moves one step, an hour later; then the audit log's lag passes) and ``quit``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from connector.records import Platform, Role, SubmissionState, WorkKind
from connector.sandbox.app import build_sandbox
from connector.sandbox.google import service_account_info, side_of
from connector.sandbox.google.asof import submission_view, work_view
from connector.sandbox.scenario import generate, settings_for
from connector.sandbox.scenario.ids import customer_admin_email
from connector.sandbox.scenario.model import SubmissionSpec
from connector.sandbox.world import World

# The page sizes the connector asks for: rosters 30 (Google's default, and larger values
# are ignored in practice), every other list 1,000 (the sandbox's maximum; Google
# documents none). At most 50 calls per batch.
ROSTER_PAGE = 30
PAGE = 1000
BATCH = 50


def minimum(world: World) -> dict[str, Any]:
    """Round trips and calls the data needs, per Google school and in total.

    Per school: one token exchange, the courses.list pages, and batches of 50 holding
    every list page of every course (teachers, students, topics, courseWork, materials,
    announcements, studentSubmissions with courseWorkId="-") at the page sizes above.
    """
    schools: dict[str, dict[str, int]] = {}
    for school in world.scenario.schools:
        if school.platform is not Platform.GOOGLE:
            continue
        courses = world.classes_of(Platform.GOOGLE, school.id)
        calls = 0
        for c in courses:
            teachers = len(world.members(c.id, Role.TEACHER))
            pupils = {m.person_id for m in world.members(c.id, Role.PUPIL)}
            calls += max(1, math.ceil(teachers / ROSTER_PAGE))
            calls += max(1, math.ceil(len(pupils) / ROSTER_PAGE))
            kinds: dict[str, int] = defaultdict(int)
            topics: set[str] = set()
            subs = 0
            for w in world.work_by_class.get(c.id, []):
                view = work_view(world, w)
                if view is None:
                    continue
                group = {WorkKind.MATERIAL: "m", WorkKind.ANNOUNCEMENT: "a"}.get(w.kind, "w")
                kinds[group] += 1
                if view.state != "DELETED" and w.topic:
                    topics.add(w.topic)
                if group == "w" and view.state == "PUBLISHED":
                    subs += sum(
                        1
                        for s in world.subs_by_work.get(w.id, [])
                        if s.pupil_id in pupils and submission_view(world, s, w) is not None
                    )
            calls += sum(max(1, math.ceil(kinds[g] / PAGE)) for g in "wma")
            calls += max(1, math.ceil(len(topics) / PAGE))
            calls += max(1, math.ceil(subs / PAGE))
        pages = max(1, math.ceil(len(courses) / PAGE))
        schools[school.id] = {
            "courses": len(courses),
            "api_calls": pages + calls,
            "batches": math.ceil(calls / BATCH),
            "requests": 1 + pages + math.ceil(calls / BATCH),
        }
    return {
        "requests": sum(s["requests"] for s in schools.values()),
        "api_calls": sum(s["api_calls"] for s in schools.values()),
        "schools": schools,
    }


def google_pool(world: World) -> list[SubmissionSpec]:
    """Submissions Classroom shows: of current pupils, on published course work."""
    google = {c.id for c in world.classes_of(Platform.GOOGLE)}
    pool = []
    for c in sorted(google):
        pupils = {m.person_id for m in world.members(c, Role.PUPIL)}
        for s in world.subs_by_class.get(c, []):
            view = work_view(world, world.work[s.work_id])
            if s.pupil_id in pupils and view is not None and view.state == "PUBLISHED":
                pool.append(s)
    return pool


def change(
    world: World,
    fraction: float,
    seed: int,
    pool: Callable[[World], list[SubmissionSpec]] = google_pool,
    settle: timedelta = timedelta(0),
) -> dict[str, Any]:
    """Move ``fraction`` of the visible submissions (``pool``) one step (turn in or return
    with a grade), an hour after the current instant, then let ``settle`` pass (Google's
    audit log lists changes a little later); returns what each now is."""
    rng = random.Random(seed)
    world.advance(timedelta(hours=1))
    visible = pool(world)
    picked = rng.sample(visible, max(1, round(len(visible) * fraction)))
    states: dict[str, str] = {}
    for s in picked:
        if s.state in (SubmissionState.ASSIGNED, SubmissionState.RECLAIMED):
            states[s.id] = world.turn_in(s.id).state.value
        else:
            states[s.id] = world.return_work(s.id, grade=5.0).state.value
    world.advance(settle)
    return {
        "changed": len(picked), "of": len(visible), "states": states,
        "now": world.now.isoformat(),
    }  # fmt: skip


def bench_args(prog: str, argv: list[str] | None) -> argparse.Namespace:
    """The options every benchmark sandbox process takes."""
    p = argparse.ArgumentParser(prog=prog)
    p.add_argument("--scenario", default="trust")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--workdir", type=Path, required=True)
    return p.parse_args(argv)


def answer(world: World, commands: Mapping[str, Callable[[list[str]], dict[str, Any]]]) -> None:
    """One JSON line per command line on stdin until ``quit``; ``change <fraction> <seed>``
    (as :func:`change` here) runs under the world's lock."""
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        if words[0] not in commands:
            _say({"error": f"unknown command {words[0]!r}"})
            continue
        with world.lock:
            _say(commands[words[0]](words[1:]))


def main(argv: list[str] | None = None) -> None:
    args = bench_args("python -m jobs.bench.serve", argv)
    world = World(generate(args.scenario, args.seed))
    with build_sandbox(world, latency_ms=args.latency_ms) as sb:
        args.workdir.mkdir(parents=True, exist_ok=True)
        key = args.workdir / "service-account.json"
        key.write_text(json.dumps(service_account_info(sb.url)))
        conf = settings_for(
            world.scenario,
            database_url="sqlite://",
            google_endpoint=sb.url,
            service_account_file=str(key),
            microsoft_base_url=sb.url + "v1.0",
            microsoft_authority=sb.url.rstrip("/"),
            outbox_dir=str(args.workdir / "outbox"),
        )
        conf["schools"] = [s for s in conf["schools"] if s["platform"] == "google"]
        config = args.workdir / "config.json"
        config.write_text(json.dumps(conf, default=str))
        _say(
            {
                "url": sb.url,
                "config": str(config),
                "now": world.now.isoformat(),
                "minimum": minimum(world),
                "audit_admin": customer_admin_email(),
            }
        )
        api = side_of(sb)

        def stats(_: list[str]) -> dict[str, Any]:
            st = api.stats()
            return {
                "requests": st.requests,
                "api_calls": st.api_calls,
                "throttled": st.throttled,
                "token_grants": st.token_grants,
                "users": len(st.by_user),
                "by_user_max": max(st.by_user.values(), default=0),
            }

        settle = api.reports_lag + timedelta(minutes=1)
        answer(world, {
            "stats": stats,
            "change": lambda w: change(world, float(w[0]), int(w[1]), settle=settle),
        })  # fmt: skip


def _say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
