"""Every kind of answer the Graph sandbox gives matches Graph's own schema.

Two checks per answer: msgraph-sdk's models parse it with nothing left over (no unknown
property lands in ``additional_data``), and openapi-core validates it against the v1.0
OpenAPI slice built from Microsoft's CSDL (``/work/shared/specs``).
"""

from __future__ import annotations

import enum
import functools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.education.classes.delta.delta_get_response import (
    DeltaGetResponse as ClassesDelta,
)
from msgraph.generated.education.classes.item.assignments.delta.delta_get_response import (
    DeltaGetResponse as AssignmentsDelta,
)
from msgraph.generated.education.classes.item.get_recently_modified_submissions.get_recently_modified_submissions_get_response import (  # noqa: E501
    GetRecentlyModifiedSubmissionsGetResponse,
)
from msgraph.generated.models.education_assignment import EducationAssignment
from msgraph.generated.models.education_assignment_collection_response import (
    EducationAssignmentCollectionResponse,
)
from msgraph.generated.models.education_class import EducationClass
from msgraph.generated.models.education_class_collection_response import (
    EducationClassCollectionResponse,
)
from msgraph.generated.models.education_module import EducationModule
from msgraph.generated.models.education_module_collection_response import (
    EducationModuleCollectionResponse,
)
from msgraph.generated.models.education_school import EducationSchool
from msgraph.generated.models.education_school_collection_response import (
    EducationSchoolCollectionResponse,
)
from msgraph.generated.models.education_submission_collection_response import (
    EducationSubmissionCollectionResponse,
)
from msgraph.generated.models.education_user import EducationUser
from msgraph.generated.models.education_user_collection_response import (
    EducationUserCollectionResponse,
)
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from config.settings import MicrosoftSettings
from connector.graph import GRAPH_SCOPE, build_credential
from connector.graph.snapshot import ASSIGNMENT_FIELDS
from connector.records import WorkKind, WorkState
from connector.sandbox.graph import SANDBOX_CLIENT_SECRET
from connector.sandbox.world import World
from tests.graph.factories import SCHOOL_GRAPH_ID, microsoft_world

SPEC = Path("/work/shared/specs/graph-v1.0-slice.openapi3.json")
SPEC_SERVER = "http://127.0.0.1:4020"  # the slice's servers[0]
ENVELOPE = {"@odata.context"}  # OData control information the models keep no field for


