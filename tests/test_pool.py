"""``generator.pool``: the one place with processes. Results in order whoever computed them,
workers see the state without pickling, a dead worker is a Chinese error, not a hang."""

from __future__ import annotations

import os

import pytest

from generator import pool


def _square_with_origin(x: int) -> tuple[int, bool, int]:
    return x * x, pool.in_worker(), pool.worker_state()["offset"]


def _die(_x: int) -> None:
    os._exit(3)


def test_map_shared_gives_results_in_order_from_workers_and_this_process():
    state = {"offset": 7, "unpicklable": lambda: None}  # inherited through fork, never pickled
    with pool.Pool(1, state) as workers:
        assert workers.result(workers.submit(_square_with_origin, 3)) == (9, True, 7)  # a worker's
        # who computes which item depends on timing (this process takes them from the end)
        results = workers.map_shared(_square_with_origin, list(range(40)),
                                     on_result=lambda r: (r[0], "worker", r[2]))
    assert [r[0] for r in results] == [x * x for x in range(40)]
    assert {r[2] for r in results} == {7}
    assert all(r[1] in ("worker", False) for r in results)  # unpacked only what a worker sent
    assert pool.worker_state() is None  # nothing left behind for the next pool


def test_a_dead_worker_is_reported_in_chinese():
    with pytest.raises(pool.WorkerLost, match="工作进程意外退出"):
        with pool.Pool(1, None) as workers:
            workers.result(workers.submit(_die, 1))


def test_chunks_cover_everything_once_in_order():
    spans = pool.chunks(101, 7)
    assert spans[0][0] == 0 and spans[-1][1] == 101
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert pool.chunks(0, 3) == []
