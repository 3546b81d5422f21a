"""A Microsoft sync that SIGKILLs its own process once ``n`` classes are committed.

Run as ``python -m tests.graph_sync.killed_sync SANDBOX_URL DATABASE_URL WORKDIR N`` by
the kill-and-resume test: nothing in this process gets to clean up (no ``finally``, no
rollback, no closing of connections), as when the service is killed by the OOM killer.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connector.graph import GraphClassSource
from connector.records import ClassSnapshot
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.scenario import generate
from sync.db import make_engine, make_sessionmaker
from sync.runner import sync_school
from tests.e2e.support import sandbox_settings


class DiesAfter(GraphClassSource):
    n = 0

    def read_classes(self, *args: Any, **kwargs: Any) -> Iterator[ClassSnapshot]:
        for i, snap in enumerate(super().read_classes(*args, **kwargs)):
            if i == self.n:  # the runner committed the n classes yielded so far
                os.kill(os.getpid(), signal.SIGKILL)
            yield snap


def main(sandbox_url: str, database_url: str, workdir: str, n: str) -> None:
    scenario = generate("tiny", 1, platforms="microsoft")
    settings = sandbox_settings(scenario, sandbox_url, database_url, Path(workdir))
    school = settings.schools[0]
    assert school.microsoft is not None
    DiesAfter.n = int(n)
    source = DiesAfter(settings.microsoft, school_id=school.microsoft.school_id,
                       client_secret=SANDBOX_CLIENT_SECRET, clock=lambda: scenario.now)
    sync_school(make_sessionmaker(make_engine(database_url)), school, source, full=True,
                clock=lambda: scenario.now)
    sys.exit("the sync was meant to be killed before it ended")


if __name__ == "__main__":
    main(*sys.argv[1:])
