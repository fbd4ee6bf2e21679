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


class MicroBatcher(Generic[Item, Result]):
    """Coalesces concurrent :meth:`submit` calls into calls of ``score_many``.

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
        batch, self._pending = self._pending, []
        if not batch:
            return
        self.batch_sizes = [*self.batch_sizes[-999:], len(batch)]
        try:
            results = self.score_many([item for item, _ in batch])
        except Exception:
            for item, future in batch:
                self._settle_alone(item, future)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    def _settle_alone(self, item: Item, future: asyncio.Future[Result]) -> None:
        try:
            result = self.score_many([item])[0]
        except Exception as error:
            if not future.done():
                future.set_exception(error)
        else:
            if not future.done():
                future.set_result(result)


class ThreadBatcher(Generic[Item, Result]):
    """Like :class:`MicroBatcher` for work too slow for the event loop: one batch at a time in
    a worker thread, and the requests that arrive meanwhile form the next batch.

    A new applicant's features cost milliseconds of Polars planning whether for one row or
    for fifty; scored together, concurrent applicants share that cost.
    """

    def __init__(
        self, score_many: Callable[[list[Item]], Sequence[Result]], max_batch: int = 64
    ) -> None:
        self.score_many = score_many
        self.max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining = False
        self.batch_sizes: list[int] = []
        """Sizes of the last batches (at most 1,000 kept), for tests and diagnostics."""

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
            while self._pending:
                batch = self._pending[: self.max_batch]
                self._pending = self._pending[self.max_batch :]
                self.batch_sizes = [*self.batch_sizes[-999:], len(batch)]
                await anyio.to_thread.run_sync(self._settle, batch)
        finally:
            self._draining = False

    def _settle(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        """Score ``batch`` (each item alone if the batch fails) and resolve its futures."""
        try:
            outcomes: list[tuple[Result | None, Exception | None]] = [
                (r, None) for r in self.score_many([item for item, _ in batch])
            ]
        except Exception:
            outcomes = [self._alone(item) for item, _ in batch]
        for (_, future), (result, error) in zip(batch, outcomes, strict=True):
            future.get_loop().call_soon_threadsafe(_resolve, future, result, error)

    def _alone(self, item: Item) -> tuple[Result | None, Exception | None]:
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
