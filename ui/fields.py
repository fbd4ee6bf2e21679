"""The application fields a credit officer edits, in the words and units they use.

Ages and employment are asked in years and stored in the Kaggle unit (days before the
application, negative); an empty employment field is the Kaggle placeholder of clients without
employment (pensioners). An empty score or amount is a field the client did not give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from credit_assets.kaggle import DAYS_SENTINEL

DAYS_PER_YEAR = 365.25
NOT_GIVEN = "XNA"
"""Kaggle's "not available" category: the feature layer reads it as missing."""


@dataclass(frozen=True)
class NumberField:
    """A numeric application field as the form shows it."""

    column: str
    label: str
    info: str
    unit: str = "amount"
    """``amount`` (as stored), ``years`` (of days before the application) or ``count``."""
    minimum: float = 0.0
    maximum: float | None = None

    def to_form(self, raw: Any) -> float | None:
        """The stored Kaggle value as the officer reads it."""
        if raw is None or (self.column == "DAYS_EMPLOYED" and raw == DAYS_SENTINEL):
            return None
        if self.unit == "years":
            return round(-float(raw) / DAYS_PER_YEAR, 1)
        # The feature rows hold float32: 7 significant digits drop its noise (382316.1875).
        return float(f"{float(raw):.7g}")

    def to_raw(self, shown: float | None) -> float | int | None:
        """The officer's value in the Kaggle unit and type."""
        if shown is None:
            return DAYS_SENTINEL if self.column == "DAYS_EMPLOYED" else None
        if self.unit == "years":
            return -round(float(shown) * DAYS_PER_YEAR)
        if self.unit == "count":
            return int(shown) if self.column == "CNT_CHILDREN" else float(int(shown))
        return float(shown)


@dataclass(frozen=True)
class ChoiceField:
    """A categorical application field; the choices come from the training data."""

    column: str
    label: str


def _external_score(number: int) -> NumberField:
    return NumberField(
        f"EXT_SOURCE_{number}",
        f"External score {number}",
        "0 to 1, higher is safer; empty if none",
        maximum=1,
    )


NUMBERS = (
    NumberField("AMT_INCOME_TOTAL", "Annual income", "Total income of the client"),
    NumberField("AMT_CREDIT", "Credit amount", "Amount of the loan asked for"),
    NumberField("AMT_ANNUITY", "Loan annuity", "Repayment per period"),
    NumberField("AMT_GOODS_PRICE", "Price of the goods", "For consumer loans; empty if none"),
    NumberField("DAYS_BIRTH", "Age (years)", "Age at the application", "years", 18, 100),
    NumberField(
        "DAYS_EMPLOYED", "Years in current employment", "Empty if not employed", "years", 0, 80
    ),
    *(_external_score(n) for n in (1, 2, 3)),
    NumberField("CNT_CHILDREN", "Children", "Number of children", "count", 0, 20),
    NumberField("CNT_FAM_MEMBERS", "Family members", "Client included", "count", 1, 21),
)
CHOICES = (
    ChoiceField("NAME_CONTRACT_TYPE", "Contract type"),
    ChoiceField("NAME_INCOME_TYPE", "Income type"),
    ChoiceField("NAME_EDUCATION_TYPE", "Education"),
)
REQUIRED = ("AMT_INCOME_TOTAL", "AMT_CREDIT", "AMT_ANNUITY", "DAYS_BIRTH")
"""The fields an application must give (the API's own rule, credit_assets.serving.schemas)."""


def form_values(application: Mapping[str, Any]) -> list[Any]:
    """A raw application as the form's values: the numbers, then the choices."""
    numbers = [field.to_form(application.get(field.column)) for field in NUMBERS]
    choices = [application.get(field.column) or NOT_GIVEN for field in CHOICES]
    return [*numbers, *choices]


def application_from(values: Sequence[Any]) -> dict[str, Any]:
    """The form's values (numbers, then choices) as raw Kaggle application fields."""
    numbers, choices = values[: len(NUMBERS)], values[len(NUMBERS) :]
    raw: dict[str, Any] = {f.column: f.to_raw(v) for f, v in zip(NUMBERS, numbers, strict=True)}
    raw.update({f.column: v or NOT_GIVEN for f, v in zip(CHOICES, choices, strict=True)})
    return raw


def changed_fields(shown: Sequence[Any], edited: Sequence[Any]) -> dict[str, Any]:
    """The raw fields whose form value the officer changed (``shown`` -> ``edited``).

    Only changed fields are applied, so the rounding of a form value (an age shown to a tenth
    of a year) never changes a client who was not edited.
    """
    after = application_from(edited)
    return {
        column: after[column]
        for column, old, new in zip(after, shown, edited, strict=True)
        if old != new
    }
