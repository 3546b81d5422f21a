"""The nudge and the digest read on a phone (375 px) and a desktop (1024 px) in Chromium.

Nothing may stick out sideways, even with hostile names (a 10 kB unbroken string, markup,
bidi overrides). Screenshots go to ``test-output/render/`` for a person to look at.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

from sqlalchemy import select

from jobs.digest import queue_digests
from jobs.emails import render
from jobs.message_queue import inline_for_preview, stored_images
from jobs.nudge_items import ClassNudge, NudgeLine
from jobs.nudge_text import nudge_context
from sync.models import OutboundMessage
from tests.digest.chromium import Browser
from tests.digest.factories import DigestFactory, at, school_settings, settings
from tests.digest.test_digest_queue import HOSTILE, store

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "render"
WIDTHS = (375, 1024)


def nudge_html() -> str:
    classes = [
        ClassNudge(
            1,
            "7A Maths",
            "https://classroom.example/c/1",
            [
                NudgeLine("R1", "Nothing posted on Tuesday 24 November"),
                NudgeLine(
                    "R2",
                    "3 handed in, waiting to be marked",
                    lead="Fractions worksheet",
                    link="https://classroom.example/w/1",
                ),
            ],
        ),
        *[
            ClassNudge(i + 2, name, None, [NudgeLine("R2", "1 waiting", lead=name)])
            for i, name in enumerate(HOSTILE)
        ],
    ]
    context = nudge_context(
        teacher_name="Ann Teacher",
        school_name="Oak Primary",
        classes=classes,
        cutoff=time(16),
        today=date(2026, 11, 25),
    )
    return render("nudge", context).html


def digest_pages(make: DigestFactory) -> dict[str, str]:
    store(make, ["7A Maths", *HOSTILE])
    cfg = settings(school_settings(), trust_leaders=("ceo@oaks.org",))
    queue_digests(make.session, cfg, now=at(27, 15, 5))
    return {
        m.kind: inline_for_preview(m.body_html, stored_images(m))
        for m in make.session.scalars(select(OutboundMessage))
    }


def test_the_nudge_and_the_digests_fit_a_phone_and_a_desktop(
    lite: DigestFactory, tmp_path: Path
) -> None:
    emails = {"nudge": nudge_html(), **digest_pages(lite)}
    assert set(emails) == {"nudge", "digest", "trust_digest"}
    OUTPUT.mkdir(parents=True, exist_ok=True)
    problems = []
    with Browser() as browser:
        for name, page in emails.items():
            path = OUTPUT / f"{name}.html"
            path.write_text(page, encoding="utf-8")
            for width in WIDTHS:
                browser.open(path, width)
                probe = browser.probe()
                if probe["scrollWidth"] > probe["clientWidth"] or probe["over"]:
                    problems.append((name, width, probe))
                if not all(probe["images"]):
                    problems.append((name, width, "an image did not load"))
                height = min(int(probe["height"]), 8000)
                browser.screenshot(OUTPUT / f"{name}-{width}.png", width, height)
    assert problems == []
