"""Application rows: the client's profile drawn from the fitted copula, plus structural rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from credit_assets import kaggle
from credit_assets.synth.marginals import TableModel, load_stats


@dataclass
class Applications:
    """One chunk of generated applicants.

    Attributes:
        columns: column arrays (floats with NaN, or category codes with -1 for missing).
        risk: the standardised application risk score each client's default model uses.
    """

    columns: dict[str, np.ndarray]
    risk: np.ndarray


@cache
def model(split: str) -> TableModel:
    """The application copula (fitted on training rows) with the split's own marginals."""
    return TableModel("application_train", marginals_from=f"application_{split}")


def _code(table: TableModel, column: str, level: str) -> int:
    return table.columns[column].spec["levels"].index(level)


def apply_rules(table: TableModel, cols: dict[str, np.ndarray]) -> None:
    """Structural facts of the real data that a copula alone only approximates."""
    pensioner = cols["DAYS_EMPLOYED"] == kaggle.DAYS_SENTINEL
    org, income = cols["ORGANIZATION_TYPE"], cols["NAME_INCOME_TYPE"]
    xna = _code(table, "ORGANIZATION_TYPE", "XNA")
    org[pensioner] = xna
    income[pensioner] = _code(table, "NAME_INCOME_TYPE", "Pensioner")
    # Working clients never carry the pensioners' placeholder organisation.
    org[~pensioner & (org == xna)] = _code(table, "ORGANIZATION_TYPE", "Business Entity Type 3")
    cols["OCCUPATION_TYPE"][pensioner] = -1
    cols["FLAG_EMP_PHONE"][:] = np.where(pensioner, 0, 1)
    children = cols["CNT_CHILDREN"]
    cols["CNT_FAM_MEMBERS"] = np.where(
        np.isnan(cols["CNT_FAM_MEMBERS"]),
        np.nan,
        np.maximum(cols["CNT_FAM_MEMBERS"], children + 1),
    )
    # Goods price above the credit amount is rare in the real data.
    goods, credit = cols["AMT_GOODS_PRICE"], cols["AMT_CREDIT"]
    cols["AMT_GOODS_PRICE"] = np.where(goods > credit * 1.05, credit, goods)


def generate_applications(rng: np.random.Generator, n: int, split: str) -> Applications:
    """Draw ``n`` applicants of ``split`` ('train' or 'test') with their risk score."""
    table = model(split)
    z = table.latent(rng, n)
    cols = table.sample(rng, z)
    apply_rules(table, cols)
    default = load_stats()["default_model"]
    eta = table.design(z, cols) @ np.asarray(default["coefficients"]) + default["intercept"]
    risk = (eta - default["eta_mean"]) / default["eta_std"]
    return Applications(cols, risk)
