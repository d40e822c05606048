"""The study pipeline on a big study, one block of subjects at a time.

A study laid out in subject blocks (:mod:`rtio.io.blocks`) is validated, loaded and derived block
by block, so that memory is bounded by the block and not by the study: every rule and every
per-subject derivation (RECIST responses, time-to-event rows, populations, CTCAE grades) looks
within one subject. The study-level analysis then runs once on what it needs: the per-subject
derived rows and the study's tables without the lab results (which no analysis reads, and which
are most of a study's rows). Each function gives exactly what the in-memory path gives
(``tests/pipeline``).
"""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from rtio.io import Study, StudyValidationError
from rtio.io.blocks import Block, block_view, merge_reports
from rtio.io.issues import ValidationReport
from rtio.io.validate import check_folder
from rtio.workers import in_workers

__all__ = [
    "ANALYSIS_SKIPS",
    "ae_term_problems_in_blocks",
    "analyse_in_blocks",
    "checked_blocks",
    "derive_in_blocks",
    "renumber_sources",
    "write_derived_blocks",
]

R = TypeVar("R")

ANALYSIS_SKIPS = frozenset({"labs"})
"""Tables the analysis does not read (kept out of memory by :func:`analyse_in_blocks`)."""


def checked_blocks(
    folder: str | Path, blocks: list[Block], work: Callable[[Study], R], description: str
) -> Iterator[R]:
    """``work`` of each block loaded as a study of its own (validated; named by the study's
    path), in block order, the blocks spread over the machine's cores (:mod:`rtio.workers`;
    ``work`` must pickle). Raises :class:`StudyValidationError` with every block's problems when
    any block has errors, after checking them all (as :func:`rtio.io.load_study` reports the
    whole study)."""
    reports = []
    failed = False
    for report, result in in_workers(
        functools.partial(_checked_block, folder, work), blocks, description
    ):
        reports.append(report)
        failed = failed or result is None
        if not failed and result is not None:
            yield result[0]
    if failed:
        raise StudyValidationError(merge_reports(str(folder), reports))


def _checked_block(
    folder: str | Path, work: Callable[[Study], R], block: Block
) -> tuple[ValidationReport, tuple[R] | None]:
    """One block validated and, when it has no errors, ``work`` of it."""
    with block_view(folder, block) as view:
        checked = check_folder(view)
    report = checked.report
    report.issues = [
        replace(i, file=str(folder)) if i.file == str(view) else i for i in report.issues
    ]
    settings = checked.settings
    if not report.ok or settings is None:
        return report, None
    study = Study(Path(folder), settings, checked.protocol, checked.tables, report)
    return report, (work(study),)


def renumber_sources(adtte: pd.DataFrame, offsets: dict[str, int]) -> pd.DataFrame:
    """Time-to-event rows of one block with ``srcseq`` (the 1-based row of the source table,
    :mod:`rtio.derive.tte`) counted in the whole study's table: ``offsets`` holds, per source
    (``srcdom``), the rows of that table in the blocks before."""
    if not offsets or "srcseq" not in adtte.columns:
        return adtte
    shift = adtte["srcdom"].map(offsets).fillna(0).to_numpy()
    return adtte.assign(srcseq=adtte["srcseq"] + shift)


def _source_rows(study: Study, timepoints: int) -> dict[str, int]:
    """Rows of the tables a time-to-event row can cite, for :func:`renumber_sources`."""
    events = study.tables.get("events")
    return {"ADRS": timepoints, "EVENTS": 0 if events is None else len(events)}


