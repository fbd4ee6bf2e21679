"""The base of every request model: strict Pydantic, so every bad input is a 4xx naming it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema


class Strict(BaseModel):
    """Unknown fields, NaN, infinity and type coercion are all errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Published:
    """Keywords a validator function enforces, added to the field's JSON schema.

    An ``AfterValidator`` is invisible in the schema; this annotation, beside it, publishes the
    same rule (``Published(minimum=-36600, maximum=0)``), so the OpenAPI document allows exactly
    what the validator accepts.
    """

    def __init__(self, **keywords: Any) -> None:
        self.keywords = keywords

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(core_schema), **self.keywords}


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


WHOLE = BeforeValidator(_whole)
"""Lets an integer field take an integer as JSON Schema defines one: ``3`` or ``3.0`` (a number
with no fraction), never ``3.5``, ``"3"`` or ``true``. Strict mode alone refuses ``3.0``, which
the published ``"type": "integer"`` allows (and JSON writers such as pandas' produce). Put it
last, after the range: before it, Pydantic publishes the range as ``ge``, unknown to JSON Schema.
"""
