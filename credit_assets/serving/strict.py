"""The base of every request model: strict Pydantic, so every bad input is a 4xx naming it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler
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
