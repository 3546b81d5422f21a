from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.settings import ClassMode, PlatformName
from connector.records import WorkKind, WorkState
from connector.sandbox.scenario import MS_SECRET_ENV, generate, profiles
from connector.sandbox.scenario.model import Scenario

from .evaluate import r1_findings, sandbox_settings

LONDON = ZoneInfo("Europe/London")


def _r1(s: Scenario) -> dict[date, set[tuple[str, str]]]:
    days = next(iter(s.school_days.values()))
    return {d: s.ground_truth.expected("R1", d) for d in days if s.ground_truth.expected("R1", d)}


@pytest.mark.parametrize(
    ("size", "seed", "platforms"),
    [("tiny", 1, "auto"), ("small", 1, "auto"), ("small", 5, "microsoft"), ("tiny", 3, "mixed")],
)
def test_r1_ground_truth_equals_an_independent_evaluation(
    size: str, seed: int, platforms: str
) -> None:
    s = generate(size, seed, platforms=platforms)
    assert _r1(s) == r1_findings(s)


def test_r1_ground_truth_equals_an_independent_evaluation_across_the_clock_change(
    trust: Scenario,
) -> None:
    truth = _r1(trust)
    assert truth == r1_findings(trust)
    assert sum(len(v) for v in truth.values()) > 500


def test_r1_has_findings_for_skippers_and_none_for_exempt_or_archived_classes(
    small: Scenario,
) -> None:
    flagged = {cid for v in _r1(small).values() for _, cid in v}
    assert set(small.profiles[profiles.SKIPPER]) <= flagged
    assert not flagged & set(small.profiles[profiles.EXEMPT])
    assert not flagged & set(small.profiles[profiles.ARCHIVED])


def test_r1_never_judges_good_friday_or_a_weekend(trust: Scenario) -> None:
    judged = set(trust.ground_truth.by_rule["R1"])
    assert date(2026, 4, 3) not in judged
    assert all(d.weekday() < 5 for d in judged)


def test_work_posted_exactly_at_the_cut_off_is_too_late(small: Scenario) -> None:
    late = set(small.profiles[profiles.LATE_POSTER])
    at_cutoff = [
        w
        for w in small.work
        if w.class_id in late
        and w.published_at is not None
        and w.published_at.astimezone(LONDON).time() == time(16, 0)
    ]
    assert at_cutoff
    for w in at_cutoff:
        assert w.published_at is not None
        day = w.published_at.astimezone(LONDON).date()
        others = [
            x
            for x in small.work
            if x.class_id == w.class_id
            and x is not w
            and x.published_at is not None
            and x.published_at.astimezone(LONDON).date() == day
        ]
        if not others:
            assert ("oakfield", w.class_id) in small.ground_truth.expected("R1", day)


def test_drafts_announcements_and_deleted_work_exist_but_never_count(small: Scenario) -> None:
    kinds = {(w.kind, w.state) for w in small.work}
    assert (WorkKind.ANNOUNCEMENT, WorkState.PUBLISHED) in kinds
    assert any(state is WorkState.DRAFT for _, state in kinds)
    assert any(state is WorkState.DELETED for _, state in kinds)


def test_one_to_one_calls_are_exactly_the_calls_with_one_staff_and_one_pupil(
    small: Scenario,
) -> None:
    truth = {sub for v in small.ground_truth.by_rule["R4-1to1"].values() for _, sub in v}
    assert truth == set(small.profiles[profiles.ONE_TO_ONE])
    chaperoned = [le for le in small.lessons if len(le.attendance) == 3 and le.id not in truth]
    assert chaperoned


def test_unrecorded_class_lessons_are_r4_findings(small: Scenario) -> None:
    truth = {sub for v in small.ground_truth.by_rule["R4"].values() for _, sub in v}
    unrecorded = {
        le.id
        for le in small.lessons
        if le.class_id and not le.recorded and le.ended_at - le.started_at >= timedelta(minutes=10)
    }
    assert truth <= unrecorded
    assert truth


def test_settings_for_validates_and_matches_the_scenario(trust: Scenario) -> None:
    settings = sandbox_settings(trust)
    assert [s.key for s in settings.schools] == [s.id for s in trust.schools]
    assert settings.microsoft.client_secret is not None
    assert settings.microsoft.client_secret.env == MS_SECRET_ENV
    for spec, cfg in zip(trust.schools, settings.schools, strict=True):
        assert cfg.platform == PlatformName(spec.platform.value)
        assert cfg.r1.cutoff == spec.r1_cutoff and cfg.r1.min_items == spec.r1_min_items
        assert cfg.r1.classes[-1].mode is ClassMode.EXEMPT
        if spec.platform.value == "google":
            assert cfg.google is not None and cfg.google.admin_email == spec.admin_email
        else:
            assert cfg.microsoft is not None and cfg.microsoft.school_id
