"""A progress bar on a terminal for long work (big simulations, chunked pipelines).

The bar goes to standard error and only when standard error is a terminal: piped or captured
output (tests, scripts, CI logs) stays exactly what the command prints without it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["on_terminal", "progress"]

T = TypeVar("T")


def on_terminal() -> bool:
    """Whether standard error is an interactive terminal."""
    return sys.stderr.isatty()


def progress(items: Iterable[T], total: int, description: str) -> Iterator[T]:
    """Yield ``items``, drawing a bar of ``total`` steps labelled ``description`` on a terminal."""
    if total <= 1 or not on_terminal():
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)
