"""Schemathesis hooks of the contract test: valid requests also keep the rules JSON Schema cannot
state (``SCHEMATHESIS_HOOKS=tests/serving/contract_hooks.py st run ...``).

The published document states every rule it can and says in words the ones JSON Schema cannot
(its ``info.description``): integers written without a fraction (JSON Schema counts ``1.0`` as
an integer; the strict models refuse it), one history per application, a history's rows all of
the application's client, unique ``SK_ID_BUREAU`` and ``SK_ID_PREV``, and monthly bureau rows of
the history's own credits. A request Schemathesis generates as valid
is mended to keep them, so "valid data is accepted" is tested on every other rule; requests
generated as invalid are left alone (the server must still refuse them).

A generated ``sk_id_curr`` is almost never a known client, so every lookup would end in a 404 and
no answer of ``/what_if``, ``/application`` or ``/client_features`` would be checked: in valid
requests, each even ``sk_id_curr`` becomes one of the known clients listed in
``CONTRACT_KNOWN_CLIENTS`` (comma-separated); odd ones stay as generated, and unknown.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

KEY = "SK_ID_CURR"
KNOWN_CLIENTS = [int(i) for i in os.environ.get("CONTRACT_KNOWN_CLIENTS", "").split(",") if i]


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """Mend a valid-by-schema body so it keeps the cross-row rules too."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.body, dict):
        return case
    body: dict[str, Any] = whole_numbers(case.body)
    case.body = body
    if KNOWN_CLIENTS and "sk_id_curr" in body:
        body["sk_id_curr"] = known_clients(body["sk_id_curr"])
    if isinstance(body.get("application"), dict) and isinstance(body.get("history"), dict):
        mend(body["application"], body["history"])
    applications, histories = body.get("applications"), body.get("histories")
    if isinstance(applications, list) and isinstance(histories, list):
        histories = (histories + [None] * len(applications))[: len(applications)]
        body["histories"] = histories
        for application, history in zip(applications, histories, strict=True):
            if isinstance(history, dict):
                mend(application, history)
    return case


def whole_numbers(value: Any) -> Any:
    """``value`` with every number without a fraction written as an integer (``3.0`` -> ``3``):
    a number field takes either, an integer field only the latter."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def known_clients(value: Any) -> Any:
    """``value`` (an id or a list of ids) with each even id replaced by a known client."""
    if isinstance(value, list):
        return [known_clients(v) for v in value]
    if isinstance(value, int) and value % 2 == 0:
        return KNOWN_CLIENTS[value // 2 % len(KNOWN_CLIENTS)]
    return value


def mend(application: dict[str, Any], history: dict[str, Any]) -> None:
    """Make ``history`` one client's (the application's), with unique keys and linked months."""
    owner = application.get(KEY)
    for rows in history.values():
        for row in rows:
            row.pop(KEY, None)
            if owner is not None:
                row[KEY] = owner
    for table, key in (("bureau", "SK_ID_BUREAU"), ("previous_application", "SK_ID_PREV")):
        for position, row in enumerate(history.get(table, [])):
            row[key] = position
    credits = len(history.get("bureau", []))
    months = history.get("bureau_balance", [])
    for position, row in enumerate(months):
        row["SK_ID_BUREAU"] = position % credits if credits else None
    history["bureau_balance"] = months if credits else []
