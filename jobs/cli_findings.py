"""``classpulse findings``: list what the rules found, as a table or as stable JSON.

The JSON shape is documented in the README ("findings JSON"); scripts rely on it, so
fields are only ever added. Rows come from a handful of set-based queries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from connector.records import Role
from jobs.cli import ConfigOpt, app, out, sessions_for, settings_from
from sync.models import Finding, LiveLesson, Membership, Person, School, SchoolClass, Work


def iso(t: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, or None."""
    if t is None:
        return None
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def list_findings(
    session: Session,
    *,
    open_only: bool = False,
    rules: list[str] | None = None,
    school_key: str | None = None,
) -> list[dict[str, Any]]:
    """Findings as plain dicts in the documented JSON shape, oldest first."""
    pupil = aliased(Person)
    query = (
        select(
            Finding,
            School.key,
            SchoolClass.platform_id,
            SchoolClass.name,
            Work.platform_id,
            Work.title,
            pupil.platform_id,
            pupil.full_name,
            LiveLesson.platform_id,
            LiveLesson.title,
        )
        .join(School, School.id == Finding.school_id)
        .outerjoin(SchoolClass, SchoolClass.id == Finding.class_id)
        .outerjoin(Work, Work.id == Finding.work_id)
        .outerjoin(pupil, pupil.id == Finding.pupil_id)
        .outerjoin(LiveLesson, LiveLesson.id == Finding.lesson_id)
        .order_by(Finding.first_seen_at, Finding.id)
    )
    if open_only:
        query = query.where(Finding.resolved_at.is_(None))
    if rules:
        query = query.where(Finding.rule.in_([r[:2].upper() + r[2:] for r in rules]))
    if school_key is not None:
        query = query.where(School.key == school_key)
    rows = session.execute(query).all()
    teachers = _teacher_emails(session, {r[0].class_id for r in rows if r[0].class_id})
    out_rows = []
    for f, school, cls_id, cls_name, work_id, title, pupil_id, pupil_name, les_id, les in rows:
        if f.lesson_id is not None:
            subject = {"kind": "lesson", "id": les_id, "name": les}
        elif f.work_id is not None:
            subject = {"kind": "work", "id": work_id, "name": title}
        elif f.pupil_id is not None:
            subject = {"kind": "pupil", "id": pupil_id, "name": pupil_name}
        else:
            subject = {"kind": "class", "id": cls_id, "name": cls_name}
        out_rows.append(
            {
                "id": f.id,
                "rule": f.rule,
                "school": school,
                "day": f.day.isoformat() if f.day else None,
                "subject": subject,
                "class": {"id": cls_id, "name": cls_name} if f.class_id else None,
                "teacher_emails": teachers.get(f.class_id, []) if f.class_id else [],
                "evidence": f.evidence,
                "first_seen_at": iso(f.first_seen_at),
                "last_seen_at": iso(f.last_seen_at),
                "resolved_at": iso(f.resolved_at),
            }
        )
    return out_rows


def _teacher_emails(session: Session, class_ids: set[int]) -> dict[int, list[str]]:
    if not class_ids:
        return {}
    rows = session.execute(
        select(Membership.class_id, Person.email)
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.class_id.in_(sorted(class_ids)),
            Membership.role == Role.TEACHER,
            Membership.left_at.is_(None),
            Person.email.is_not(None),
        )
        .order_by(Membership.class_id, Person.email)
    ).all()
    out: dict[int, list[str]] = {}
    for class_id, email in rows:
        if email:
            out.setdefault(class_id, []).append(email)
    return out


def _summary(evidence: dict[str, Any]) -> str:
    keys = ("found", "required", "overdue", "oldest_age_working_hours", "days")
    return ", ".join(f"{k}={evidence[k]}" for k in keys if k in evidence)


@app.command()
def findings(
    config: ConfigOpt = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only findings still open.")] = False,
    rule: Annotated[
        list[str] | None, typer.Option(help="Only these rules, e.g. R1 or R2-feedback.")
    ] = None,
    school: Annotated[str | None, typer.Option(help="Only this school (its key).")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="A JSON array (shape in the README).")
    ] = False,
) -> None:
    """List findings: what each rule found, when it was first and last seen, and resolved."""
    settings = settings_from(config)
    with sessions_for(settings)() as session:
        rows = list_findings(session, open_only=open_only, rules=rule, school_key=school)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, sort_keys=True))
        return
    table = Table(title=f"Findings ({len(rows)})")
    cols = ("id", "rule", "school", "day", "subject", "class", "evidence", "first seen", "status")
    for col in cols:
        table.add_column(col)
    for r in rows:
        subject = r["subject"]
        table.add_row(
            str(r["id"]),
            r["rule"],
            r["school"],
            r["day"] or "-",
            f"{subject['kind']}: {subject['name'] or subject['id']}",
            (r["class"] or {}).get("name") or "-",
            _summary(r["evidence"]),
            r["first_seen_at"],
            "open" if r["resolved_at"] is None else f"resolved {r['resolved_at']}",
        )
    out.print(table)