def _nullable_refs(node: Any) -> Any:
    """``{"allOf": [{"$ref"}], "nullable": true}`` → a ref that also admits null.

    The CSDL converter marks nullable references this way; OpenAPI 3.0 validators apply
    the referenced (non-nullable) schema to ``null`` anyway, so Graph's documented
    ``"application": null`` would fail. This restates the spec's intent, nothing more.
    """
    if isinstance(node, list):
        return [_nullable_refs(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_refs(v) for k, v in node.items()}
    all_of = out.get("allOf")
    if out.get("nullable") is True and isinstance(all_of, list) and len(all_of) == 1:
        rest = {k: v for k, v in out.items() if k not in ("allOf", "nullable")}
        return {**rest, "anyOf": [all_of[0], {"enum": [None], "nullable": True}]}
    return out


@functools.cache
def _openapi() -> OpenAPI:
    # The generated spec carries default: "null" on date-times: skip the spec's own check.
    spec = _nullable_refs(json.loads(SPEC.read_text()))
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def _leftovers(obj: Any, where: str = "$") -> list[str]:
    """Every non-empty additional_data in a parsed model tree."""
    out: list[str] = []
    if isinstance(obj, list):
        for i, x in enumerate(obj):
            out += _leftovers(x, f"{where}[{i}]")
        return out
    if not isinstance(obj, Parsable):
        return out
    extra = set(getattr(obj, "additional_data", None) or {})
    if where == "$":
        extra -= ENVELOPE
    if extra:
        out.append(f"{where} ({type(obj).__name__}): {sorted(extra)}")
    for name, value in vars(obj).items():
        if name != "additional_data" and not isinstance(value, enum.Enum):
            out += _leftovers(value, f"{where}.{name}")
    return out


def _cases(world: World) -> list[tuple[str, dict[str, str], Any]]:
    klass = world.scenario.classes[0]
    live = next(w for w in world.work_by_class[klass.id] if w.state is WorkState.PUBLISHED)
    material = next(w for w in world.work_by_class[klass.id] if w.kind is WorkKind.MATERIAL)
    c = f"/education/classes/{klass.id}"
    prefer = {"Prefer": "include-unknown-enum-members"}
    return [
        ("/education/schools", {}, EducationSchoolCollectionResponse),
        (f"/education/schools/{SCHOOL_GRAPH_ID}", {}, EducationSchool),
        (f"/education/schools/{SCHOOL_GRAPH_ID}/classes?$top=2", {},
         EducationClassCollectionResponse),
        ("/education/classes", {}, EducationClassCollectionResponse),
        ("/education/classes/delta()", {}, ClassesDelta),
        (c, {}, EducationClass),
        (f"{c}/schools", {}, EducationSchoolCollectionResponse),
        (f"{c}/members", {}, EducationUserCollectionResponse),
        (f"{c}/teachers", {}, EducationUserCollectionResponse),
        (f"/education/users/{klass.owner_id}", {}, EducationUser),
        (f"{c}/assignments", {}, EducationAssignmentCollectionResponse),
        (f"{c}/assignments/delta()", {}, AssignmentsDelta),
        (f"{c}/assignments/{live.id}", {}, EducationAssignment),
        (f"{c}/modules", {}, EducationModuleCollectionResponse),
        (f"{c}/modules/{material.id}", {}, EducationModule),
        (f"{c}/assignments/{live.id}/submissions?$expand=outcomes", prefer,
         EducationSubmissionCollectionResponse),
        (f"{c}/assignments/{live.id}/submissions", {}, EducationSubmissionCollectionResponse),
        (f"{c}/getRecentlyModifiedSubmissions()?$expand=outcomes", prefer,
         GetRecentlyModifiedSubmissionsGetResponse),
        # As the connector asks: a selection of fields, a changed-since range.
        (f"{c}/assignments?$select={','.join(ASSIGNMENT_FIELDS)}", {},
         EducationAssignmentCollectionResponse),
        (f"{c}/getRecentlyModifiedSubmissions()?$expand=outcomes"
         "&$filter=lastModifiedDateTime ge 2026-11-13T00:00:00Z", prefer,
         GetRecentlyModifiedSubmissionsGetResponse),
        (f"{c}/getRecentlyModifiedSubmissions()"
         "?$filter=lastModifiedDateTime eq 2026-11-13T00:00:00Z", {}, ODataError),
        ("/education/classes/6f1d2b3c-0000-4000-8000-00000000dead", {}, ODataError),
    ]


@pytest.fixture
def world() -> World:
    # One class of five pupils has every submission state; the SDK parses slowly.
    return World(microsoft_world(classes=2, pupils=5))


@pytest.fixture
def token(settings: MicrosoftSettings) -> str:
    return build_credential(settings, client_secret=SANDBOX_CLIENT_SECRET).get_token(
        GRAPH_SCOPE).token


def test_every_sandbox_answer_parses_into_the_sdk_models_with_nothing_left_over(
    settings: MicrosoftSettings, world: World, token: str
) -> None:
    problems = []
    for url, headers, model in _cases(world):
        answer = httpx.get(settings.base_url + url,
                           headers={"Authorization": f"Bearer {token}", **headers})
        parsed = JsonParseNode(answer.json()).get_object_value(model)
        problems += [f"{url}: {p}" for p in _leftovers(parsed)]
    assert problems == []


def test_every_sandbox_answer_validates_against_the_graph_openapi_slice(
    settings: MicrosoftSettings, world: World, token: str
) -> None:
    api = _openapi()
    for url, headers, _ in _cases(world):
        answer = httpx.get(settings.base_url + url,
                           headers={"Authorization": f"Bearer {token}", **headers})
        req = requests.Request("GET", f"{SPEC_SERVER}/v1.0{url}", headers=headers)
        resp = requests.Response()
        resp.status_code = answer.status_code
        resp._content = answer.content
        resp.headers.update({"Content-Type": "application/json"})
        api.validate_response(RequestsOpenAPIRequest(req), RequestsOpenAPIResponse(resp))


def test_the_schema_check_rejects_a_status_graph_does_not_have(
    settings: MicrosoftSettings, world: World, token: str
) -> None:
    url = next(u for u, _, m in _cases(world) if m is EducationSubmissionCollectionResponse)
    body = httpx.get(settings.base_url + url,
                     headers={"Authorization": f"Bearer {token}"}).json()
    body["value"][0]["status"] = "teleported"
    req = requests.Request("GET", f"{SPEC_SERVER}/v1.0{url}")
    resp = requests.Response()
    resp.status_code = 200
    resp._content = json.dumps(body).encode()
    resp.headers.update({"Content-Type": "application/json"})
    with pytest.raises(Exception, match="InvalidData"):
        _openapi().validate_response(RequestsOpenAPIRequest(req), RequestsOpenAPIResponse(resp))
