"""Adaptive batching: concurrent requests share one model call; a bad item fails alone."""

from __future__ import annotations

import asyncio

from credit_assets.serving.batching import MicroBatcher


class Doubler:
    """A batch function that records its calls and refuses negative items."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __call__(self, items: list[int]) -> list[int]:
        self.calls.append(items)
        if any(i < 0 for i in items):
            raise ValueError(f"negative item in {items}")
        return [2 * i for i in items]


async def _gather(batcher: MicroBatcher[int, int], items: list[int]) -> list[object]:
    return await asyncio.gather(*(batcher.submit(i) for i in items), return_exceptions=True)


def test_concurrent_requests_are_scored_in_one_call() -> None:
    double = Doubler()
    results = asyncio.run(_gather(MicroBatcher(double), list(range(10))))
    assert results == [2 * i for i in range(10)]
    assert double.calls == [list(range(10))]


def test_a_lone_request_is_scored_at_once() -> None:
    double = Doubler()

    async def one_by_one() -> list[int]:
        batcher = MicroBatcher(double)
        return [await batcher.submit(i) for i in (1, 2, 3)]

    assert asyncio.run(one_by_one()) == [2, 4, 6]
    assert double.calls == [[1], [2], [3]]


def test_batches_are_capped() -> None:
    double = Doubler()
    batcher = MicroBatcher(double, max_batch=4)
    assert asyncio.run(_gather(batcher, list(range(10)))) == [2 * i for i in range(10)]
    assert max(len(c) for c in double.calls) == 4 and batcher.batch_sizes == [4, 4, 2]


def test_a_bad_item_fails_only_its_own_request() -> None:
    double = Doubler()
    results = asyncio.run(_gather(MicroBatcher(double), [1, -1, 3]))
    assert results[0] == 2 and results[2] == 6
    assert isinstance(results[1], ValueError) and "negative" in str(results[1])
    assert double.calls == [[1, -1, 3], [1], [-1], [3]]
