"""``settings_for``: the classpulse config that points at a sandbox serving a scenario."""

from __future__ import annotations

from typing import Any

from connector.records import Platform
from connector.sandbox.scenario.calendars import calendar_config
from connector.sandbox.scenario.ids import (
    SANDBOX_CLIENT_ID,
    SANDBOX_TENANT_ID,
    customer_admin_email,
)
from connector.sandbox.scenario.model import Scenario
from connector.sandbox.scenario.names import TRUST
from connector.sandbox.scenario.truth_r2 import R2_CONFIG
from connector.sandbox.scenario.truth_r4 import r3_config, r4_config

# The name of the variable holding the sandbox client secret, not a secret itself.
MS_SECRET_ENV = "CLASSPULSE_SANDBOX_MS_SECRET"  # noqa: S105


def settings_for(
    scenario: Scenario,
    *,
    database_url: str,
    google_endpoint: str,
    service_account_file: str,
    microsoft_base_url: str,
    microsoft_authority: str,
    outbox_dir: str,
    audit_log: bool = False,
) -> dict[str, Any]:
    """A dict that validates as :class:`config.settings.Settings` for ``scenario``.

    Each school's R1 class rules are its ``daily_patterns`` (mode daily) followed by a
    catch-all exempt rule, so the config and the ground truth agree on what is daily.
    ``audit_log``: Google incremental syncs read the Classroom audit log as the sandbox
    customer's admin, the set-up the README recommends (without it, the default, an
    incremental run re-reads the submissions of all work that can still change).
    """
    schools: list[dict[str, Any]] = []
    for s in scenario.schools:
        rules: list[dict[str, Any]] = [{"match": p, "mode": "daily"} for p in s.daily_patterns]
        rules.append({"match": ".*", "mode": "exempt"})
        school: dict[str, Any] = {
            "key": s.id,
            "name": s.name,
            "time_zone": s.time_zone,
            "nation": s.nation,
            "platform": s.platform.value,
            "r1": {
                "cutoff": s.r1_cutoff.isoformat(timespec="minutes"),
                "min_items": s.r1_min_items,
                "classes": rules,
            },
            "r2": R2_CONFIG,
            "calendar": calendar_config(s),
            "r3": r3_config(s),
            "r4": r4_config(s),
            "leaders": [s.admin_email],
        }
        if s.platform is Platform.GOOGLE:
            school["google"] = {"admin_email": s.admin_email}
        else:
            school["microsoft"] = {"school_id": s.platform_school_id}
        schools.append(school)
    google: dict[str, Any] = {
        "endpoint": google_endpoint,
        "service_account": {"file": service_account_file},
    }
    if audit_log:
        google["audit_log"] = {"enabled": True, "admin_email": customer_admin_email()}
    return {
        "database": {"url": database_url},
        "trust": {"key": TRUST[0], "name": scenario.trust_name},
        "schools": schools,
        "google": google,
        "microsoft": {
            "base_url": microsoft_base_url,
            "authority": microsoft_authority,
            "tenant_id": SANDBOX_TENANT_ID,
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": {"env": MS_SECRET_ENV},
        },
        "email": {"transport": "file", "file": {"directory": outbox_dir}},
    }
