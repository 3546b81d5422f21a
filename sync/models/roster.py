"""Who is where: the trust, its schools, people, classes and memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.records import ClassState, Role
from sync.models.base import Base, Synced
from sync.types import str_enum


class Trust(Base):
    __tablename__ = "trust"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(256))


class School(Base):
    """A school from config; ``platform_id`` is its Graph educationSchool id, if any."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trust.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    platform: Mapped[str] = mapped_column(String(16))
    platform_id: Mapped[str | None] = mapped_column(String(256), default=None)
    time_zone: Mapped[str] = mapped_column(String(64))


class Person(Synced, Base):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("platform", "platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), index=True, default=None
    )
    email: Mapped[str | None] = mapped_column(String(320), index=True, default=None)
    given_name: Mapped[str | None] = mapped_column(String(256), default=None)
    family_name: Mapped[str | None] = mapped_column(String(256), default=None)
    full_name: Mapped[str | None] = mapped_column(String(512), default=None)
    # True once the person teaches any class; pupils are everyone else.
    is_staff: Mapped[bool] = mapped_column(default=False)


class SchoolClass(Synced, Base):
    """A Google Classroom course or a Teams class team."""

    __tablename__ = "school_class"
    __table_args__ = (UniqueConstraint("platform", "platform_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(512))
    section: Mapped[str | None] = mapped_column(String(512), default=None)
    state: Mapped[ClassState] = mapped_column(str_enum(ClassState))
    owner_platform_id: Mapped[str | None] = mapped_column(String(256), default=None)
    alternate_link: Mapped[str | None] = mapped_column(String(2048), default=None)
    calendar_ref: Mapped[str | None] = mapped_column(String(512), default=None)
    created_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    # When a complete roster was first stored: members seen before then get no joined_at.
    roster_synced_at: Mapped[datetime | None] = mapped_column(default=None)


class Membership(Base):
    """A person in a class. ``left_at`` is set when the roster stops listing them."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("class_id", "person_id", "role"),
        Index("ix_membership_person_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # First time a sync saw the membership; None when it was there on the first full sync.
    joined_at: Mapped[datetime | None] = mapped_column(default=None)
    left_at: Mapped[datetime | None] = mapped_column(default=None)
