"""The base of every request model: strict Pydantic, so every bad input is a 4xx naming it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Unknown fields, NaN, infinity and type coercion are all errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)