def derive_in_blocks(
    folder: str | Path, blocks: list[Block], derive: Callable[[Study], Any]
) -> Iterator[Any]:
    """``derive`` of each block in turn, as ``rtio derive`` derives a study (``derive`` must
    pickle): a tuple whose first item maps table names to frames (``adrs`` with its timepoint
    rows as ``OVR``, ``adtte``); concatenated they are the whole study's tables (``adtte`` cites
    rows of the whole study)."""
    offsets: dict[str, int] = {}
    work = functools.partial(_derived_block, derive)
    for (tables, *rest), rows in checked_blocks(folder, blocks, work, "deriving"):
        if "adtte" in tables:
            tables["adtte"] = renumber_sources(tables["adtte"], offsets)
        for source, count in rows.items():
            offsets[source] = offsets.get(source, 0) + count
        yield (tables, *rest)


def _derived_block(derive: Callable[[Study], Any], study: Study) -> tuple[Any, dict[str, int]]:
    """``derive`` of one block and the rows of the tables its time-to-event rows cite."""
    derived = derive(study)
    adrs = derived[0].get("adrs")
    timepoints = 0 if adrs is None else int((adrs["paramcd"] == "OVR").sum())
    return derived, _source_rows(study, timepoints)


def _by_parameter(frame: pd.DataFrame, order: list[object]) -> list[tuple[int, pd.DataFrame]]:
    """A derived table split by parameter (``paramcd``), in the order one derivation of the whole
    study lists them (parameter by parameter); the rank of each in ``order`` (extended)."""
    if "paramcd" not in frame.columns:
        return [(0, frame)]
    parts = []
    for code in pd.unique(frame["paramcd"]):
        if code not in order:
            order.append(code)
        parts.append((order.index(code), frame[frame["paramcd"] == code]))
    return parts


def write_derived_blocks(
    per_block: Iterable[dict[str, pd.DataFrame]], folder: Path, fmt: str
) -> tuple[list[tuple[str, int, str]], dict[str, pd.DataFrame]]:
    """Write each block's derived tables as they come, in the whole study's row order
    (parameter by parameter, subjects in order): one CSV per table, or a folder of Parquet parts
    per table (as the study's own tables). Returns (table, rows, file) per table and the
    confirmed best overall responses (for the summary)."""
    from rtio.io.outputs import _study_format, neutralise_cells, safe_name

    rows: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    orders: dict[str, list[object]] = {}
    pieces: dict[tuple[str, int], Path] = {}
    best: list[pd.DataFrame] = []
    for k, derived in enumerate(per_block):
        for name, frame in derived.items():
            stem = safe_name(name, "table")
            if name not in columns:
                columns[name], rows[name], orders[name] = list(frame.columns), 0, []
            elif list(frame.columns) != columns[name]:
                raise ValueError(f"{name}: block {k} has columns {list(frame.columns)}")
            for rank, part in _by_parameter(frame, orders[name]):
                if fmt == "csv":
                    piece = pieces.setdefault((name, rank), folder / f".{stem}.{rank:03d}.csv")
                    neutralise_cells(_study_format(part)).to_csv(
                        piece, mode="a", header=False, index=False
                    )
                else:
                    (folder / stem).mkdir(exist_ok=True)
                    part.to_parquet(folder / stem / f"part-{rank:03d}-{k:05d}.parquet", index=False)
            rows[name] += len(frame)
        if "adrs" in derived:
            adrs = derived["adrs"]
            best.append(adrs.loc[adrs["paramcd"] == "CBOR", ["paramcd", "avalc"]])
    written = []
    for name, names in columns.items():
        stem = safe_name(name, "table")
        if fmt == "csv":
            with (folder / f"{stem}.csv").open("w", encoding="utf-8", newline="") as out:
                out.write(pd.DataFrame(columns=names).to_csv(index=False))
                for rank in range(len(orders[name]) or 1):
                    found = pieces.get((name, rank))
                    if found is not None:
                        with found.open(encoding="utf-8", newline="") as handle:
                            shutil.copyfileobj(handle, out)
                        found.unlink()
        written.append((name, rows[name], f"{stem}.csv" if fmt == "csv" else stem))
    return written, ({"adrs": pd.concat(best, ignore_index=True)} if best else {})


