"""The OpenAPI document the service publishes at ``/docs.json``: what the API really does.

BentoML 1.4 builds its document from each ``@bentoml.api``'s models, but flattens every
``anyOf`` to its first branch (a nullable field loses ``null``), cannot say "exactly one of",
gives every route the same error bodies (a 400's ``detail`` a string, where it is a list of field
errors), and lets a mounted FastAPI route replace an API route on the same path (``/model_info``
then shows GET only). This module writes the document from the request and response models
themselves (Pydantic's JSON schemas, with the ``oneOf`` and ranges the models declare), the
error bodies each route really answers, the methods each route takes, the headers it reads, the
categories and features the served model knows, and the API key when one is required.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from credit_assets.serving.guard import MAX_BODY_BYTES
from credit_assets.serving.lookups import (
    ApplicationRequest,
    ClientApplication,
    ClientFeatures,
    ClientFeaturesRequest,
    FeatureFacts,
    PopulationRequest,
    PopulationSample,
    WhatIf,
    WhatIfRequest,
)
from credit_assets.serving.schemas import (
    BatchPrediction,
    BatchRequest,
    ExplainRequest,
    Explanation,
    ModelInfo,
    Prediction,
    PredictRequest,
    ReasonCodeInfo,
)

OPENAPI_VERSION = "3.1.0"
"""Pydantic writes JSON Schema 2020-12 (``{"type": "null"}``, ``const``): OpenAPI 3.1's dialect."""
REF = "#/components/schemas/{model}"
INFRA_PATHS = ("/livez", "/readyz", "/metrics")
JSON_ROUTES: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "/predict": (PredictRequest, Prediction),
    "/predict_batch": (BatchRequest, BatchPrediction),
    "/explain": (ExplainRequest, Explanation),
    "/what_if": (WhatIfRequest, WhatIf),
    "/application": (ApplicationRequest, ClientApplication),
    "/client_features": (ClientFeaturesRequest, ClientFeatures),
    "/population": (PopulationRequest, PopulationSample),
}
"""The JSON routes (POST): each takes its request model and answers its response model."""
SAMPLING_ROUTES = frozenset({"/population"})
"""JSON routes that name no client, so never answer 404."""
ORIGIN_HEADER = "X-Credit-Origin"
HEADER_ORIGINS = ("api", "explainer")
"""The origins a scoring request may declare; ``what_if`` is ``/what_if``'s alone."""
ORIGIN_ROUTES = ("/predict", "/predict_batch", "/explain")
"""The routes that read :data:`ORIGIN_HEADER` (the prediction log records it)."""
MODEL_INFO = "/model_info"
PAGES: dict[str, tuple[str, dict[str, Any]]] = {
    "/features": (
        "The model's features (description, importance), most important first, and the values"
        " each categorical application field takes.",
        {"$ref": REF.format(model=FeatureFacts.__name__)},
    ),
    "/reason_codes": (
        "Every reason code a refusal can carry, with its title and sentence.",
        {"type": "array", "items": {"$ref": REF.format(model=ReasonCodeInfo.__name__)}},
    ),
}
"""The GET-only routes: each one's description and answer schema."""
REPORTS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "/validation": (
        "The champion's validation report, a self-contained HTML page; 404 in words when the"
        " model was packaged without it.",
        "text/html",
        {"type": "string"},
    ),
    "/validation.json": (
        "The figures of the champion's validation report; 404 in words when the model was"
        " packaged without it.",
        "application/json",
        {"type": "object"},
    ),
}
"""The files that travel with the champion: each one's description, media type and schema."""
UNSTATED_RULES = """Probability of default, decision and reasons for clients and new applicants.

Rules JSON Schema cannot state, which the service enforces (400 naming the field):

- an integer is written without a fraction: `1`, never `1.0` (no type is coerced);
- `histories` holds one entry per application, `null` for one without;
- a history's rows are one client's: every `SK_ID_CURR` given is the application's;
- `SK_ID_BUREAU` is unique among `bureau` rows, `SK_ID_PREV` among `previous_application` rows;
- each `bureau_balance` row's `SK_ID_BUREAU` is one of the `bureau` rows'.
"""


class ErrorAnswer(BaseModel):
    """An error in words: a missing API key (401), an oversized body (413), a body that is not
    JSON (415), or an unexpected failure (500)."""

    error: str


class FieldError(BaseModel):
    """One fault of a request: where (``loc``: field names and list positions), what and why."""

    type: str
    loc: list[str | int]
    msg: str
    url: str | None = None


class InvalidRequest(BaseModel):
    """A request the models refuse (400): malformed JSON, a missing, unknown, mistyped or
    out-of-range field, a broken cross-field rule. ``detail`` names each fault's location."""

    error: str
    detail: list[FieldError] = Field(min_length=1)


class UnknownClients(BaseModel):
    """Unknown ``sk_id_curr`` (404), named in ``error``. BentoML answers its ``NotFound`` as a
    list holding one such object."""

    error: str


class RefusedHeader(BaseModel):
    """An ``X-Credit-Origin`` that is not one of the origins (400), named in ``error``. BentoML
    answers its ``InvalidArgument`` as a list holding one such object."""

    error: str


