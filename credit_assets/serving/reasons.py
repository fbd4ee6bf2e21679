"""Reason codes: the facts about a client a refusal can be explained by, one code per fact.

Features that move together (the three external scores and their mean, product and maximum; a
building's ``_AVG/_MODE/_MEDI`` triple; a side table's count, sum and mean of late payments) are
one fact to the client, so their contributions are added up into one reason. ``REASONS`` is the
table: each group has a stable code, a short neutral title (what the group is about, shown in
the explainer whichever way it pushes) and a sentence a client understands (said only when the
group raised their risk). A feature belongs to the first group whose pattern matches its whole
name; every source table ends with a fallback group and the last group takes any other
application field, so every feature has exactly one group.

Age: ``DAYS_BIRTH`` and the features divided by it (years employed as a share of age, ID and
phone changes against age) may be model inputs, but a refusal is never explained by age. They
form the group ``N01``, shown in the explainer's waterfall like any other, never listed among a
refusal's reason codes (``refusal=False``). Marital status (``NAME_FAMILY_STATUS``, group
``N02``) is treated the same way: it is not a protected attribute of this project, but lenders
are commonly barred from discriminating on it (the US Equal Credit Opportunity Act lists it), so
"you are single" or "you are divorced" is never a reason a client is given.

The sentences are what a refused applicant reads: each says what the facts measure, in plain
words, so the applicant knows what to check or correct ("counts against the application": the
group raised the risk, compared with the average applicant).

Protected attributes (``CODE_GENDER``) are kept out of every model; a model that had one as an
input could not be given reasons at all (:meth:`ReasonTable.grouping` raises).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from credit_assets.features.feature_sets import PROTECTED_ATTRIBUTES

MAX_REASONS = 4
"""Reason codes given with a refusal, at most (the figure credit regulators usually cite)."""


@dataclass(frozen=True)
class ReasonGroup:
    """Features telling one fact about a client, with the words that fact is told in."""

    code: str
    title: str
    text: str
    patterns: tuple[str, ...]
    """Regular expressions, each matched against a feature's whole name."""
    refusal: bool = True
    """Whether the group may be given as a reason for a refusal (never age, marital status)."""


def _group(code: str, title: str, text: str, *patterns: str, refusal: bool = True) -> ReasonGroup:
    return ReasonGroup(code, title, text, patterns, refusal)


_BUREAU = r"(BURO|ACTIVE|CLOSED)_"
_HOUSING = r"(APARTMENTS|BASEMENTAREA|YEARS_BEGINEXPLUATATION|YEARS_BUILD|COMMONAREA|ELEVATORS"
_HOUSING += r"|ENTRANCES|FLOORSMAX|FLOORSMIN|LANDAREA|LIVINGAPARTMENTS|LIVINGAREA"
_HOUSING += r"|NONLIVINGAPARTMENTS|NONLIVINGAREA|TOTALAREA|FONDKAPREMONT|HOUSETYPE|WALLSMATERIAL"
_HOUSING += r"|EMERGENCYSTATE)"

