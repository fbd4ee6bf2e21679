"""Side-table aggregations on small hand-made tables, against values computed by hand."""

from __future__ import annotations

import math

import pytest

from credit_assets.features.bureau import balance_per_credit, bureau_features
from credit_assets.features.credit_card import credit_card_features
from credit_assets.features.installments import installment_features
from credit_assets.features.pos_cash import pos_cash_features
from credit_assets.features.previous import previous_features

approx = pytest.approx


def by_client(frame) -> dict[int, dict[str, object]]:
    return {row["SK_ID_CURR"]: row for row in frame.rows(named=True)}


BUREAU = [
    {
        "SK_ID_CURR": 1, "SK_ID_BUREAU": 10, "CREDIT_ACTIVE": "Active",
        "CREDIT_CURRENCY": "currency 1", "CREDIT_TYPE": "Consumer credit", "DAYS_CREDIT": -100,
        "CREDIT_DAY_OVERDUE": 5, "DAYS_CREDIT_ENDDATE": 200.0, "AMT_CREDIT_SUM": 1000.0,
        "AMT_CREDIT_SUM_DEBT": 400.0, "AMT_CREDIT_SUM_LIMIT": 0.0,
        "AMT_CREDIT_SUM_OVERDUE": 50.0, "AMT_ANNUITY": 10.0, "CNT_CREDIT_PROLONG": 0,
        "DAYS_CREDIT_UPDATE": -5,
    },
    {
        "SK_ID_CURR": 1, "SK_ID_BUREAU": 11, "CREDIT_ACTIVE": "Closed",
        "CREDIT_CURRENCY": "currency 1", "CREDIT_TYPE": "Credit card", "DAYS_CREDIT": -1000,
        "CREDIT_DAY_OVERDUE": 0, "DAYS_CREDIT_ENDDATE": -500.0, "DAYS_ENDDATE_FACT": -600.0,
        "AMT_CREDIT_SUM": 3000.0, "AMT_CREDIT_SUM_DEBT": 0.0, "AMT_CREDIT_SUM_LIMIT": 500.0,
        "AMT_CREDIT_SUM_OVERDUE": 0.0, "CNT_CREDIT_PROLONG": 1, "DAYS_CREDIT_UPDATE": -400,
    },
    {
        "SK_ID_CURR": 2, "SK_ID_BUREAU": 12, "CREDIT_ACTIVE": "Closed", "DAYS_CREDIT": -50,
        "CREDIT_DAY_OVERDUE": 0, "AMT_CREDIT_SUM": 100.0, "AMT_CREDIT_SUM_DEBT": 0.0,
        "CNT_CREDIT_PROLONG": 0, "DAYS_CREDIT_UPDATE": -1,
    },
]  # fmt: skip
BALANCE = [
    {"SK_ID_BUREAU": 10, "MONTHS_BALANCE": m, "STATUS": s}
    for m, s in ((0, "C"), (-1, "1"), (-2, "0"), (-13, "X"))
] + [{"SK_ID_BUREAU": 11, "MONTHS_BALANCE": m, "STATUS": s} for m, s in ((-20, "2"), (-21, "0"))]


def test_bureau_balance_per_credit(make_raw) -> None:
    rows = balance_per_credit(make_raw("bureau_balance", BALANCE))
    first = {r["SK_ID_BUREAU"]: r for r in rows.rows(named=True)}[10]
    assert (first["MONTHS_BALANCE_MIN"], first["MONTHS_BALANCE_MAX"]) == (-13, 0)
    assert first["MONTHS_BALANCE_SIZE"] == 4
    assert [first[f"STATUS_{s}_MEAN"] for s in ("0", "1", "C", "X", "5")] == [0.25] * 4 + [0]
    assert (first["BB_LATE_MONTHS"], first["BB_RECENT_MONTHS"]) == (1, 3)
    assert (first["BB_RECENT_LATE_MONTHS"], first["BB_WORST_STATUS"]) == (1, 1)


