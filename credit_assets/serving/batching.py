"""Adaptive batching of single-client requests on the service's event loop.

Requests that arrive while the loop is busy are scored together in one call of the model, so
under load the per-call cost of the model (pandas and scikit-learn overhead, far more than the
arithmetic of one row) is shared; a lone request is scored at once, with no waiting. This is
what BentoML's ``batchable`` APIs do for endpoints that take lists; ``/predict`` takes one
client, so the batching happens here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import anyio

Item = TypeVar("Item")
Result = TypeVar("Result")


Outcome = tuple[Any, Exception | None]
"""A scored item's result, or the error that failed it."""


class _Batcher(Generic[Item, Result]):
    """What both batchers share: the waiting requests, the batch sizes, and the fallback that
    scores a failed batch item by item, so a bad item fails only its own request."""

    def __init__(
        self, score_many: Callable[[list[Item]], Sequence[Result]], max_batch: int = 64
    ) -> None:
        self.score_many = score_many
        self.max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self.batch_sizes: list[int] = []
        """Sizes of the last batches (at most 1,000 kept), for tests and diagnostics."""

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


class MicroBatcher(_Batcher[Item, Result]):
    """Coalesces concurrent :meth:`submit` calls into calls of ``score_many`` on the event loop.

    ``score_many`` takes a list of items and returns one result per item, in order. If it
    raises, each item of the batch is scored alone, so a bad item fails only its own request.
    """

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


class ThreadBatcher(_Batcher[Item, Result]):
    """Like :class:`MicroBatcher` for work too slow for the event loop: one batch at a time in
    a worker thread, and the requests that arrive meanwhile form the next batch.

    A new applicant's features and score cost a few milliseconds, mostly fixed costs per call
    (benchmarks/history_features.py: about 3 ms for one applicant with a credit history, under
    1 ms each for sixteen together); scored together, concurrent applicants share them, and the
    event loop keeps answering known clients meanwhile.
    """

    def __init__(
        self, score_many: Callable[[list[Item]], Sequence[Result]], max_batch: int = 64
    ) -> None:
        super().__init__(score_many, max_batch)
        self._draining = False

    async def submit(self, item: Item) -> Result:
        """The result for ``item``, scored with whatever else is waiting."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while batch := self._take():
                await anyio.to_thread.run_sync(self._settle, batch)
        finally:
            self._draining = False

    def _settle(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        """Score ``batch`` in this worker thread and resolve its futures on their loop."""
        outcomes = self._outcomes([item for item, _ in batch])
        for (_, future), (result, error) in zip(batch, outcomes, strict=True):
            future.get_loop().call_soon_threadsafe(_resolve, future, result, error)


def _resolve(future: asyncio.Future[Any], result: Any, error: Exception | None) -> None:
    if future.done():  # the request was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
