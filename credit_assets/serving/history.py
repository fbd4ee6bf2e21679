"""A new applicant's credit history: the side-table rows a request may carry beside the application.

``History`` holds one list of rows per Kaggle side table (``bureau``, ``bureau_balance``,
``previous_application``, ``POS_CASH_balance``, ``installments_payments``,
``credit_card_balance``). Each row model is built from the table's Kaggle schema like
``Application``: one optional field per column, typed as in the file, with the range the column
takes in the real data, and the link keys (``SK_ID_BUREAU``, ``SK_ID_PREV``) required, as the raw
layer requires them. A table left out or empty means no such record.

The rows must describe one client: every ``SK_ID_CURR`` given agrees (it may be left out), the
table keys the raw layer keeps unique are unique, and every ``bureau_balance`` row belongs to one
of the ``bureau`` credits (its months are joined to the client through that credit only). Monthly
rows whose ``SK_ID_PREV`` is not among ``previous_application`` are accepted: the Kaggle files
hold many of them, and the features read them through their own ``SK_ID_CURR``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, LiteralString

from annotated_types import Ge, Le
from pydantic import AfterValidator, Field, ValidationError, create_model, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from credit_assets.features import categories
from credit_assets.features.rows import CheckedHistory
from credit_assets.kaggle import DAYS_SENTINEL, SIDE_TABLES, schema
from credit_assets.serving.strict import Published, Strict

KEY = "SK_ID_CURR"
MAX_HISTORY_ROWS = {
    "bureau": 500,
    "bureau_balance": 50_000,
    "previous_application": 500,
    "POS_CASH_balance": 10_000,
    "installments_payments": 20_000,
    "credit_card_balance": 10_000,
}
"""Rows a history may hold per table: several times what the busiest client of the Kaggle data
holds (about a hundred bureau credits or previous applications, a few hundred monthly rows per
table), so a request cannot make the service aggregate millions of rows."""
MAX_HISTORY_ERRORS = 20
"""Cross-row faults named in one answer (a whole table of another client's rows is one fault)."""
HISTORY_DAYS_LIMIT = 150 * 366
"""Bureau dates reach 115 years back in the Kaggle data (DAYS_CREDIT_ENDDATE -42,060), and
planned end dates 85 years ahead (+31,199): a side-table day count stays within 150 years."""
MONTHS_FLOOR = -100 * 12
LINK_KEYS = {
    "bureau": "SK_ID_BUREAU",
    "bureau_balance": "SK_ID_BUREAU",
    "previous_application": "SK_ID_PREV",
    "POS_CASH_balance": "SK_ID_PREV",
    "installments_payments": "SK_ID_PREV",
    "credit_card_balance": "SK_ID_PREV",
}
"""The id linking each table's rows, required in every row (the raw layer rejects a missing id)."""
UNIQUE_KEYS = {"bureau": "SK_ID_BUREAU", "previous_application": "SK_ID_PREV"}
PAST_DAYS = frozenset({"DAYS_CREDIT", "DAYS_ENDDATE_FACT", "DAYS_DECISION"})
"""Day columns of events that happened before the application (never positive in the data).
Every other side-table day column may lie ahead: planned end dates, bureau updates after the
application (DAYS_CREDIT_UPDATE reaches +372), previous loans' due and termination dates (or the
365243 placeholder), instalment dates (the generated data pays some after the application)."""
SIGNED_AMOUNTS = {
    "bureau": frozenset({"AMT_CREDIT_SUM_DEBT", "AMT_CREDIT_SUM_LIMIT"}),
    "previous_application": frozenset({"AMT_DOWN_PAYMENT"}),
    "credit_card_balance": frozenset(
        {
            "AMT_BALANCE",
            "AMT_DRAWINGS_ATM_CURRENT",
            "AMT_DRAWINGS_CURRENT",
            "AMT_RECEIVABLE_PRINCIPAL",
            "AMT_RECIVABLE",
            "AMT_TOTAL_RECEIVABLE",
        }
    ),
}
"""Amounts that are negative in the Kaggle data (overpaid debts and balances, reversed
drawings); every other amount, count and day-past-due column is at least 0."""
CATEGORIES: dict[str, Mapping[str, Sequence[str]]] = {
    "bureau": categories.BUREAU,
    "bureau_balance": {"STATUS": categories.BUREAU_BALANCE_STATUS},
    "previous_application": categories.PREVIOUS,
    "POS_CASH_balance": {"NAME_CONTRACT_STATUS": categories.POS_CASH_STATUS},
    "credit_card_balance": {"NAME_CONTRACT_STATUS": categories.CREDIT_CARD_STATUS},
}
"""The values the features count for each categorical column (every text column of the side
tables): a value outside the list would silently count as none of them, so it is refused."""


def _between(low: float, high: float, unit: str = "", open_ended: bool = False) -> list[Any]:
    """``low <= value <= high`` (or the 365243 "open-ended" placeholder, when allowed), checked
    and published in the JSON schema."""
    allowed = f"between {low} and {high}{unit}"
    allowed += f", or {DAYS_SENTINEL} (open-ended)" if open_ended else ""

    def check(value: float) -> float:
        if not (low <= value <= high or (open_ended and value == DAYS_SENTINEL)):
            raise ValueError(f"must be {allowed}")
        return value

    bounds = {"minimum": low, "maximum": high}
    published = (
        Published(anyOf=[bounds, {"const": DAYS_SENTINEL}]) if open_ended else Published(**bounds)
    )
    return [AfterValidator(check), published]


def _one_of(values: Sequence[str]) -> list[Any]:
    known = frozenset(values)

    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown value {value!r}; known: {', '.join(values)}")
        return value

    return [AfterValidator(check), Published(enum=list(values))]


def _constraints(table: str, column: str) -> list[Any]:
    """The range a numeric column of a side table takes, from its meaning and the real data."""
    if column in SIGNED_AMOUNTS.get(table, ()):
        return []
    if column.startswith("DAYS_"):
        if column in PAST_DAYS:
            return _between(-HISTORY_DAYS_LIMIT, 0, " days")
        open_ended = table == "previous_application"
        return _between(-HISTORY_DAYS_LIMIT, HISTORY_DAYS_LIMIT, " days", open_ended)
    if column == "MONTHS_BALANCE":
        return _between(MONTHS_FLOOR, 0, " months")
    if column == "HOUR_APPR_PROCESS_START":
        return [Ge(0), Le(23)]
    if column.startswith("NFLAG_"):
        return [Ge(0), Le(1)]
    if column == "RATE_DOWN_PAYMENT":
        return [Ge(-0.01), Le(1)]  # rounding leaves -1.5e-5 in the Kaggle data
    if column.startswith("RATE_"):
        return [Ge(0), Le(1)]
    if column == "SELLERPLACE_AREA":
        return [Ge(-1)]  # -1: no seller place
    return [Ge(0)]  # ids, amounts, counts, days past due, instalment numbers


def _field(table: str, column: str, dtype: str) -> tuple[Any, Any]:
    if dtype == "object":
        text = Annotated[str, Field(min_length=1, max_length=100)]
        known = CATEGORIES.get(table, {}).get(column)
        typed: Any = Annotated[text, *_one_of(known)] if known else text
    else:
        number: Any = int if dtype == "int64" else float
        constraints = _constraints(table, column)
        typed = Annotated[number, *constraints] if constraints else number
    required = column == LINK_KEYS[table]
    return (typed, ...) if required else (typed | None, None)


def _row_model(table: str) -> type[Strict]:
    spec = schema(table)
    fields: dict[str, Any] = {
        c: _field(table, c, d) for c, d in zip(spec.columns, spec.dtypes, strict=True)
    }
    name = "".join(part[:1].upper() + part[1:] for part in table.split("_")) + "Row"
    model = create_model(
        name,
        __base__=Strict,
        __doc__=f"One row of the Kaggle {table} table; {LINK_KEYS[table]} is required.",
        **fields,
    )
    model.__module__ = __name__
    return model


ROW_MODELS = {table: _row_model(table) for table in SIDE_TABLES}
_OWNED_TABLES = tuple(t for t in SIDE_TABLES if KEY in ROW_MODELS[t].model_fields)
"""The side tables whose rows name their client (``bureau_balance`` rows belong to a credit)."""


class HistoryRules(Strict):
    """The cross-row rules of a history (the tables are the fields of :data:`History`)."""

    def rows(self, table: str) -> list[Any]:
        """The validated rows of one side table (a row model per row)."""
        return getattr(self, table)

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every table's rows as plain dicts (fields not given left out), empty tables too."""
        return {t: [row.model_dump(exclude_none=True) for row in self.rows(t)] for t in SIDE_TABLES}

    def checked(self) -> CheckedHistory:
        """Every table's rows as the row models hold them (every column, None where not given),
        not copied: what the features read of a validated history. Each row's model_dump (what
        ``tables`` does) cost ~3 µs, half a millisecond for a typical history."""
        return CheckedHistory({t: [row.__dict__ for row in self.rows(t)] for t in SIDE_TABLES})

    def client_id(self) -> int | None:
        """The ``SK_ID_CURR`` the rows give (the first one), if any does."""
        return next((sk_id for _, _, sk_id in self._client_ids()), None)

    def other_clients(self, sk_id: int | None, *where: str | int) -> list[InitErrorDetails]:
        """A fault for each row whose ``SK_ID_CURR`` is not ``sk_id`` (located under ``where``)."""
        if sk_id is None:
            return []
        message = "row of another client: SK_ID_CURR {given} is not {expected}"
        return [
            _fault("other_client", message, (*where, table, row, KEY), given, expected=sk_id)
            for table, row, given in self._client_ids()
            if given != sk_id
        ][:MAX_HISTORY_ERRORS]

    @model_validator(mode="after")
    def _one_client(self) -> HistoryRules:
        faults = [*self.other_clients(self.client_id()), *self._repeated_keys()]
        faults += self._unlinked_balances()
        if faults:
            raise ValidationError.from_exception_data("History", faults[:MAX_HISTORY_ERRORS])
        return self

    def _client_ids(self) -> Iterator[tuple[str, int, int]]:
        # Only the tables whose rows have the field: asking a row for a field its model lacks
        # goes through pydantic's __getattr__ and an exception, ~100 times a typical history.
        for table in _OWNED_TABLES:
            for position, row in enumerate(self.rows(table)):
                if (sk_id := row.SK_ID_CURR) is not None:
                    yield table, position, sk_id

    def _repeated_keys(self) -> list[InitErrorDetails]:
        faults: list[InitErrorDetails] = []
        for table, key in UNIQUE_KEYS.items():
            first: dict[int, int] = {}
            for position, row in enumerate(self.rows(table)):
                value = getattr(row, key)
                if value in first:
                    message = "{given} repeats row {first}: the key must be unique"
                    where = (table, position, key)
                    faults.append(
                        _fault("duplicate_key", message, where, value, first=first[value])
                    )
                first.setdefault(value, position)
        return faults

    def _unlinked_balances(self) -> list[InitErrorDetails]:
        credits = {row.SK_ID_BUREAU for row in self.rows("bureau")}
        message = "SK_ID_BUREAU {given} is not among the bureau rows' credits"
        return [
            _fault(
                "unknown_credit", message, ("bureau_balance", i, "SK_ID_BUREAU"), row.SK_ID_BUREAU
            )
            for i, row in enumerate(self.rows("bureau_balance"))
            if row.SK_ID_BUREAU not in credits
        ]


def _fault(
    kind: LiteralString,
    message: LiteralString,
    where: tuple[str | int, ...],
    given: Any,
    **context: Any,
) -> InitErrorDetails:
    return {
        "type": PydanticCustomError(kind, message, {"given": given, **context}),
        "loc": where,
        "input": given,
    }


def _history_model() -> type[HistoryRules]:
    fields: dict[str, Any] = {
        table: (
            list[ROW_MODELS[table]],  # pyright: ignore[reportInvalidTypeForm]
            Field(default_factory=list, max_length=MAX_HISTORY_ROWS[table]),
        )
        for table in SIDE_TABLES
    }
    model = create_model(
        "History",
        __base__=HistoryRules,
        __doc__=(
            "A new applicant's credit history: rows of the Kaggle side tables, named and typed as "
            "in the files. A table left out or empty means no such record; SK_ID_CURR may be "
            "left out of a row; SK_ID_BUREAU and SK_ID_PREV link the rows as in the files. The "
            "rows are one client's (every SK_ID_CURR given is the same, the application's), "
            "SK_ID_BUREAU is unique among bureau rows and SK_ID_PREV among previous_application "
            "rows, and each bureau_balance row's SK_ID_BUREAU is one of the bureau rows'."
        ),
        **fields,
    )
    model.__module__ = __name__
    return model


if TYPE_CHECKING:
    History = HistoryRules
else:
    History = _history_model()