def test_bureau_features(make_raw) -> None:
    clients = by_client(
        bureau_features(make_raw("bureau", BUREAU), make_raw("bureau_balance", BALANCE))
    )
    one, two = clients[1], clients[2]
    assert (one["BURO_COUNT"], one["BURO_ACTIVE_COUNT"], one["BURO_CLOSED_COUNT"]) == (2, 1, 1)
    assert one["BURO_DAYS_CREDIT_MEAN"] == -550
    assert one["BURO_DAYS_CREDIT_VAR"] == approx(2 * 450**2)
    assert one["BURO_AMT_CREDIT_SUM_SUM"] == 4000
    assert one["BURO_DEBT_CREDIT_RATIO"] == approx(0.1)
    assert one["BURO_LIMIT_CREDIT_RATIO"] == approx(0.125)
    assert one["BURO_OVERDUE_DEBT_RATIO"] == approx(0.125)
    assert one["BURO_OVERDUE_SUM"] == 1
    assert (one["BURO_COUNT_1Y"], one["BURO_COUNT_2Y"], one["BURO_ENDDATE_FUTURE_COUNT"]) == (
        1,
        1,
        1,
    )
    assert one["BURO_MONTHS_BALANCE_SIZE_SUM"] == 6
    assert one["BURO_BB_LATE_SHARE"] == approx(2 / 6)
    assert one["BURO_BB_LATE_SHARE_12M"] == approx(1 / 3)
    assert one["BURO_BB_WORST_STATUS_MAX"] == 2
    assert one["BURO_STATUS_0_MEAN_MEAN"] == approx(0.375)
    assert one["BURO_CREDIT_ACTIVE_Active_MEAN"] == 0.5
    assert one["BURO_CREDIT_TYPE_Credit_card_MEAN"] == 0.5
    assert one["ACTIVE_AMT_CREDIT_SUM_SUM"] == 1000
    assert one["ACTIVE_DEBT_CREDIT_RATIO"] == approx(0.4)
    assert one["ACTIVE_BB_WORST_STATUS_MAX"] == 1
    assert one["CLOSED_DAYS_CREDIT_MEAN"] == -1000
    assert one["BURO_DAYS_ENDDATE_FACT_MAX"] == -600
    # Client 2: one closed credit, no monthly history.
    assert two["ACTIVE_AMT_CREDIT_SUM_SUM"] is None
    assert two["BURO_MONTHS_BALANCE_SIZE_SUM"] == 0
    assert two["BURO_BB_LATE_SHARE"] is None
    assert two["BURO_CREDIT_TYPE_nan_MEAN"] == 1.0


PREVIOUS = [
    {
        "SK_ID_PREV": 100, "SK_ID_CURR": 1, "NAME_CONTRACT_STATUS": "Approved",
        "NAME_CONTRACT_TYPE": "Cash loans", "DAYS_DECISION": -400, "AMT_ANNUITY": 100.0,
        "AMT_APPLICATION": 1000.0, "AMT_CREDIT": 1100.0, "CNT_PAYMENT": 12.0,
        "DAYS_LAST_DUE_1ST_VERSION": 30.0, "DAYS_TERMINATION": 365243.0,
    },
    {
        "SK_ID_PREV": 101, "SK_ID_CURR": 1, "NAME_CONTRACT_STATUS": "Refused",
        "NAME_CONTRACT_TYPE": "Consumer loans", "DAYS_DECISION": -100,
        "AMT_APPLICATION": 500.0, "AMT_CREDIT": 0.0,
    },
]  # fmt: skip


def test_previous_features(make_raw) -> None:
    one = by_client(previous_features(make_raw("previous_application", PREVIOUS)))[1]
    assert (one["PREV_COUNT"], one["PREV_APPROVED_COUNT"], one["PREV_REFUSED_COUNT"]) == (2, 1, 1)
    assert (one["PREV_COUNT_1Y"], one["PREV_REFUSED_COUNT_1Y"], one["PREV_COUNT_2Y"]) == (1, 1, 2)
    assert (one["PREV_LAST_REFUSED"], one["PREV_LAST_AMT_CREDIT"]) == (1, 0)
    assert (one["PREV_ACTIVE_COUNT"], one["PREV_ACTIVE_AMT_ANNUITY_SUM"]) == (1, 100)
    assert one["PREV_DAYS_TERMINATION_MAX"] is None  # the sentinel is missing
    rate = (100 * 12 / 1100 - 1) * 12 / 12
    assert one["PREV_SIMPLE_RATE_MEAN"] == approx(rate)
    assert one["APPROVED_SIMPLE_RATE_MAX"] == approx(rate)
    assert one["PREV_APP_CREDIT_PERC_MAX"] == math.inf  # as pandas; cleaned in the client table
    assert one["APPROVED_APP_CREDIT_PERC_MEAN"] == approx(1000 / 1100)
    assert one["PREV_NAME_CONTRACT_TYPE_Cash_loans_MEAN"] == 0.5
    assert one["REFUSED_AMT_CREDIT_MEAN"] == 0


