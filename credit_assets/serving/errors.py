"""Errors of the serving logic that the HTTP layer turns into answers (light: no pandas)."""

from __future__ import annotations

from collections.abc import Sequence

MAX_NAMED_IDS = 10


class UnknownClientError(LookupError):
    """Some ``SK_ID_CURR`` are not known clients; ``ids`` lists them."""

    def __init__(self, ids: Sequence[int]) -> None:
        self.ids = list(ids)
        named = ", ".join(str(i) for i in self.ids[:MAX_NAMED_IDS])
        more = len(self.ids) - MAX_NAMED_IDS
        super().__init__(
            f"unknown SK_ID_CURR {named}" + (f" and {more} more" if more > 0 else "")
            + ": not a client of the feature table this model was packaged with"
        )  # fmt: skip
