"""Validation is the only gate: every edge-case study it accepts goes through derive, analyse
and report (HTML) without an exception.

The edge cases are the accepted kinds of the broken-study suite (a record outside the baseline
window, an AE that began before treatment, a subject who starts after the cut-off, a trailing
comma on every row, a Parquet table with timezone dates, ...), header-only tables (a valid
"none collected"), a study of one subject, and every shipped protocol simulated small. The
default run takes the cases that crashed analyses before; the ``slow`` run takes all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rtio.analyse.study import analyse_study
from rtio.io import validate_study
from rtio.report import render_report
from rtio.simulate import write_study
from rtio.simulate.protocols import write_protocol_study

from .corruption import KINDS, Folder, apply, make_base

EMPTY_ALLOWED = [
    "adverse_events",
    "labs",
    "exposures",
    "biomarkers",
    "events",
    "screening",
    "radiotherapy",
    "measurements",
]
ACCEPTED_KINDS = [
    "utf8_bom_is_fine",
    "trailing_comma_every_row",
    "blank_line_in_the_middle",
    "workbook_with_two_sheets",
    "parquet_integer_ids",
    "parquet_timezone_dates_are_fine",
    "baseline_target_too_small",
    "scan_before_baseline_window",
    "follow_up_scan_dated_before_day1",
    "subject_without_baseline_scan",
    "ae_began_before_treatment",
    "rt_target_not_a_lesion",
    "rt_not_with_cycle_3",
    "arm_with_trailing_space_is_the_arm",
    "subject_starts_after_cutoff",
    "records_after_cutoff",
    "response_before_day1",
    "dose_before_day1",
]


DEFAULT_RUN = {
    "subject_starts_after_cutoff",
    "follow_up_scan_dated_before_day1",
    "measurements",
    "adverse_events",
    "radiotherapy",
    "NCT07235319",
}


def _cases(names: list[str]) -> list:
    return [pytest.param(n, marks=() if n in DEFAULT_RUN else pytest.mark.slow) for n in names]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_base(tmp_path_factory.mktemp("gate") / "study")


def _goes_through(folder: Path, out: Path) -> None:
    report = validate_study(folder)
    assert report.ok, "\n".join(map(str, report.errors))
    results = analyse_study(folder)
    written = render_report(results, out, ["html"])
    assert (out / "report.html") in written


@pytest.mark.parametrize("name", _cases(ACCEPTED_KINDS))
def test_accepted_edge_case_goes_through(base: Path, tmp_path: Path, name: str) -> None:
    kind = dict(KINDS)[name]
    expected = apply(kind, base, tmp_path / "study")
    assert all(e.severity == "warning" for e in expected)
    _goes_through(tmp_path / "study", tmp_path / "out")


@pytest.mark.parametrize("table", _cases(EMPTY_ALLOWED))
def test_header_only_table_goes_through(base: Path, tmp_path: Path, table: str) -> None:
    def header_only(f: Folder) -> list:
        f.write_text(table, f.text(table).split("\n", 1)[0] + "\n")
        return []

    apply(header_only, base, tmp_path / "study")
    _goes_through(tmp_path / "study", tmp_path / "out")


def test_study_of_one_subject_goes_through(tmp_path: Path) -> None:
    folder = write_study(tmp_path / "study", 1, 2)
    _goes_through(folder, tmp_path / "out")


@pytest.mark.parametrize(
    "protocol",
    _cases(["NCT07164690", "NCT07235319", "yu2025-escc-local-rt", "lv2026-escc-induction-rt"]),
)
def test_every_shipped_protocol_small_goes_through(tmp_path: Path, protocol: str) -> None:
    folder = write_protocol_study(tmp_path / "study", protocol, 4, 3)
    _goes_through(folder, tmp_path / "out")