def test_pos_cash_features(make_raw) -> None:
    rows = [
        {"SK_ID_PREV": 5, "SK_ID_CURR": 1, "MONTHS_BALANCE": -2, "NAME_CONTRACT_STATUS": "Active",
         "SK_DPD": 0, "SK_DPD_DEF": 0, "CNT_INSTALMENT": 12.0, "CNT_INSTALMENT_FUTURE": 10.0},
        {"SK_ID_PREV": 5, "SK_ID_CURR": 1, "MONTHS_BALANCE": -1, "NAME_CONTRACT_STATUS": "Active",
         "SK_DPD": 3, "SK_DPD_DEF": 1, "CNT_INSTALMENT": 12.0, "CNT_INSTALMENT_FUTURE": 9.0},
        {"SK_ID_PREV": 6, "SK_ID_CURR": 1, "MONTHS_BALANCE": -15,
         "NAME_CONTRACT_STATUS": "Completed", "SK_DPD": 0, "SK_DPD_DEF": 0,
         "CNT_INSTALMENT": 6.0, "CNT_INSTALMENT_FUTURE": 0.0},
    ]  # fmt: skip
    one = by_client(pos_cash_features(make_raw("POS_CASH_balance", rows)))[1]
    assert (one["POS_MONTHS_BALANCE_MAX"], one["POS_MONTHS_BALANCE_MEAN"]) == (-1, -6)
    assert (one["POS_SK_DPD_MAX"], one["POS_SK_DPD_MEAN"]) == (3, 1)
    assert one["POS_LATE_MEAN"] == approx(1 / 3)
    assert (one["POS_SK_DPD_RECENT_MAX"], one["POS_SK_DPD_RECENT_MEAN"]) == (3, 1.5)
    assert one["POS_CNT_INSTALMENT_FUTURE_RECENT_MEAN"] == 9.5
    assert (one["POS_COUNT"], one["POS_LOAN_COUNT"], one["POS_COMPLETED_LOAN_COUNT"]) == (3, 2, 1)
    assert one["POS_COMPLETED_SHARE"] == 0.5
    assert one["POS_NAME_CONTRACT_STATUS_Active_MEAN"] == approx(2 / 3)


def test_installment_features(make_raw) -> None:
    rows = [
        {"SK_ID_PREV": 9, "SK_ID_CURR": 1, "NUM_INSTALMENT_VERSION": 1.0, "DAYS_INSTALMENT": -100.0,
         "DAYS_ENTRY_PAYMENT": -95.0, "AMT_INSTALMENT": 100.0, "AMT_PAYMENT": 80.0},
        {"SK_ID_PREV": 9, "SK_ID_CURR": 1, "NUM_INSTALMENT_VERSION": 1.0, "DAYS_INSTALMENT": -500.0,
         "DAYS_ENTRY_PAYMENT": -510.0, "AMT_INSTALMENT": 100.0, "AMT_PAYMENT": 100.0},
        {"SK_ID_PREV": 9, "SK_ID_CURR": 1, "NUM_INSTALMENT_VERSION": 2.0, "DAYS_INSTALMENT": -800.0,
         "AMT_INSTALMENT": 50.0},
    ]  # fmt: skip
    one = by_client(installment_features(make_raw("installments_payments", rows)))[1]
    assert (one["INSTAL_COUNT"], one["INSTAL_NUM_INSTALMENT_VERSION_NUNIQUE"]) == (3, 2)
    assert (one["INSTAL_DPD_MAX"], one["INSTAL_DPD_MEAN"], one["INSTAL_DPD_SUM"]) == (5, 2.5, 5)
    assert one["INSTAL_DBD_SUM"] == 10
    assert one["INSTAL_PAYMENT_PERC_MEAN"] == approx(0.9)
    assert one["INSTAL_PAYMENT_PERC_VAR"] == approx(0.02)
    assert one["INSTAL_PAYMENT_DIFF_SUM"] == 20
    assert (one["INSTAL_LATE_SHARE"], one["INSTAL_UNDERPAID_SHARE"]) == (0.5, 0.5)
    assert (one["INSTAL_1Y_COUNT"], one["INSTAL_1Y_DPD_MAX"], one["INSTAL_1Y_LATE_MEAN"]) == (
        1,
        5,
        1,
    )
    assert one["INSTAL_1Y_PAYMENT_PERC_MEAN"] == approx(0.8)
    assert (one["INSTAL_2Y_COUNT"], one["INSTAL_2Y_DPD_MEAN"]) == (2, 2.5)
    assert one["INSTAL_2Y_PAYMENT_DIFF_SUM"] == 20