def ae_term_problems_in_blocks(
    blocks: list[Block], term_map: dict[str, str] | None, version: str
) -> list[str]:
    """:func:`rtio.derive.ctcae.validate_ae_terms` of a valid study in subject blocks, read one
    part at a time (term and grade only); rows are numbered in the whole table."""
    from rtio.derive.ctcae import validate_ae_terms

    problems: list[str] = []
    offset = 0
    for block in blocks:
        part = block.parts.get("adverse_events")
        if part is None:
            continue
        events = pd.read_parquet(part, columns=["term", "grade"])
        events["term"] = events["term"].str.strip()
        for problem in validate_ae_terms(events, term_map, version):
            found = re.match(r"adverse_events row (\d+)", problem)
            if found is None:  # a message naming no row has no row to renumber
                problems.append(problem)
                continue
            row = int(found.group(1))
            problems.append(problem.replace(f"row {row},", f"row {row + offset},", 1))
        offset += len(events)
    return problems


def _concat(frames: list[Any]) -> Any:
    present = [f for f in frames if f is not None]
    if not present:
        return None
    return pd.concat(present, ignore_index=True) if len(present) > 1 else present[0]


def _in_derived_order(adtte: pd.DataFrame) -> pd.DataFrame:
    """Time-to-event rows parameter by parameter (as one derivation of the whole study lists
    them), each in subject order."""
    order = {code: rank for rank, code in enumerate(pd.unique(adtte["paramcd"]))}
    rank = adtte["paramcd"].map(order)
    return adtte.iloc[rank.argsort(kind="stable")].reset_index(drop=True)


def analyse_in_blocks(folder: str | Path, blocks: list[Block], options: Any) -> Any:
    """``analyse_study`` of a study in subject blocks: each block loaded, cut and derived on its
    own (spread over the machine's cores), then the plan run once on the blocks' derived rows and
    tables (no labs)."""
    from rtio.analyse.derived import Derived
    from rtio.analyse.study import analyse_loaded

    tables: dict[str, list[pd.DataFrame]] = {}
    derived: list[Derived] = []
    reports: list[ValidationReport] = []
    first: Study | None = None
    offsets: dict[str, int] = {}
    work = functools.partial(_analysis_block, options.cutoff)
    for study, block, rows in checked_blocks(folder, blocks, work, "loading and deriving"):
        first = first or study
        reports.append(study.report)
        block.adtte = renumber_sources(block.adtte, offsets)
        for source, count in rows.items():
            offsets[source] = offsets.get(source, 0) + count
        derived.append(block)
        for name, frame in study.tables.items():
            tables.setdefault(name, []).append(frame)
    assert first is not None  # a study in blocks has at least two
    merged = {name: _concat(frames) for name, frames in tables.items()}
    whole = Study(
        Path(folder), first.settings, first.protocol, merged, merge_reports(str(folder), reports)
    )
    columns = {}
    for field in fields(Derived):
        values = [getattr(d, field.name) for d in derived]
        if isinstance(values[0], pd.DataFrame) or values[0] is None:
            columns[field.name] = _concat(values)
        else:
            columns[field.name] = values[0]
    columns["adtte"] = _in_derived_order(columns["adtte"])
    return analyse_loaded(whole, options, Derived(**columns))


def _analysis_block(cutoff: Any, study: Study) -> tuple[Study, Any, dict[str, int]]:
    """One block cut at the data cut-off and derived: the block's study without the tables the
    analysis does not read (:data:`ANALYSIS_SKIPS`), its derived rows and the rows of the tables
    its time-to-event rows cite."""
    from rtio.analyse.cutoff import apply_cutoff
    from rtio.analyse.derived import derive_study

    cut, _ = apply_cutoff(study, cutoff)
    block = derive_study(cut)
    rows = _source_rows(cut, 0 if block.timepoints is None else len(block.timepoints))
    kept = {name: frame for name, frame in study.tables.items() if name not in ANALYSIS_SKIPS}
    return replace(study, tables=kept), block, rows
