"""Import pupil groups from a school's MIS export (CSV) for the digest's group breakdowns.

The file has a header row; headers are case-insensitive (spaces and hyphens read as
underscores) and only these columns are read::

    email            the pupil's school email, as on Classroom/Teams (required)
    upn              the pupil's UPN (optional; checked for shape, never stored)
    send, pupil_premium, eal, vulnerable
                     yes/no, y/n, true/false, 1/0 (any case); blank means no
    guardian_emails  guardians' addresses separated by ';' (kept only where the school
                     sends parent notes)

Any other column is ignored and never stored (R7: these flags and nothing more). Every
row is checked first; any bad row (reported by its line number) stops the import with
nothing written. A good file replaces the school's previous import as one transaction:
importing the same file twice leaves the same rows, and a pupil left out of the new
file loses their flags. Rows whose email is not a pupil of the school are skipped and
listed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from config.settings import SchoolSettings
from jobs.digest_pupils import GROUPS, school_pupils
from sync.models import Person, PupilAttribute, School

FLAGS = tuple(name for name, _ in GROUPS)
COLUMNS = ("email", "upn", *FLAGS, "guardian_emails")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
MAX_ROWS = 20_000


class MisFileError(ValueError):
    """The file as a whole cannot be read (no header, no email column, not UTF-8)."""


@dataclass(frozen=True, slots=True)
class MisRow:
    line: int
    email: str
    flags: tuple[bool, ...]
    guardians: tuple[str, ...]


@dataclass(slots=True)
class MisParse:
    rows: list[MisRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    ignored_columns: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MisReport:
    imported: int = 0
    removed: int = 0
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (line, email)
    guardians_dropped: bool = False


def _header(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _flag(value: str) -> bool | None:
    v = value.strip().lower()
    return True if v in _TRUE else False if v in _FALSE else None


def _check_row(
    record: list[str], index: dict[str, int], line: int, first_line: dict[str, int]
) -> tuple[MisRow | None, list[str]]:
    """One data row: the row, or None and every problem with it."""
    problems = []
    email = record[index["email"]].strip()
    if not _EMAIL.match(email):
        problems.append(f"email {email[:80]!r} is not an email address")
    elif email.lower() in first_line:
        problems.append(f"email {email} is already on line {first_line[email.lower()]}")
    else:
        first_line[email.lower()] = line
    if "upn" in index:
        upn = record[index["upn"]].strip().upper()
        if upn and not _UPN.match(upn):
            problems.append(f"upn {upn[:20]!r} is not a UPN (a letter and 12 characters)")
    flags = []
    for name in FLAGS:
        value = record[index[name]] if name in index else ""
        flag = _flag(value)
        if flag is None:
            problems.append(f"{name} {value.strip()[:20]!r} is not yes/no, y/n, true/false, 1/0")
        flags.append(bool(flag))
    guardians: list[str] = []
    if "guardian_emails" in index:
        for g in re.split(r"[;\s]+", record[index["guardian_emails"]].strip()):
            if g and not _EMAIL.match(g):
                problems.append(f"guardian email {g[:80]!r} is not an email address")
            elif g and g.lower() not in (x.lower() for x in guardians):
                guardians.append(g)
    if problems:
        return None, problems
    return MisRow(line, email, tuple(flags), tuple(guardians)), []


def parse_csv(text: str) -> MisParse:
    """Check every row of ``text``; raises MisFileError when the file itself is unusable."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise MisFileError("the file is empty") from None
    except csv.Error as e:
        raise MisFileError(f"line 1: {e}") from None
    names = [_header(h) for h in header]
    if "email" not in names:
        raise MisFileError("line 1: there is no 'email' column")
    result = MisParse(
        ignored_columns=[h for h, n in zip(header, names, strict=True) if n not in COLUMNS]
    )
    seen = {n for n in names if n in COLUMNS}
    dupes = sorted({n for n in names if n in COLUMNS and names.count(n) > 1})
    if dupes:
        raise MisFileError(f"line 1: column {dupes[0]!r} appears twice")
    index = {n: names.index(n) for n in seen}
    first_line: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            result.errors.append((start, f"cannot be read as CSV: {e}"))
            break
        line = start
        if not any(cell.strip() for cell in record):
            continue
        if len(result.rows) + len(result.errors) >= MAX_ROWS:
            result.errors.append((line, f"more than {MAX_ROWS} rows"))
            break
        if len(record) != len(header):
            result.errors.append((line, f"has {len(record)} fields, the header has {len(header)}"))
            continue
        row, problems = _check_row(record, index, line, first_line)
        if row is None:
            result.errors.append((line, "; ".join(problems)))
        else:
            result.rows.append(row)
    return result


def import_rows(
    session: Session,
    school_row: School,
    school: SchoolSettings,
    rows: list[MisRow],
    *,
    now: datetime,
) -> MisReport:
    """Replace the school's pupil attributes with ``rows`` (already checked). Not committed."""
    report = MisReport()
    pupils = school_pupils(school_row.id).subquery()
    by_email = {
        email.lower(): pid
        for pid, email in session.execute(
            select(Person.id, func.lower(Person.email)).where(
                Person.id.in_(select(pupils.c.person_id)), Person.email.is_not(None)
            )
        )
    }
    existing = {
        a.person_id: a
        for a in session.scalars(
            select(PupilAttribute).where(PupilAttribute.school_id == school_row.id)
        )
    }
    keep_guardians = school.parent_notes.enabled
    kept: set[int] = set()
    for row in rows:
        pid = by_email.get(row.email.lower())
        if pid is None:
            report.unmatched.append((row.line, row.email))
            continue
        if row.guardians and not keep_guardians:
            report.guardians_dropped = True
        values = dict(zip(FLAGS, row.flags, strict=True))
        guardians = list(row.guardians) if keep_guardians else []
        attr = existing.get(pid)
        if attr is None:
            attr = PupilAttribute(school_id=school_row.id, person_id=pid, **values)
            session.add(attr)
        else:
            for name, value in values.items():
                setattr(attr, name, value)
        attr.guardian_emails = guardians
        attr.imported_at = now
        kept.add(pid)
        report.imported += 1
    stale = [pid for pid in existing if pid not in kept]
    if stale:
        session.execute(
            delete(PupilAttribute).where(
                PupilAttribute.school_id == school_row.id, PupilAttribute.person_id.in_(stale)
            )
        )
    report.removed = len(stale)
    session.flush()
    return report
