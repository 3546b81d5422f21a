"""The digest's words: template contexts built from two measured weeks (this and the last).

Only contexts are built here; the templates in ``jobs/templates/digest/`` and
``jobs/templates/trust_digest/`` lay them out. Every name that came from an API or a CSV
passes through :func:`jobs.emails.clean` (autoescaping does the HTML part).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobs.charts import Chart, paired_bars, ranked_bars
from jobs.digest_metrics import Rate
from jobs.digest_pupils import PupilLine, Ranked
from jobs.digest_report import SchoolWeek
from jobs.emails import clean

LIST_LIMIT = 12
RULE_WORDS = {"R1": "no work posted", "R2": "marking overdue", "R4": "lesson not recorded"}
MINUS = "\u2212"
# Charts fill up to 480 px of the column (Outlook reads the width attribute; phones shrink it).
DISPLAY_WIDTH = 480


def pct(rate: Rate) -> str:
    share = rate.share
    return "–" if share is None else f"{100 * share:.0f}%"


def _signed(value: float, unit: str, digits: int = 0) -> str:
    if round(value, digits) == 0:
        return "no change"
    sign = "+" if value > 0 else MINUS
    return f"{sign}{abs(value):.{digits}f}{unit}"


def change_pts(now: Rate, before: Rate) -> str:
    if now.share is None or before.share is None:
        return ""
    return _signed(100 * (now.share - before.share), " pts")


def _line(label: str, value: str, change: str = "") -> dict[str, str]:
    return {"label": label, "value": value, "change": change}


def headlines(w: SchoolWeek, last: SchoolWeek) -> list[dict[str, str]]:
    """The summary table: one line per R5 measure, with the change from last week."""
    m, lm = w.marking, last.marking
    median = "–" if m.median_hours is None else f"{m.median_hours:.1f} working hours"
    median_change = (
        _signed(m.median_hours - lm.median_hours, " h", 1)
        if m.median_hours is not None and lm.median_hours is not None
        else ""
    )
    lines = [
        _line(
            "Home learning posted (R1)",
            f"{pct(w.r1)} of class-days ({w.r1.part} of {w.r1.whole})",
            change_pts(w.r1, last.r1),
        ),
        _line(
            "Work handed in",
            f"{pct(w.submissions)} ({w.submissions.part} of {w.submissions.whole} due)",
            change_pts(w.submissions, last.submissions),
        ),
        _line("Marking turnaround (median)", median, median_change),
        _line(
            "Marked within the window",
            f"{pct(w.within_window)} ({m.within_window} of {m.marked})",
            change_pts(w.within_window, last.within_window),
        ),
        _line("Waiting to be marked", str(m.waiting), _signed(m.waiting - lm.waiting, "")),
        _line(
            "Live lessons recorded",
            f"{w.lessons.recorded} of {w.lessons.held} held ({pct(w.recorded)})",
            change_pts(w.recorded, last.recorded),
        ),
        _line(
            "Live lesson attendance",
            f"{pct(w.attendance)} of pupil places",
            change_pts(w.attendance, last.attendance),
        ),
        _line(
            "Disengaged pupils",
            f"{w.trend.now} ({len(w.trend.new)} new, {len(w.trend.reengaged)} re-engaged)",
            _signed(w.trend.now - last.trend.now, ""),
        ),
    ]
    if w.one_to_one:
        lines.append(_line("1:1 calls sent to the safeguarding lead", str(w.one_to_one)))
    return lines


def _pupils(lines: Sequence[PupilLine]) -> dict[str, Any]:
    shown = [
        {"name": clean(p.name, 80) or "(no name)", "signals": ", ".join(p.signals)}
        for p in lines[:LIST_LIMIT]
    ]
    return {"count": len(lines), "shown": shown, "more": max(len(lines) - LIST_LIMIT, 0)}


def _ranked(rows: Sequence[Ranked]) -> list[dict[str, Any]]:
    return [
        {
            "name": clean(r.name, 80) or "(no name)",
            "count": r.count,
            "detail": ", ".join(f"{RULE_WORDS.get(rule, rule)} {n}" for rule, n in r.rules),
        }
        for r in rows
    ]


def school_charts(w: SchoolWeek, last: SchoolWeek) -> list[Chart]:
    """Work posted per weekday (this week against last), and this week's rates against last."""
    charts = []
    if w.days:
        before = {d.day.weekday(): d for d in last.days}
        labels = [f"{d.day:%a}" for d in w.days]
        now = [Rate(d.posted, d.expected).share for d in w.days]
        prev = [
            Rate(before[d.day.weekday()].posted, before[d.day.weekday()].expected).share
            if d.day.weekday() in before
            else None
            for d in w.days
        ]
        alt = "Daily classes with home learning posted by the cut-off: " + ", ".join(
            f"{lab} {'–' if v is None else f'{100 * v:.0f}%'}"
            for lab, v in zip(labels, now, strict=True)
        )
        charts.append(
            paired_bars("work-by-day", "Home learning posted, by day", labels, now, prev, alt=alt)
        )
    measures = [
        ("Handed\nin", w.submissions, last.submissions),
        ("Marked\nin time", w.within_window, last.within_window),
        ("Recorded", w.recorded, last.recorded),
        ("Attended", w.attendance, last.attendance),
    ]
    alt = "This week against last: " + "; ".join(
        f"{name.replace(chr(10), ' ')} {pct(a)} (last week {pct(b)})" for name, a, b in measures
    )
    charts.append(
        paired_bars(
            "this-week",
            "This week against last",
            [m[0] for m in measures],
            [m[1].share for m in measures],
            [m[2].share for m in measures],
            alt=alt,
        )
    )
    return charts


