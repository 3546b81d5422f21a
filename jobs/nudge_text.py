"""The words of the teacher nudge: one phrase per finding, and the template's context.

Phrases are ours; anything an API supplied (class, work, pupil and lesson names, links)
goes through :func:`jobs.emails.clean` / :func:`jobs.emails.safe_link` here, and the HTML
template autoescapes it again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jobs.emails import clean, day_label, safe_link

if TYPE_CHECKING:
    from jobs.nudge_items import ClassNudge
    from sync.models import Person

# R3 signals by the name :mod:`jobs.rules.r3` gives them; class signals carry a class_id.
_CLASS_SIGNALS = frozenset({"missed_work", "missed_lessons"})


def sort_name(name: str | None) -> str:
    return clean(name).casefold()


def person_name(p: Person, fallback: str = "A pupil") -> str:
    full = p.full_name or " ".join(n for n in (p.given_name, p.family_name) if n)
    return clean(full, 80) or fallback


def not_posted(day: date, evidence: Mapping[str, Any]) -> str:
    if evidence.get("mode") == "weekly":
        return (
            f"Fewer than {_int(evidence, 'required') or 1} posts in the week ending "
            f"{day_label(day)}"
        )
    return f"Nothing posted on {day_label(day)}"


def _int(evidence: Mapping[str, Any], *keys: str) -> int | None:
    for k in keys:
        v = evidence.get(k)
        if isinstance(v, bool):
            continue
        if isinstance(v, int | float):
            return int(v)
    return None


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _age(seconds: float) -> str:
    days = int(seconds // 86_400)
    if days >= 2:
        return f"{days} days"
    hours = max(int(seconds // 3_600), 1)
    return "1 hour" if hours == 1 else f"{hours} hours"


def to_mark(evidence: Mapping[str, Any], now: datetime) -> tuple[str, float] | None:
    """R2, one line per piece of work: how many are overdue and how old the oldest is.

    Returns the phrase and the oldest's age in seconds (for ordering), or None when the
    evidence counts nothing overdue.
    """
    count = _int(evidence, "overdue", "overdue_count", "count")
    if count is None or count <= 0:
        return None
    noun = "submission" if count == 1 else "submissions"
    phrase = f"{count} {noun} waiting to be marked"
    oldest = _instant(evidence.get("oldest_turned_in_at") or evidence.get("oldest_at"))
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    if oldest is not None and age > 0:
        phrase += f", the oldest handed in {_age(age)} ago"
    return phrase, age


def _count(signal: Mapping[str, Any], key: str) -> int | None:
    return _int(signal, key)


def signal_phrase(signal: Mapping[str, Any]) -> str:
    """One R3 signal in words, from its evidence (numbers only: nothing to escape)."""
    name = signal.get("signal")
    missed = _count(signal, "missed")
    if name == "missed_work":
        return f"missed {missed or 'several'} pieces of work in a row"
    if name == "missed_lessons":
        return f"missed the last {missed or 'few'} live lessons"
    if name == "low_share":
        due, handed = _count(signal, "due"), _count(signal, "handed_in")
        days = _count(signal, "days") or 14
        if due is not None and handed is not None:
            return f"handed in {handed} of {due} pieces of work due in the last {days} days"
        return f"handed in less than half the work due in the last {days} days"
    if name == "inactive":
        return f"no activity in any class for {_count(signal, 'days') or 'several'} school days"
    return "not engaging at the moment"


def signals_by_class(evidence: Mapping[str, Any], classes: Sequence[int]) -> list[tuple[int, str]]:
    """R3 for one teacher: ``(class id, phrase)`` per class of theirs the pupil tripped a
    class signal in; signals across every class go with the first such class (else the
    first of ``classes``, which are the teacher's classes the pupil is in, in order)."""
    raw = evidence.get("signals")
    signals = [s for s in raw if isinstance(s, Mapping)] if isinstance(raw, list) else []
    per_class: dict[int, list[str]] = {}
    across: list[str] = []
    for s in signals:
        if s.get("signal") in _CLASS_SIGNALS:
            if s.get("class_id") in classes:
                per_class.setdefault(int(s["class_id"]), []).append(signal_phrase(s))
        else:
            across.append(signal_phrase(s))
    if not classes or not (per_class or across):
        return []
    ordered = [c for c in classes if c in per_class] or [classes[0]]
    per_class.setdefault(ordered[0], []).extend(across)
    return [(c, "; ".join(per_class[c])) for c in ordered]


def not_recorded(started_at: datetime, time_zone: str) -> str:
    local = started_at.astimezone(ZoneInfo(time_zone))
    return f"Live lesson on {day_label(local.date())} at {local:%H:%M} has no recording"


def nudge_context(
    *,
    teacher_name: str | None,
    school_name: str,
    classes: Sequence[ClassNudge],
    cutoff: time,
    today: date,
) -> dict[str, Any]:
    """The nudge template's context: classes in order, each with its escaped-ready lines."""
    blocks: list[dict[str, Any]] = []
    rules: set[str] = set()
    count = 0
    for c in classes:
        lines: list[dict[str, Any]] = []
        for ln in c.lines:
            rules.add(ln.rule)
            lines.append(
                {
                    "rule": ln.rule,
                    "lead": clean(ln.lead) if ln.lead is not None else "",
                    "text": ln.text,
                    "link": safe_link(ln.link),
                    "link_label": "Open the work" if ln.rule == "R2" else "",
                }
            )
        if not lines:
            continue
        count += len(lines)
        fallback = "Other live lessons" if c.class_id is None else "A class"
        blocks.append(
            {
                "name": clean(c.name) or fallback,
                "link": safe_link(c.link),
                "link_label": "Open the class" if c.class_id is not None else "",
                "lines": lines,
            }
        )
    return {
        "greeting_name": clean(teacher_name, 60) or "there",
        "school_name": clean(school_name),
        "classes": blocks,
        "class_count": len(blocks),
        "item_count": count,
        "only_posting": rules == {"R1"},
        "has_posting": "R1" in rules,
        "cutoff": cutoff.strftime("%H:%M"),
        "today": day_label(today),
    }
