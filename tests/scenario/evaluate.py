"""An independent R1 evaluation over generated data, from the config settings_for writes.

It reads only what the sandbox will serve (work timestamps and states, class names and
states) and the validated Settings; it shares no code with the generator's tally.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

from config.settings import ClassMode, ClassRule, Settings
from connector.records import WorkState
from connector.sandbox.scenario import settings_for
from connector.sandbox.scenario.model import Scenario


def sandbox_settings(s: Scenario) -> Settings:
    raw = settings_for(
        s,
        database_url="sqlite://",
        google_endpoint="http://127.0.0.1:1/",
        service_account_file="/tmp/sa.json",
        microsoft_base_url="http://127.0.0.1:1/v1.0",
        microsoft_authority="http://127.0.0.1:1",
        outbox_dir="/tmp/outbox",
    )
    return Settings.model_validate(raw)


def r1_findings(s: Scenario) -> dict[date, set[tuple[str, str]]]:
    settings = sandbox_settings(s)
    out: dict[date, set[tuple[str, str]]] = {}
    for school in s.schools:
        cfg = settings.school(school.id)
        tz = ZoneInfo(cfg.time_zone)
        days = s.school_days[school.id]
        counted: Counter[tuple[str, date]] = Counter()
        classes = [c for c in s.classes if c.school_id == school.id]
        ids = {c.id for c in classes}
        for w in s.work:
            if w.class_id not in ids or w.kind.value not in cfg.r1.counts:
                continue
            if w.state is not WorkState.PUBLISHED or w.published_at is None:
                continue
            if w.published_at > s.now:
                continue
            seen = w.published_at.astimezone(tz)
            if seen.time() < cfg.r1.cutoff:
                counted[(w.class_id, seen.date())] += 1
        for c in classes:
            if c.archived:
                continue
            daily = _mode(cfg.r1.classes, c.name) is ClassMode.DAILY
            for day in days:
                # A closure period can make every class daily and raise the minimum.
                closure = next((p for p in cfg.calendar.closure_periods if day in p), None)
                need = cfg.r1.min_items
                if closure is not None and closure.r1_min_items is not None:
                    need = closure.r1_min_items
                if not (daily or (closure is not None and closure.r1_all_daily)):
                    continue
                if counted[(c.id, day)] < need:
                    out.setdefault(day, set()).add((school.id, c.id))
    return out


def _mode(rules: list[ClassRule], name: str) -> ClassMode:
    for rule in rules:
        if re.search(rule.match, name):
            return rule.mode
    return ClassMode.EXEMPT