def test_a_client_without_recent_payments_has_none_in_the_windows(make_raw) -> None:
    rows = [
        {"SK_ID_PREV": 9, "SK_ID_CURR": 1, "DAYS_INSTALMENT": -100.0, "DAYS_ENTRY_PAYMENT": -95.0,
         "AMT_INSTALMENT": 100.0, "AMT_PAYMENT": 80.0},
        {"SK_ID_PREV": 8, "SK_ID_CURR": 2, "DAYS_INSTALMENT": -1000.0,
         "DAYS_ENTRY_PAYMENT": -990.0, "AMT_INSTALMENT": 100.0, "AMT_PAYMENT": 50.0},
    ]  # fmt: skip
    old = by_client(installment_features(make_raw("installments_payments", rows)))[2]
    assert (old["INSTAL_COUNT"], old["INSTAL_PAYMENT_DIFF_SUM"]) == (1, 50)
    for window in ("1Y", "2Y"):
        assert old[f"INSTAL_{window}_COUNT"] == 0
        assert old[f"INSTAL_{window}_PAYMENT_DIFF_SUM"] == 0
        assert old[f"INSTAL_{window}_DPD_MEAN"] is None
        assert old[f"INSTAL_{window}_LATE_MEAN"] is None


def test_credit_card_features(make_raw) -> None:
    base = {"SK_ID_CURR": 1, "AMT_DRAWINGS_ATM_CURRENT": 0.0, "SK_DPD_DEF": 0}
    rows = [
        base | {"SK_ID_PREV": 7, "MONTHS_BALANCE": -1, "AMT_BALANCE": 500.0,
                "AMT_CREDIT_LIMIT_ACTUAL": 1000, "AMT_DRAWINGS_CURRENT": 200.0,
                "AMT_DRAWINGS_ATM_CURRENT": 100.0, "AMT_INST_MIN_REGULARITY": 50.0,
                "AMT_PAYMENT_TOTAL_CURRENT": 40.0, "SK_DPD": 0, "NAME_CONTRACT_STATUS": "Active"},
        base | {"SK_ID_PREV": 7, "MONTHS_BALANCE": -13, "AMT_BALANCE": 0.0,
                "AMT_CREDIT_LIMIT_ACTUAL": 1000, "AMT_DRAWINGS_CURRENT": 0.0,
                "AMT_INST_MIN_REGULARITY": 0.0, "AMT_PAYMENT_TOTAL_CURRENT": 0.0, "SK_DPD": 2,
                "NAME_CONTRACT_STATUS": "Active"},
        base | {"SK_ID_PREV": 8, "MONTHS_BALANCE": -2, "AMT_BALANCE": 900.0,
                "AMT_CREDIT_LIMIT_ACTUAL": 0, "AMT_DRAWINGS_CURRENT": 0.0,
                "AMT_INST_MIN_REGULARITY": 100.0, "AMT_PAYMENT_TOTAL_CURRENT": 150.0, "SK_DPD": 0,
                "NAME_CONTRACT_STATUS": "Completed"},
    ]  # fmt: skip
    one = by_client(credit_card_features(make_raw("credit_card_balance", rows)))[1]
    assert (one["CC_UTILISATION_MEAN"], one["CC_UTILISATION_MAX"]) == (0.25, 0.5)
    assert (one["CC_UTILISATION_3M_MEAN"], one["CC_UTILISATION_12M_MEAN"]) == (0.5, 0.5)
    assert one["CC_DRAWINGS_LIMIT_RATIO_MEAN"] == approx(0.1)
    assert one["CC_PAYMENT_MIN_RATIO_MEAN"] == approx(1.15)
    assert one["CC_BELOW_MIN_PAYMENT_MEAN"] == 0.5
    assert one["CC_LATE_MEAN"] == approx(1 / 3)
    assert (one["CC_COUNT"], one["CC_CARD_COUNT"]) == (3, 2)
    assert one["CC_ATM_DRAWINGS_SHARE"] == 0.5
    assert one["CC_AMT_BALANCE_SUM"] == 1400
    assert one["CC_NAME_CONTRACT_STATUS_Active_SUM"] == 2
    assert one["CC_NAME_CONTRACT_STATUS_Completed_MAX"] == 1