REASONS: tuple[ReasonGroup, ...] = (
    _group(
        "N01",
        "Age-related factors (never a reason for refusal)",
        "Age and durations measured against age are not used to explain a decision.",
        r"DAYS_BIRTH",
        r"AGE_YEARS",
        r".*_AGE_PERC",
        r"DAYS_EMPLOYED_PERC",
        refusal=False,
    ),
    _group(
        "R01",
        "Scores from external credit agencies",
        "Credit scores from external credit agencies are lower than the average applicant's.",
        r"EXT_SOURCE_.*",
    ),
    _group(
        "R02",
        "Overdue payments with other lenders",
        "Loans with other lenders show overdue amounts, late payments or extended terms.",
        _BUREAU + r".*(OVERDUE|LATE|WORST|STATUS_[1-5]|PROLONG).*",
    ),
    _group(
        "R03",
        "Debt with other lenders",
        "The amounts borrowed from, or still owed to, other lenders are high.",
        _BUREAU + r".*(DEBT|CREDIT_SUM|LIMIT|ANNUITY).*",
    ),
    _group(
        "R04",
        "Other lenders' loans",
        "The number, age or type of loans with other lenders counts against the application.",
        _BUREAU + r".*",
    ),
    _group(
        "R05",
        "Late instalments on earlier loans",
        "Instalments of earlier loans with us were paid late.",
        r"INSTAL_.*(DPD|DBD|LATE).*",
    ),
    _group(
        "R06",
        "Instalments paid short",
        "Less than the amount due was paid on instalments of earlier loans with us.",
        r"INSTAL_.*(UNDERPAID|PAYMENT_DIFF|PAYMENT_PERC).*",
    ),
    _group(
        "R07",
        "Repayment record of earlier loans",
        "The repayments of earlier loans with us (their number, amounts or dates) count against"
        " the application.",
        r"INSTAL_.*",
    ),
    _group(
        "R08",
        "Late payments on earlier cash and store loans",
        "Payments on earlier cash or in-store loans with us were late.",
        r"POS_.*(DPD|LATE).*",
    ),
    _group(
        "R09",
        "Earlier cash and store loans",
        "The number or state of earlier cash and in-store loans with us counts against the"
        " application.",
        r"POS_.*",
    ),
    _group(
        "R10",
        "Credit card payments",
        "Payments on credit cards with us were late or below the minimum due.",
        r"CC_.*(DPD|LATE|BELOW_MIN|PAYMENT_MIN).*",
    ),
    _group(
        "R11",
        "Credit card use",
        "Credit card balances or cash withdrawals are high compared with the cards' limits.",
        r"CC_.*",
    ),
    _group(
        "R12",
        "Earlier applications refused",
        "Earlier applications for credit with us were refused.",
        r"(PREV_.*REFUSED.*|REFUSED_.*)",
    ),
    _group(
        "R13",
        "Earlier applications",
        "The number, amounts or terms of earlier applications with us count against the"
        " application.",
        r"(PREV|APPROVED)_.*",
    ),
    _group(
        "R14",
        "Repayments against income",
        "The income declared is low compared with the loan's amount and repayments, or with"
        " the size of the household.",
        r"AMT_INCOME_TOTAL",
        r"INCOME_PER_PERSON",
        r"ANNUITY_INCOME_PERC",
        r"CREDIT_INCOME_RATIO",
        r"INCOME_CREDIT_PERC",
    ),
    _group(
        "R15",
        "Loan amount and term",
        "The amount, term or kind of the loan asked for, or the price of the goods it pays for,"
        " counts against the application.",
        r"AMT_(CREDIT|ANNUITY|GOODS_PRICE)",
        r"PAYMENT_RATE",
        r"GOODS_CREDIT_RATIO",
        r"CREDIT_GOODS_DIFF",
        r"NAME_CONTRACT_TYPE",
    ),
    _group(
        "R16",
        "Employment",
        "The length or kind of employment, or the employer's sector, counts against the"
        " application.",
        r"DAYS_EMPLOYED.*",
        r"NAME_INCOME_TYPE",
        r"OCCUPATION_TYPE",
        r"ORGANIZATION_TYPE",
        r"FLAG_EMP_PHONE",
    ),
    _group(
        "R17",
        "Recent credit enquiries",
        "Many enquiries about the applicant's credit were made to the credit bureau recently.",
        r"AMT_REQ_CREDIT_BUREAU_.*",
        r".*ENQUIR.*",
    ),
    _group(
        "R18",
        "Housing",
        "The applicant's housing (owned or rented, and the building lived in) counts against"
        " the application.",
        _HOUSING + r"_(AVG|MODE|MEDI)",
        r"FLAG_OWN_REALTY",
        r"NAME_HOUSING_TYPE",
    ),
    _group(
        "R19",
        "Region and address",
        "The region lived in, home, work and registered addresses that differ, or a recent"
        " change of registered address count against the application.",
        r"REGION_.*",
        r"(REG|LIVE)_(REGION|CITY)_.*",
        r"ADDRESS_MISMATCH_COUNT",
        r"DAYS_REGISTRATION",
    ),
    _group(
        "R20",
        "Documents and contact details",
        "Documents or contact details were missing from the application, or the identity"
        " document or phone number was changed recently.",
        r"FLAG_DOCUMENT_.*",
        r"FLAG_(MOBIL|PHONE|WORK_PHONE|CONT_MOBILE|EMAIL)",
        r"CONTACT_FLAG_COUNT",
        r"DAYS_ID_PUBLISH",
        r"DAYS_LAST_PHONE_CHANGE",
    ),
    _group(
        "R21",
        "Defaults in the social circle",
        "People in the applicant's social circle were late with, or defaulted on, their credit.",
        r"(OBS|DEF)_\d+_CNT_SOCIAL_CIRCLE",
    ),
    # Before R22, whose household facts it leaves: first match wins.
    _group(
        "N02",
        "Marital status (never a reason for refusal)",
        "Marital status is not used to explain a decision.",
        r"NAME_FAMILY_STATUS",
        refusal=False,
    ),
    _group(
        "R22",
        "Household",
        "The number of children or household members, or who came with the applicant, counts"
        " against the application.",
        r"CNT_(CHILDREN|FAM_MEMBERS)",
        r"NAME_TYPE_SUITE",
    ),
    _group(
        "R23",
        "Education",
        "The level of education declared counts against the application.",
        r"NAME_EDUCATION_TYPE",
    ),
    _group(
        "R24",
        "Car ownership",
        "Car ownership, or the age of the car, counts against the application.",
        r"(FLAG_OWN_CAR|OWN_CAR_AGE)",
    ),
    _group(
        "R25",
        "Other application details",
        "Other details of the application count against it.",
        r".*",
    ),
)


