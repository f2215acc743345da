"""The one progress display of the long ops commands: `bounceflow import`, `replay`,
`dlq redrive` and `prune` (README "Commands").

Built on `rich` and drawn on stderr, so stdout keeps only each command's summary line
(scripts parse it). On a terminal it is a live bar; elsewhere (a pipe, a CI log) rich
draws nothing live and the final state is printed once when the work ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

Unit = Literal["items", "bytes"]


class Tracker:
    """One bar: advance it, or set where it stands (a total of None: unknown)."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def advance(self, n: float = 1) -> None:
        self._progress.advance(self._task, n)

    def update(
        self,
        *,
        completed: float | None = None,
        total: float | None = None,
        description: str | None = None,
        note: str | None = None,
    ) -> None:
        if total is not None:
            self._progress.update(self._task, total=total)
        if note is not None:
            self._progress.update(self._task, note=note)
        self._progress.update(self._task, completed=completed, description=description)

    @property
    def completed(self) -> float:
        return self._progress.tasks[self._task].completed


def _columns(unit: Unit) -> list[ProgressColumn]:
    return [
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn() if unit == "bytes" else MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(),
    ]


@contextmanager
def progress(
    description: str,
    total: float | None = None,
    *,
    unit: Unit = "items",
    console: Console | None = None,
) -> Iterator[Tracker]:
    """A live progress bar on stderr for the duration of the block."""
    with Progress(
        *_columns(unit),
        console=console or Console(stderr=True),
        redirect_stdout=False,
        redirect_stderr=False,
    ) as bar:
        task = bar.add_task(description, total=total, note="")
        yield Tracker(bar, task)
