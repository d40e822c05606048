"""Work spread over processes comes back in order and equals the work done in this process."""

from __future__ import annotations

import functools
import os

import pytest

from rtio.workers import WORKERS_VARIABLE, in_workers, worker_count


def test_results_come_back_in_the_order_of_the_items(monkeypatch: pytest.MonkeyPatch) -> None:
    items = list(range(7))
    square = functools.partial(pow, exp=2)
    expected = [i**2 for i in items]
    for workers in ("1", "2", "3"):
        monkeypatch.setenv(WORKERS_VARIABLE, workers)
        assert list(in_workers(square, items, "squaring")) == expected


def test_worker_count_follows_the_variable_and_the_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "4")
    assert worker_count(10) == 4 and worker_count(2) == 2 and worker_count(0) == 1
    monkeypatch.setenv(WORKERS_VARIABLE, "0")
    assert worker_count(5) == 1
    monkeypatch.delenv(WORKERS_VARIABLE)
    assert worker_count(1000) == len(os.sched_getaffinity(0))  # every core this may use


def test_a_worker_count_that_is_not_a_number_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, "two")
    with pytest.raises(ValueError, match="RTIO_WORKERS='two'"):
        worker_count(3)
