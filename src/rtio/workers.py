"""Independent pieces of work (a big study's subject blocks) on every core of the machine.

Each block of a study laid out in subject blocks is validated and derived on its own
(:mod:`rtio.io.blocks`, :mod:`rtio.pipeline`), so the blocks can run in separate processes. The
results come back in block order, whatever order the processes finish in, so everything built from
them is what one process would build. At most one block per process is in flight, so memory stays
bounded by the blocks in hand, not by the study.

The number of processes is the number of cores this process may use, or ``RTIO_WORKERS`` when set
(``RTIO_WORKERS=1`` runs every block in this process, one after another).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from rtio.progress import progress

__all__ = ["WORKERS_VARIABLE", "in_workers", "worker_count"]

WORKERS_VARIABLE = "RTIO_WORKERS"
"""Environment variable that sets the number of worker processes (1: none, work in-process)."""

T = TypeVar("T")
R = TypeVar("R")


def worker_count(jobs: int) -> int:
    """Processes for ``jobs`` pieces of work: ``RTIO_WORKERS`` if set, else the cores this process
    may run on; never more than the jobs, never fewer than 1."""
    configured = os.environ.get(WORKERS_VARIABLE, "").strip()
    if configured:
        try:
            wanted = int(configured)
        except ValueError:
            raise ValueError(
                f"{WORKERS_VARIABLE}={configured!r}: give a whole number of processes (1 or more)"
            ) from None
    elif hasattr(os, "sched_getaffinity"):
        wanted = len(os.sched_getaffinity(0))
    else:
        wanted = os.cpu_count() or 1
    return max(1, min(wanted, jobs))


def in_workers(function: Callable[[T], R], items: Sequence[T], description: str) -> Iterator[R]:
    """``function(item)`` for each item, yielded in the order of ``items``, computed in
    :func:`worker_count` processes (``function`` and the items must pickle: a module-level
    function or a ``functools.partial`` of one). A progress bar counts the finished items."""
    workers = worker_count(len(items))
    if workers == 1:
        for item in progress(items, len(items), description):
            yield function(item)
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        waiting = iter(items)
        pending: deque[Future[R]] = deque()

        def submit_next() -> None:
            for item in waiting:
                pending.append(pool.submit(function, item))
                return

        for _ in range(workers):
            submit_next()
        for _ in progress(range(len(items)), len(items), description):
            result = pending.popleft().result()
            submit_next()
            yield result
