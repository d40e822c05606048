"""A big study read one block of subjects at a time.

A study whose tables are folders of Parquet parts aligned by subject — part ``k`` of every table
holds only subjects of ``subjects/part-k``, and the parts' subject ids ascend without overlap
(what ``rtio simulate`` writes above 50 000 subjects) — is a sequence of independent blocks: every
table is keyed by subject, and every rule and per-subject derivation looks within one subject.
Each block is presented as a study folder of its own (links to ``study.yaml``, the protocol and
part ``k`` of each table), so that the one validator, loader and derivations run on it unchanged
and name files and rows exactly as in the whole folder. Alignment is read from the parts' Parquet
statistics (no data is read); a study laid out otherwise is one block.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from rtio.io.issues import MAX_ROWS_PER_RULE, Issue, ValidationReport
from rtio.io.readers import find_table_source
from rtio.io.schema import SCHEMAS

__all__ = ["Block", "block_view", "merge_reports", "subject_blocks", "validate_in_blocks"]


@dataclass(frozen=True)
class Block:
    """Block ``index`` of a study: the part file of each table holding its subjects."""

    index: int
    parts: dict[str, Path]


def _id_range(part: Path) -> tuple[str, str] | bool | None:
    """(min, max) subject id of a part from its Parquet statistics; None when every id is
    missing; False when the statistics cannot say (no statistics, not text)."""
    try:
        meta = pq.ParquetFile(part).metadata
    except Exception:  # an unreadable part is the validator's to report
        return False
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    if "subject_id" not in names:
        return False
    column = names.index("subject_id")
    low: str | None = None
    high: str | None = None
    for group in range(meta.num_row_groups):
        if meta.row_group(group).num_rows == 0:
            continue
        stats = meta.row_group(group).column(column).statistics
        if stats is None or stats.null_count is None:  # None: the statistics hold no null count
            return False
        if stats.null_count == meta.row_group(group).num_rows:
            continue
        first, last = stats.min, stats.max
        if not (
            stats.has_min_max and isinstance(first, str | bytes) and isinstance(last, str | bytes)
        ):
            return False
        lo = first.decode() if isinstance(first, bytes) else first
        hi = last.decode() if isinstance(last, bytes) else last
        low = lo if low is None or lo < low else low
        high = hi if high is None or hi > high else high
    return None if low is None or high is None else (low, high)


def _columns(part: Path) -> list[str]:
    try:
        return list(pq.read_schema(part).names)
    except Exception:  # an unreadable part is the validator's to report
        return [str(part)]


def _unique_candidates(folder: Path, names: list[str]) -> bool:
    """Whether no candidate id appears in two screening parts (the key spans parts)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        columns = [
            pq.read_table(folder / part, columns=["candidate_id"])["candidate_id"] for part in names
        ]
        ids = pa.chunked_array([column.combine_chunks() for column in columns])
    except Exception:  # a part without the column or unreadable: the validator reports it
        return False
    trimmed = pc.utf8_trim_whitespace(ids.cast(pa.string()))
    return len(pc.unique(trimmed)) == len(trimmed)


def subject_blocks(folder: str | Path) -> list[Block] | None:
    """The study's blocks of subjects when its tables are Parquet parts aligned by subject
    (see the module); None when it is laid out otherwise (read it whole)."""
    folder = Path(folder)
    subjects = find_table_source(folder, "subjects")
    if len(subjects) != 1 or not subjects[0].is_dir():
        return None
    names = sorted(p.name for p in subjects[0].glob("*.parquet"))
    if len(names) < 2:
        return None
    tables: dict[str, Path] = {}
    for name in SCHEMAS:
        sources = find_table_source(folder, name)
        if not sources:
            continue
        if len(sources) != 1 or not sources[0].is_dir():
            return None
        if sorted(p.name for p in sources[0].glob("*.parquet")) != names:
            return None
        if len({tuple(_columns(sources[0] / part)) for part in names}) != 1:
            return None  # parts that differ are reported by the whole-folder check
        tables[name] = sources[0]
    if "screening" in tables and not _unique_candidates(tables["screening"], names):
        return None  # a candidate in two parts is reported by the whole-folder check
    bounds = [_id_range(tables["subjects"] / part) for part in names]
    if any(not isinstance(b, tuple) for b in bounds):
        return None
    ranges = [b for b in bounds if isinstance(b, tuple)]
    if any(ranges[k][1] >= ranges[k + 1][0] for k in range(len(ranges) - 1)):
        return None
    for source in tables.values():
        for k, part in enumerate(names):
            found = _id_range(source / part)
            if found is False or (
                isinstance(found, tuple)
                and not ranges[k][0] <= found[0] <= found[1] <= ranges[k][1]
            ):
                return None
    return [
        Block(k, {name: source / part for name, source in tables.items()})
        for k, part in enumerate(names)
    ]


