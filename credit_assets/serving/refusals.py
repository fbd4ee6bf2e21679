"""A served model's reasons: grouped contributions for one client, reason codes for refusals.

``ModelReasons`` binds a :class:`ScoringModel` to the reason table once (the grouping of its
features), then answers per batch. Reason codes are computed for refused rows only, so scoring
accepted clients costs nothing more. For a points scorecard a refusal's reasons are the points
the client lost against each card feature's best bin (what a scorecard's reasons mean to the
bank and the client); for every other model they are the positive grouped contributions to the
log-odds, measured from the average training client (``ScoringModel.contribution_means``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from credit_assets.models import ScoringModel
from credit_assets.models.scorecard import Scorecard, points_lost
from credit_assets.models.scoring_model import REFUSED
from credit_assets.serving.reasons import MAX_REASONS, Grouping, ReasonGroup, ReasonTable
from credit_assets.serving.schemas import GroupContribution, ReasonCode, ReasonCodeInfo

TABLE = ReasonTable()


def published_codes(table: ReasonTable = TABLE) -> list[ReasonCodeInfo]:
    """Every reason code with its title and client sentence, in table order."""
    return [
        ReasonCodeInfo(code=g.code, title=g.title, text=g.text, refusal_reason=g.refusal)
        for g in table.groups
    ]


def reason_code(group: ReasonGroup) -> ReasonCode:
    """The code and client sentence of a group."""
    return ReasonCode(code=group.code, text=group.text)


@dataclass(frozen=True)
class GroupedExplanation:
    """One client's contributions per group: ``base + totals.sum() == logit(probability)``."""

    base: float
    totals: NDArray[np.float64]
    parts: NDArray[np.float64]


class ModelReasons:
    """The reasons a served model gives, its features grouped once."""

    def __init__(self, model: ScoringModel, table: ReasonTable = TABLE) -> None:
        self.model = model
        self.table = table
        self.grouping: Grouping = table.grouping(model.feature_names)
        card = model.model if isinstance(model.model, Scorecard) else None
        self.card = card
        self._card_grouping = table.grouping(card.features_) if card is not None else None

    def grouped(self, frame: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(base, totals)``: each row's base and contribution per group (rows x groups)."""
        base, parts = self.model.feature_contributions(frame)
        return base, self.grouping.totals(parts)

    def explain(
        self, frame: pd.DataFrame, parts: NDArray[np.float64] | None = None
    ) -> list[GroupContribution]:
        """Every group's push on the first row's log-odds, largest (in size) first (from
        ``parts``, its feature contributions, when the caller has them already)."""
        if parts is None:
            _, parts = self.model.feature_contributions(frame.iloc[:1])
        totals = self.grouping.totals(parts)[0]
        order = np.argsort(-np.abs(totals), kind="stable")
        names = self.grouping.features
        out = []
        for g in order:
            group, members = self.grouping.groups[g], self.grouping.member[g]
            ranked = sorted(members, key=lambda i: -abs(parts[0, i]))
            out.append(
                GroupContribution(
                    code=group.code,
                    title=group.title,
                    text=group.text,
                    contribution=float(totals[g]),
                    features=[names[i] for i in ranked],
                    refusal_reason=group.refusal,
                )
            )
        return out

    @property
    def refusal_grouping(self) -> Grouping:
        """The groups a refusal's reasons are drawn from: the card's features for a points
        scorecard, the model's features otherwise."""
        return self._card_grouping if self._card_grouping is not None else self.grouping

    def risk(
        self, frame: pd.DataFrame, parts: NDArray[np.float64] | None = None
    ) -> tuple[Grouping, NDArray[np.float64]]:
        """Per row and group, how much the group raised the risk: points lost against the best
        bins for a scorecard, the grouped contribution to the log-odds otherwise (from
        ``parts``, the rows' feature contributions, when the caller has them already)."""
        if self.card is not None and self._card_grouping is not None:
            lost = points_lost(self.model, frame).to_numpy(dtype=np.float64)
            return self._card_grouping, self._card_grouping.totals(lost)
        if parts is None:
            _, parts = self.model.feature_contributions(frame)
        return self.grouping, self.grouping.totals(parts)

    def refusal_reasons(
        self, frame: pd.DataFrame, parts: NDArray[np.float64] | None = None
    ) -> list[list[int]]:
        """Per row, the positions in :attr:`refusal_grouping` of its reasons, were it refused
        (at most ``MAX_REASONS``, the largest first)."""
        grouping, risk = self.risk(frame, parts)
        return grouping.reasons(risk, MAX_REASONS)

    def codes(
        self,
        frame: pd.DataFrame,
        decisions: list[str],
        parts: NDArray[np.float64] | None = None,
    ) -> list[list[ReasonCode]]:
        """Per row, the reason codes of a refusal (at most ``MAX_REASONS``); ``[]`` for an
        acceptance. Contributions are computed for the refused rows only (or taken from
        ``parts``, every row's, when the caller has them already)."""
        answers: list[list[ReasonCode]] = [[] for _ in decisions]
        refused = [i for i, d in enumerate(decisions) if d == REFUSED]
        if not refused:
            return answers
        groups = self.refusal_grouping.groups
        chosen = self.refusal_reasons(
            frame.iloc[refused], None if parts is None else parts[refused]
        )
        for row, picked in zip(refused, chosen, strict=True):
            answers[row] = [reason_code(groups[g]) for g in picked]
        return answers
