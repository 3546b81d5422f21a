"""The check job runs what the registry holds: per-day rules by day, R2 at the instant."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from jobs.check import run_checks
from jobs.findings import FindingCounts
from jobs.rules.registry import RULES
from tests.jobs.factories import make_settings, school_settings
from tests.rules_r2.conftest import MON, R2Store, at


def test_r1_and_r2_are_registered_with_their_cadence() -> None:
    assert {"R1", "R2"} <= set(RULES)
    assert RULES["R1"].per_day and not RULES["R2"].per_day
    assert RULES["R2"].finding_rules == ("R2", "R2-feedback")


def test_an_unknown_rule_is_refused_and_the_known_ones_are_named(sqlite_session: Session) -> None:
    settings = make_settings(school_settings())
    with pytest.raises(ValueError, match=r"R9.*known.*R1"):
        run_checks(sqlite_session, settings, as_of=at(MON, 17), rules=["R9"])


def test_without_a_rule_list_every_registered_rule_runs(
    sqlite_session: Session, store: R2Store
) -> None:
    cls = store.klass(store.school(), "7A History")
    store.submit(store.homework(cls), store.person("Pip", None, staff=False), at(MON, 9))
    summary = run_checks(
        sqlite_session, make_settings(school_settings()), as_of=at(MON + timedelta(days=1), 17)
    )
    r1, r2 = summary.get("oak", "R1"), summary.get("oak", "R2")
    assert r1 is not None and r1.days  # judged by day
    assert r2 is not None and r2.days == ()  # judged at the instant
    assert r2.counts == FindingCounts(opened=1)
