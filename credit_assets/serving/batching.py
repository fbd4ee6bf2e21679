"""Adaptive batching of single-client requests on the service's event loop.

Requests that arrive while the loop is busy are scored together in one call of the model, so
under load the per-call cost of the model (pandas and scikit-learn overhead, far more than the
arithmetic of one row) is shared; a lone request is scored at once, with no waiting. This is
what BentoML's ``batchable`` APIs do for endpoints that take lists; ``/predict`` takes one
client, so the batching happens here.

New applicants too are scored on the loop, not in a worker thread: their features are Python
and small NumPy calls that hold the GIL, so a thread bought no concurrency, only the hand-offs
between two threads contending for it. At 100 requests/s of new applicants with their history,
full scale, two workers each, both services up and loaded in turn (six rounds of 8 s): p50
14.5-17.9 ms (median 16.0) on the loop against 12.9-27.4 ms (median 21.4) in a thread, lower in
five rounds of six; applications alone median 5.7 against 5.8 ms (the rounds of
``benchmarks/paired_serving.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


Outcome = tuple[Any, Exception | None]
"""A scored item's result, or the error that failed it."""


class MicroBatcher(Generic[Item, Result]):
    """Coalesces concurrent :meth:`submit` calls into calls of ``score_many`` on the event loop.

    ``score_many`` takes a list of items and returns one result per item, in order. If it
    raises, each item of the batch is scored alone, so a bad item fails only its own request.
    """

    def __init__(
        self, score_many: Callable[[list[Item]], Sequence[Result]], max_batch: int = 64
    ) -> None:
        self.score_many = score_many
        self.max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self.batch_sizes: list[int] = []
        """Sizes of the last batches (at most 1,000 kept), for tests and diagnostics."""

    async def submit(self, item: Item) -> Result:
        """The result for ``item``, scored with whatever else is waiting."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if len(self._pending) == 1:
            # Runs after the requests already queued on the loop have joined the batch.
            loop.call_soon(self._flush)
        elif len(self._pending) >= self.max_batch:
            self._flush()
        return await future

    def _flush(self) -> None:
        batch = self._take()
        if not batch:  # a full batch was flushed before this scheduled call came
            return
        for (_, future), (result, error) in zip(
            batch, self._outcomes([item for item, _ in batch]), strict=True
        ):
            _resolve(future, result, error)

    def _take(self) -> list[tuple[Item, asyncio.Future[Result]]]:
        """The next batch of waiting requests (at most ``max_batch``), recorded."""
        batch = self._pending[: self.max_batch]
        self._pending = self._pending[self.max_batch :]
        if batch:
            self.batch_sizes = [*self.batch_sizes[-999:], len(batch)]
        return batch

    def _outcomes(self, items: list[Item]) -> list[Outcome]:
        """Every item scored in one call, or each alone if that call fails."""
        try:
            return [(result, None) for result in self.score_many(items)]
        except Exception:
            return [self._alone(item) for item in items]

    def _alone(self, item: Item) -> Outcome:
        try:
            return self.score_many([item])[0], None
        except Exception as error:
            return None, error


def _resolve(future: asyncio.Future[Any], result: Any, error: Exception | None) -> None:
    if future.done():  # the request was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
