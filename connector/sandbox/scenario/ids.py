"""Platform-format identifiers drawn from the scenario's seeded RNG, unique per kind.

Google ids are numeric strings (courses and coursework 12 digits, users 21 digits like
real Workspace user ids), submissions are opaque ``Cg4I…`` strings; Microsoft ids are
GUIDs. Nothing here calls ``uuid4()`` or reads the clock, so a seed gives the same ids
on every machine.
"""

from __future__ import annotations

import base64
import random
import string
import uuid
from collections.abc import Callable

from connector.sandbox.scenario.names import TRUST

# The sandbox tenant's fixed identity (also written into settings_for's config).
SANDBOX_TENANT_ID = "5b1c7a3e-0d2f-4e8a-9c61-3f4b2a7d9e10"
SANDBOX_CLIENT_ID = "8e2d4f6a-1b3c-4d5e-8f70-a1b2c3d4e5f6"
# Every Google school of the trust is one Google Workspace customer; Workspace customer
# ids are "C" and eight letters and digits (the Reports API's ``id.customerId``).
SANDBOX_CUSTOMER_ID = "C03nbr7d2"


def customer_admin_email() -> str:
    """The Workspace customer's super admin, above every school's own admin."""
    return f"admin@{TRUST[0]}.org.uk"

_LOWER = string.ascii_lowercase
_ALNUM = string.ascii_letters + string.digits


class Ids:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: dict[str, set[str]] = {}

    def _unique(self, kind: str, make: Callable[[], str]) -> str:
        seen = self._seen.setdefault(kind, set())
        value = make()
        while value in seen:  # vanishingly rare; keeps "unique per kind" a guarantee
            value = make()
        seen.add(value)
        return value

    def _digits(self, n: int) -> Callable[[], str]:
        return lambda: str(self._rng.randrange(10 ** (n - 1), 10**n))

    def _opaque(self) -> str:
        raw = self._rng.getrandbits(120).to_bytes(15, "big")
        return "Cg4I" + base64.urlsafe_b64encode(raw).decode("ascii")

    def _guid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _calendar(self) -> str:
        return f"c_classroom{self._rng.getrandbits(32):08x}@group.calendar.google.com"

    def _meet(self) -> str:
        c = "".join(self._rng.choices(_LOWER, k=10))
        return f"{c[:3]}-{c[3:7]}-{c[7:]}"

    # --- Google -------------------------------------------------------------------------

    def course(self) -> str:
        return self._unique("course", self._digits(12))

    def user(self) -> str:
        return self._unique("user", self._digits(21))

    def work(self) -> str:
        return self._unique("work", self._digits(12))

    def submission(self) -> str:
        return self._unique("submission", self._opaque)

    def submission_guid(self) -> str:
        return self._unique("submission", self._guid)

    def calendar(self) -> str:
        return self._unique("calendar", self._calendar)

    def meet_code(self) -> str:
        return self._unique("meet", self._meet)

    # --- Microsoft and shared -------------------------------------------------------------

    def guid(self, kind: str = "guid") -> str:
        return self._unique(kind, self._guid)

    def teams_join_url(self, organiser_id: str) -> str:
        def make() -> str:
            thread = "".join(self._rng.choices(_ALNUM, k=48))
            return (
                f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0"
                f"?context=%7b%22Tid%22%3a%22{SANDBOX_TENANT_ID}%22%2c%22Oid%22%3a%22"
                f"{organiser_id}%22%7d"
            )

        return self._unique("teams_url", make)
