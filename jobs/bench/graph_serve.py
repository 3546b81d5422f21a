"""The Microsoft benchmark's sandbox process: serves a scenario's Microsoft schools.

Started by :mod:`jobs.bench.graph_sync` (``python -m jobs.bench.graph_serve``) so that the
sync's peak memory is its own. Protocol as in :mod:`jobs.bench.serve`: a first line
``{"url", "config", "now", "minimum"}``; then per command on stdin one JSON line:
``stats`` (every HTTP round trip, Graph calls with each ``$batch`` part counted, 429s,
identity-platform round trips), ``change <fraction> <seed>`` (as the Google one, over the
submissions Graph shows) and ``quit``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from connector.records import Platform, Role
from connector.sandbox.app import build_sandbox
from connector.sandbox.graph import graph_state
from connector.sandbox.graph.asof import live_since, work_exists
from connector.sandbox.graph.education import MODULE_KINDS, SERVED_KINDS
from connector.sandbox.scenario import SIZES, generate, settings_for
from connector.sandbox.scenario.model import SubmissionSpec
from connector.sandbox.world import World
from jobs.bench.serve import _say, answer, bench_args, change

# Graph documents no largest $top for the education collections; 999 is the largest it
# documents anywhere (directory objects), and what the sandbox honours. The minimum uses
# it; ``largest_list`` in the answer shows whether any list would need a second page.
PAGE = 999
BATCH = 20  # JSON batching: "limited to 20 individual requests"
# A client-credentials grant through MSAL: the tenant's OpenID configuration, then the
# token. One app registration in one tenant needs one grant for the whole run.
IDENTITY_ROUND_TRIPS = 2


def _pages(n: int) -> int:
    return max(1, math.ceil(n / PAGE))


def _live(world: World, class_id: str, kinds: tuple[Any, ...]) -> list[Any]:
    return [w for w in world.visible_work(class_id)
            if w.kind in kinds and work_exists(w, world.now)]


def minimum(world: World) -> dict[str, Any]:
    """Round trips and calls the data needs for a full read, per school and in total.

    Per school: its class list, then ``$batch``es of 20 holding every list of every class
    (members, teachers, assignments, modules), the submissions of every assignment pupils
    can see, at :data:`PAGE` items a page, and the profile of each pupil who has
    submissions but is no longer in any class; once per tenant, the identity grant.
    """
    schools: dict[str, dict[str, int]] = {}
    largest = 0
    for school in world.scenario.schools:
        if school.platform is not Platform.MICROSOFT:
            continue
        classes = world.classes_of(Platform.MICROSOFT, school.id)
        calls = assignment_calls = 0
        members: set[str] = set()
        authors: set[str] = set()  # pupils with submissions Graph shows
        for c in classes:
            roster = world.members(c.id, Role.TEACHER) + world.members(c.id, Role.PUPIL)
            members |= {m.person_id for m in roster}
            teachers = len(world.members(c.id, Role.TEACHER))
            work = _live(world, c.id, SERVED_KINDS)
            modules = _live(world, c.id, MODULE_KINDS)
            calls += _pages(len(roster)) + _pages(teachers) + _pages(len(work))
            calls += _pages(len(modules))
            assignment_calls += _pages(len(work))
            largest = max(largest, len(roster), len(work), len(modules))
            for w in work:
                if live_since(w, world.now) is None:
                    continue  # no submissions until pupils see it
                subs = world.subs_by_work.get(w.id, [])
                authors |= {s.pupil_id for s in subs}
                largest = max(largest, len(subs))
                calls += _pages(len(subs))
                assignment_calls += _pages(len(subs))
        # Pupils who left every class of the school but whose submissions Graph still
        # shows: their profiles are read by id (educationUser), in batches too.
        former = len(authors - members)
        calls += former
        schools[school.id] = {
            "classes": len(classes),
            "former_pupils": former,
            "api_calls": _pages(len(classes)) + calls,
            "assignment_calls": assignment_calls,
            "batches": math.ceil(calls / BATCH),
            "requests": _pages(len(classes)) + math.ceil(calls / BATCH),
        }
    return {
        "requests": IDENTITY_ROUND_TRIPS + sum(s["requests"] for s in schools.values()),
        "api_calls": sum(s["api_calls"] for s in schools.values()),
        "assignment_calls": sum(s["assignment_calls"] for s in schools.values()),
        "classes": sum(s["classes"] for s in schools.values()),
        "largest_list": largest,
        "schools": schools,
    }


def _pool(world: World) -> list[SubmissionSpec]:
    """Submissions Graph shows: of current pupils, on assignments pupils can see."""
    out: list[SubmissionSpec] = []
    for c in world.classes_of(Platform.MICROSOFT):
        pupils = {m.person_id for m in world.members(c.id, Role.PUPIL)}
        visible = {w.id for w in _live(world, c.id, SERVED_KINDS)
                   if live_since(w, world.now) is not None}
        out.extend(s for s in world.subs_by_class.get(c.id, [])
                   if s.pupil_id in pupils and s.work_id in visible)
    return out


def main(argv: list[str] | None = None) -> None:
    args = bench_args("python -m jobs.bench.graph_serve", argv)
    # tiny and small are Google-only by default: for this benchmark they are made all
    # Microsoft; trust keeps its mix (every 4th school on Microsoft).
    google_only = SIZES[args.scenario].default_platforms == "google"
    world = World(generate(args.scenario, args.seed,
                           platforms="microsoft" if google_only else "auto"))  # fmt: skip
    with build_sandbox(world, latency_ms=args.latency_ms) as sb:
        args.workdir.mkdir(parents=True, exist_ok=True)
        conf = settings_for(
            world.scenario, database_url="sqlite://", google_endpoint=sb.url,
            service_account_file=str(args.workdir / "unused.json"),
            microsoft_base_url=sb.url + "v1.0", microsoft_authority=sb.url.rstrip("/"),
            outbox_dir=str(args.workdir / "outbox"),
        )  # fmt: skip
        conf["schools"] = [s for s in conf["schools"] if s["platform"] == "microsoft"]
        config = args.workdir / "config.json"
        config.write_text(json.dumps(conf, default=str))
        _say({"url": sb.url, "config": str(config), "now": world.now.isoformat(),
              "minimum": minimum(world)})  # fmt: skip
        state = graph_state(sb)

        def stats(_: list[str]) -> dict[str, Any]:
            with state.lock:
                identity = sum(n for k, n in sb.requests.items()
                               if not k.split()[1].startswith("/v1.0/"))  # fmt: skip
                return {
                    "requests": sb.total_requests(), "api_calls": state.api_calls(),
                    "assignment_calls": state.assignment_calls, "throttled": state.throttled,
                    "token_grants": state.token_requests, "identity_requests": identity,
                }  # fmt: skip

        answer(world, {"stats": stats,
                       "change": lambda w: change(world, float(w[0]), int(w[1]), _pool)})


if __name__ == "__main__":
    main()