@dataclass(frozen=True)
class Grouping:
    """A model's features assigned to reason groups: ``member[g]`` is the feature indices of
    ``groups[g]``; only groups with at least one feature are kept, in table order."""

    groups: tuple[ReasonGroup, ...]
    features: tuple[str, ...]
    member: tuple[tuple[int, ...], ...]

    @cached_property
    def matrix(self) -> NDArray[np.float64]:
        """Feature x group 0/1 matrix: ``contributions @ matrix`` adds each group up."""
        out = np.zeros((len(self.features), len(self.groups)))
        for g, indices in enumerate(self.member):
            out[list(indices), g] = 1.0
        return out

    @cached_property
    def refusal(self) -> NDArray[np.bool_]:
        """Which groups may be a refusal's reason."""
        return np.array([g.refusal for g in self.groups], dtype=bool)

    def totals(self, parts: NDArray[np.float64]) -> NDArray[np.float64]:
        """Each row's contribution per group (rows x groups) from its per-feature ones.

        Raises:
            ValueError: if ``parts`` does not have one column per feature.
        """
        if parts.ndim != 2 or parts.shape[1] != len(self.features):
            raise ValueError(
                f"contributions of shape {parts.shape} for {len(self.features)} features"
            )
        return parts @ self.matrix

    def reasons(self, grouped: NDArray[np.float64], limit: int = MAX_REASONS) -> list[list[int]]:
        """Per row, the groups that raised its risk the most (largest first, at most ``limit``):
        positive totals of groups that may be a refusal's reason."""
        eligible = np.where(self.refusal & (grouped > 0), grouped, 0.0)
        order = np.argsort(-eligible, axis=1, kind="stable")[:, :limit]
        return [[int(g) for g in row if eligible[i, g] > 0] for i, row in enumerate(order)]


class ReasonTable:
    """The reason groups and the assignment of a model's features to them."""

    def __init__(self, groups: Sequence[ReasonGroup] = REASONS) -> None:
        codes = [g.code for g in groups]
        if len(set(codes)) != len(codes):
            raise ValueError(f"reason codes must be unique: {codes}")
        self.groups = tuple(groups)
        self._compiled = [(g, [re.compile(p) for p in g.patterns]) for g in self.groups]

    def group_of(self, feature: str) -> ReasonGroup:
        """The group a feature belongs to (the first whose pattern matches its whole name).

        Raises:
            ValueError: for a protected attribute, or a name no group matches.
        """
        if feature in PROTECTED_ATTRIBUTES:
            raise ValueError(
                f"{feature} is a protected attribute: it can be neither a model input nor a reason"
            )
        for group, patterns in self._compiled:
            if any(p.fullmatch(feature) for p in patterns):
                return group
        raise ValueError(f"no reason group matches the feature {feature!r}")

    def grouping(self, features: Sequence[str]) -> Grouping:
        """The groups of a model's ``features`` (raises as :meth:`group_of`)."""
        index = {g.code: i for i, g in enumerate(self.groups)}
        members: list[list[int]] = [[] for _ in self.groups]
        for position, feature in enumerate(features):
            members[index[self.group_of(feature).code]].append(position)
        kept = [i for i, m in enumerate(members) if m]
        return Grouping(
            groups=tuple(self.groups[i] for i in kept),
            features=tuple(features),
            member=tuple(tuple(members[i]) for i in kept),
        )