def document(
    generated: Mapping[str, Any],
    categories: Mapping[str, Collection[str]],
    features: Collection[str],
    *,
    api_key: bool,
) -> dict[str, Any]:
    """The service's OpenAPI document.

    Args:
        generated: BentoML's own document of the service (its info and health endpoints are
            kept; everything else is rewritten).
        categories: The values each categorical application field may take (the served model's),
            published as ``enum`` so a category the model never saw is outside the schema.
        features: The served model's features: the names ``/client_features`` and
            ``/population`` take, published as ``enum`` likewise.
        api_key: Whether a key is required (``CREDIT_API_KEY`` set): then every route but the
            health and metrics endpoints declares it and its 401.

    Returns:
        The OpenAPI 3.1 document as a JSON-ready dict.
    """
    paths: dict[str, Any] = {
        p: generated["paths"][p] for p in INFRA_PATHS if p in generated["paths"]
    }
    for route, (request, answer) in JSON_ROUTES.items():
        paths[route] = {
            "post": _json_route(route, generated["paths"].get(route, {}), request, answer)
        }
    info = _operation(
        "What is served: models, versions, metrics, threshold, features.", _ref(ModelInfo)
    )
    paths[MODEL_INFO] = {
        "get": {**info, "operationId": "model_info_get"},
        "post": {
            **info,
            "operationId": "model_info",
            "responses": {**info["responses"], "415": _error("a body declared as not JSON")},
        },
    }
    for route, (description, answer) in PAGES.items():
        paths[route] = {"get": {**_operation(description, answer), "operationId": route[1:]}}
    for route, (description, media, body) in REPORTS.items():
        operation = _operation(description, body)
        operation["responses"]["200"]["content"] = {media: {"schema": body}}
        operation["responses"]["404"] = _error("the model was packaged without its report")
        paths[route] = {"get": {**operation, "operationId": route[1:].replace(".", "_")}}
    if api_key:
        for route, item in paths.items():
            if route not in INFRA_PATHS:
                for operation in item.values():
                    operation["responses"]["401"] = _error("missing or wrong API key")
                    operation["responses"]["401"]["headers"] = _AUTHENTICATE
                    operation["security"] = [{"ApiKey": []}, {"Bearer": []}]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {**generated["info"], "description": UNSTATED_RULES},
        "servers": [{"url": "."}],
        "paths": paths,
        "components": {
            "schemas": _schemas(categories, features),
            **({"securitySchemes": _SECURITY} if api_key else {}),
        },
    }


def _schemas(
    categories: Mapping[str, Collection[str]], features: Collection[str]
) -> dict[str, Any]:
    """Every model's JSON schema, referenced as ``#/components/schemas/<name>``."""
    models: list[tuple[type[BaseModel], Any]] = [
        *((request, "validation") for request, _ in JSON_ROUTES.values()),
        *((answer, "serialization") for _, answer in JSON_ROUTES.values()),
        (ModelInfo, "serialization"),
        (FeatureFacts, "serialization"),
        (ReasonCodeInfo, "serialization"),
        (ErrorAnswer, "serialization"),
        (InvalidRequest, "serialization"),
        (UnknownClients, "serialization"),
        (RefusedHeader, "serialization"),
    ]
    _, top = models_json_schema(models, ref_template=REF)
    schemas = top["$defs"]
    application = schemas["Application"]["properties"]
    for field, values in categories.items():
        text = next(s for s in application[field]["anyOf"] if s["type"] == "string")
        text["enum"] = sorted(values)
    for request in (ClientFeaturesRequest, PopulationRequest):
        schemas[request.__name__]["properties"]["features"]["items"]["enum"] = sorted(features)
    # A what-if's changes are validated as the application they edit: any of its fields (null
    # makes one missing), each as the application takes it, none other.
    changes = schemas[WhatIfRequest.__name__]["properties"]["changes"]
    changes.pop("additionalProperties", None)
    changes |= {
        "properties": copy.deepcopy(application),
        "additionalProperties": False,
        "minProperties": 1,
    }
    for field in changes["properties"].values():
        field.pop("default", None)
    return schemas


def _json_route(
    route: str, generated: Mapping[str, Any], request: type[BaseModel], answer: type[BaseModel]
) -> dict[str, Any]:
    """A POST route taking a JSON body: its request, answer and every error it can give."""
    operation = _operation(generated.get("post", {}).get("description", ""), _ref(answer))
    operation["operationId"] = generated.get("post", {}).get("operationId", route[1:])
    operation["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": _ref(request)}},
    }
    invalid: dict[str, Any] = _ref(InvalidRequest)
    if route in ORIGIN_ROUTES:
        operation["parameters"] = [
            {
                "name": ORIGIN_HEADER,
                "in": "header",
                "required": False,
                "description": "Who asks, for the prediction log (api when left out)",
                "schema": {"type": "string", "enum": list(HEADER_ORIGINS)},
            }
        ]
        invalid = {"oneOf": [invalid, _one_error(RefusedHeader)]}
    operation["responses"] |= {
        "400": {
            "description": "The request breaks the schema or a rule it states",
            "content": {"application/json": {"schema": invalid}},
        },
        "413": _error(f"body over {MAX_BODY_BYTES} bytes"),
        "415": _error("body declared as anything but JSON"),
    }
    if route not in SAMPLING_ROUTES:
        operation["responses"]["404"] = {
            "description": "Some sk_id_curr are not known clients",
            "content": {"application/json": {"schema": _one_error(UnknownClients)}},
        }
    return operation


def _operation(description: str, answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "tags": ["Service APIs"],
        "description": description,
        "responses": {
            "200": {
                "description": "Successful Response",
                "content": {"application/json": {"schema": answer}},
            },
            "500": _error("unexpected failure (the server log has it)"),
        },
    }


def _one_error(model: type[BaseModel]) -> dict[str, Any]:
    """BentoML's body for the errors it raises: a list holding one error object."""
    return {"type": "array", "items": _ref(model), "minItems": 1, "maxItems": 1}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(ErrorAnswer)}},
    }


_AUTHENTICATE = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer realm"}}
_SECURITY = {
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "Bearer": {"type": "http", "scheme": "bearer"},
}