@contextmanager
def block_view(folder: str | Path, block: Block) -> Iterator[Path]:
    """A temporary study folder holding block ``block`` (links, no copies): the study's other
    files as they are and, for each table, a folder with that block's part only."""
    folder = Path(folder).resolve()
    tables = {path.parent.name for path in block.parts.values()}
    view = Path(tempfile.mkdtemp(prefix="rtio-block-"))
    try:
        for entry in folder.iterdir():
            if entry.name not in tables:
                (view / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        for part in block.parts.values():
            (view / part.parent.name).mkdir(exist_ok=True)
            (view / part.parent.name / part.name).symlink_to(part.resolve())
        yield view
    finally:
        shutil.rmtree(view, ignore_errors=True)


def _group(issue: Issue) -> tuple[str, str, str | None, str]:
    """The rows one rule lists for one table and column (capped at MAX_ROWS_PER_RULE)."""
    return issue.severity, issue.file.split("/")[0], issue.column, issue.rule


def _is_count(issue: Issue) -> bool:
    return issue.row is None and issue.message.startswith("... and ")


def _segment(issue: Issue) -> tuple[str, str, str | None, str, str]:
    """What one call of a check reports: its group and its message without values."""
    return (*_group(issue), re.sub(r"'[^']*'|\"[^\"]*\"|[\d.:,–-]+", "", issue.message))


def _segments(reports: list[ValidationReport]) -> dict[tuple[str, str, str | None, str, str], int]:
    """The order the whole study's check reports its segments in: every block runs the same
    checks in the same order, so their sequences merge into one."""
    order: list[tuple[str, str, str | None, str, str]] = []
    for report in reports:
        at = -1
        for issue in report.issues:
            key = _segment(issue)
            if key in order:
                at = max(at, order.index(key))
            else:
                at += 1
                order.insert(at, key)
    return {key: rank for rank, key in enumerate(order)}


def merge_reports(study: str, reports: list[ValidationReport]) -> ValidationReport:
    """One report from the reports of a study's blocks, as the whole study's report lists it:
    issues of the study's own files once, each rule's issues over the blocks in order, and where
    a rule listed its first MAX_ROWS_PER_RULE rows of a table and counted the rest, the first
    rows across blocks and one line counting the rest."""
    capped = {_group(i) for report in reports for i in report.issues if _is_count(i)}
    segment = _segments(reports)
    kept: list[tuple[int, int, int, Issue]] = []
    seen: set[Issue] = set()
    shown: dict[tuple[str, str, str | None, str], list[Issue]] = {}
    more: dict[tuple[str, str, str | None, str], tuple[int, Issue]] = {}
    for report in reports:
        for issue in report.issues:
            key = _group(issue)
            if _is_count(issue):
                count = int(issue.message.split()[2])
                more[key] = (more.get(key, (0, issue))[0] + count, issue)
            elif issue.row is None or "/" not in issue.file:
                if issue not in seen:
                    seen.add(issue)
                    kept.append((segment[_segment(issue)], 0, len(kept), issue))
            elif key in capped and len(shown.setdefault(key, [])) >= MAX_ROWS_PER_RULE:
                more[key] = (more.get(key, (0, issue))[0] + 1, issue)
            else:
                shown.setdefault(key, []).append(issue)
                kept.append((segment[_segment(issue)], 0, len(kept), issue))
    for key, (count, issue) in more.items():
        last = shown[key][-1] if shown.get(key) else issue
        line = f"... and {count} more rows with the same problem"
        counted = Issue(last.severity, last.file, None, last.column, None, last.rule, line)
        rank = max(segment[_segment(i)] for i in shown.get(key, [issue]))
        kept.append((rank, 1, len(kept), counted))
    return ValidationReport(study, [issue for *_, issue in sorted(kept, key=lambda k: k[:3])])


def validate_in_blocks(
    folder: str | Path, blocks: list[Block], *, data_cutoff: dt.date | None = None
) -> ValidationReport:
    """Validate a study one block of subjects at a time (memory bounded by the blocks in hand),
    the blocks spread over the machine's cores (:mod:`rtio.workers`); the report lists the same
    issues as the whole folder's (in block order)."""
    from rtio.workers import in_workers

    check = functools.partial(_validated_block, folder, data_cutoff)
    return merge_reports(str(folder), list(in_workers(check, blocks, "validating")))


def _validated_block(
    folder: str | Path, data_cutoff: dt.date | None, block: Block
) -> ValidationReport:
    """The validation report of one block; an issue about the study as a whole names the study,
    not the block's view."""
    from rtio.io.study import validate_study

    with block_view(folder, block) as view:
        report = validate_study(view, data_cutoff=data_cutoff)
    report.issues = [
        dataclasses.replace(i, file=str(folder)) if i.file == str(view) else i
        for i in report.issues
    ]
    return report