def content_id(chart: Chart) -> str:
    """The Content-ID of a chart's image part (``cid:`` in the HTML)."""
    return f"{chart.name}@classpulse"


def chart_refs(charts: Sequence[Chart]) -> list[dict[str, Any]]:
    return [
        {"cid": content_id(c), "title": c.title, "alt": c.alt, "width": DISPLAY_WIDTH}
        for c in charts
    ]


def school_context(w: SchoolWeek, last: SchoolWeek, charts: Sequence[Chart]) -> dict[str, Any]:
    """The context of ``templates/digest``."""
    return {
        "school_name": clean(w.school_name) or "Your school",
        "week_label": w.week.label,
        "week_heading": w.week.heading(),
        "headlines": headlines(w, last),
        "days": [
            {
                "label": f"{d.day:%a} {d.day.day}",
                "expected": d.expected,
                "posted": d.posted,
                "missing": d.expected - d.posted,
                "share": pct(Rate(d.posted, d.expected)),
            }
            for d in w.days
        ],
        "new": _pupils(w.trend.new),
        "still": _pupils(w.trend.still),
        "reengaged": _pupils(w.trend.reengaged),
        "top_classes": _ranked(w.top_classes),
        "top_teachers": _ranked(w.top_teachers),
        "groups": [
            {
                "label": g.label,
                "pupils": g.pupils,
                "handed_in": pct(g.submissions),
                "disengaged": g.disengaged,
            }
            for g in w.groups
        ],
        "charts": chart_refs(charts),
    }


def trust_charts(weeks: Sequence[SchoolWeek]) -> list[Chart]:
    names = [w.school_name for w in weeks]
    values = [w.submissions.share for w in weeks]
    alt = "Work handed in, by school: " + "; ".join(
        f"{clean(w.school_name, 60)} {pct(w.submissions)}" for w in weeks
    )
    return [ranked_bars("by-school", "Work handed in, by school", names, values, alt=alt)]


def trust_context(
    trust_name: str,
    pairs: Sequence[tuple[SchoolWeek, SchoolWeek]],
    charts: Sequence[Chart],
) -> dict[str, Any]:
    """The context of ``templates/trust_digest``: one row per school, then the trust's."""

    def total(get: Any) -> Rate:
        rates = [get(w) for w, _ in pairs]
        return Rate(sum(r.part for r in rates), sum(r.whole for r in rates))

    rows = [
        {
            "name": clean(w.school_name) or w.school_key,
            "r1": pct(w.r1),
            "handed_in": pct(w.submissions),
            "handed_in_change": change_pts(w.submissions, last.submissions),
            "marked_in_time": pct(w.within_window),
            "recorded": pct(w.recorded),
            "disengaged": w.trend.now,
            "disengaged_change": _signed(w.trend.now - last.trend.now, ""),
        }
        for w, last in pairs
    ]
    week = pairs[0][0].week
    return {
        "trust_name": clean(trust_name) or "The trust",
        "week_label": week.label,
        "week_heading": week.heading(),
        "schools": rows,
        "total": {
            "r1": pct(total(lambda w: w.r1)),
            "handed_in": pct(total(lambda w: w.submissions)),
            "marked_in_time": pct(total(lambda w: w.within_window)),
            "recorded": pct(total(lambda w: w.recorded)),
            "disengaged": sum(w.trend.now for w, _ in pairs),
            "one_to_one": sum(w.one_to_one for w, _ in pairs),
        },
        "charts": chart_refs(charts),
    }
