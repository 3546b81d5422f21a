"""`classpulse mis import`: pupil groups from a school's MIS CSV, checked row by row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jobs.cli import app
from jobs.mis import import_rows, parse_csv
from sync.db import make_engine, make_sessionmaker
from sync.models import PupilAttribute, School
from tests.digest.factories import DigestFactory, at, school_settings

GOOD = (
    "Email,UPN,SEND,Pupil Premium,EAL,Vulnerable,Guardian-Emails,Date of birth\n"
    "ava@pupils.example,A123456789012,Y,no,TRUE,,mum@home.example; dad@home.example,2014-01-01\n"
    "ben@pupils.example,,0,1,false,yes,,2014-02-02\n"
)


def test_every_bad_row_is_reported_by_its_line_number() -> None:
    parsed = parse_csv(
        "email,send,eal,guardian_emails\n"
        "ava@pupils.example,y,n,\n"
        "not-an-email,maybe,n,\n"
        "\n"
        '"ben@pupils.example",yes,"no",granny at home\n'
        "ava@pupils.example,n,n,\n"
        "cal@pupils.example,n\n"
    )
    assert [r.email for r in parsed.rows] == ["ava@pupils.example"]
    assert parsed.errors == [
        (
            3,
            "email 'not-an-email' is not an email address; "
            "send 'maybe' is not yes/no, y/n, true/false, 1/0",
        ),
        (
            5,
            "guardian email 'granny' is not an email address; "
            "guardian email 'at' is not an email address; "
            "guardian email 'home' is not an email address",
        ),
        (6, "email ava@pupils.example is already on line 2"),
        (7, "has 2 fields, the header has 4"),
    ]


def test_headers_in_any_case_and_every_yes_no_form_are_read() -> None:
    parsed = parse_csv(GOOD)
    assert parsed.errors == []
    assert parsed.ignored_columns == ["Date of birth"]
    ava, ben = parsed.rows
    assert ava.flags == (True, False, True, False)
    assert ava.guardians == ("mum@home.example", "dad@home.example")
    assert (ben.line, ben.flags, ben.guardians) == (3, (False, True, False, True), ())


def pupils(make: DigestFactory) -> None:
    school = make.school()
    cls = make.klass(school, "7A Maths")
    for name in ("Ava", "Ben"):
        make.enrol(make.pupil(f"{name} Smith", school, email=f"{name.lower()}@pupils.example"), cls)


def stored(session: Session) -> dict[int, tuple[bool, bool, bool, bool, list[str]]]:
    return {
        a.person_id: (a.send, a.pupil_premium, a.eal, a.vulnerable, a.guardian_emails)
        for a in session.scalars(select(PupilAttribute))
    }


def test_reimporting_the_same_file_changes_nothing_and_a_pupil_left_out_loses_flags(
    lite: DigestFactory,
) -> None:
    pupils(lite)
    db = lite.session
    row = db.scalars(select(School)).one()
    cfg = school_settings(parent_notes={"enabled": True})

    first = import_rows(db, row, cfg, parse_csv(GOOD).rows, now=at(23))
    before = stored(db)
    second = import_rows(db, row, cfg, parse_csv(GOOD).rows, now=at(24))
    header, _ava, ben = GOOD.splitlines()
    only_ben = import_rows(db, row, cfg, parse_csv(f"{header}\n{ben}\n").rows, now=at(25))

    assert (first.imported, second.imported, second.removed) == (2, 2, 0)
    assert sorted(v[4] for v in before.values()) == [[], ["mum@home.example", "dad@home.example"]]
    assert only_ben.removed == 1
    assert list(stored(db).values()) == [(False, True, False, True, [])]


def test_guardian_emails_are_kept_only_where_parent_notes_are_on(lite: DigestFactory) -> None:
    pupils(lite)
    row = lite.session.scalars(select(School)).one()
    report = import_rows(lite.session, row, school_settings(), parse_csv(GOOD).rows, now=at(23))
    assert report.guardians_dropped
    assert all(v[4] == [] for v in stored(lite.session).values())


def test_the_command_imports_nothing_when_a_row_is_bad_and_exits_2(
    configured: tuple[Path, str], tmp_path: Path
) -> None:
    cfg, url = configured
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        pupils(DigestFactory(session))
        session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "cal@pupils.example,,perhaps,,,,,\n")
    good = tmp_path / "good.csv"
    good.write_text(GOOD + "zed@elsewhere.example,,,,,,,\n")
    runner = CliRunner()

    refused = runner.invoke(app, ["mis", "import", "oak", str(bad), "--config", str(cfg)])
    with make_sessionmaker(engine)() as session:
        assert stored(session) == {}
    done = runner.invoke(app, ["mis", "import", "oak", str(good), "--config", str(cfg)])
    with make_sessionmaker(engine)() as session:
        count = len(stored(session))
    engine.dispose()

    assert refused.exit_code == 2
    assert "line 4: send 'perhaps' is not yes/no" in refused.output
    assert "nothing was imported" in refused.output
    assert done.exit_code == 0, done.output
    assert "Imported 2 pupil(s)" in done.output
    assert "line 4: no pupil zed@elsewhere.example at oak; skipped" in done.output
    assert "Ignored columns (not stored): Date of birth" in done.output
    assert count == 2
