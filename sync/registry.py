"""The trust and its schools, as config describes them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import SchoolSettings, Settings
from sync.models import School, Trust


def ensure_trust_and_schools(session: Session, settings: Settings) -> dict[str, School]:
    """Create or update the Trust and School rows from config; returns schools by key.

    Schools removed from config are left alone: their history still belongs to them.
    Flushes but does not commit: the caller owns the transaction.
    """
    trust = session.scalars(select(Trust).where(Trust.key == settings.trust.key)).one_or_none()
    if trust is None:
        trust = Trust(key=settings.trust.key, name=settings.trust.name)
        session.add(trust)
        session.flush()
    elif trust.name != settings.trust.name:
        trust.name = settings.trust.name

    keys = [s.key for s in settings.schools]
    existing = {s.key: s for s in session.scalars(select(School).where(School.key.in_(keys)))}
    schools: dict[str, School] = {}
    for conf in settings.schools:
        values = _school_values(conf)
        school = existing.get(conf.key)
        if school is None:
            school = School(key=conf.key, trust_id=trust.id, **values)
            session.add(school)
        else:
            school.trust_id = trust.id
            for name, value in values.items():
                if getattr(school, name) != value:
                    setattr(school, name, value)
        schools[conf.key] = school
    session.flush()
    return schools


def _school_values(conf: SchoolSettings) -> dict[str, str | None]:
    return {
        "name": conf.name,
        "platform": conf.platform.value,
        "time_zone": conf.time_zone,
        "platform_id": conf.microsoft.school_id if conf.microsoft else None,
    }
