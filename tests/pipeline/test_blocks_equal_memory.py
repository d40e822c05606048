"""A study in subject blocks gives exactly what the whole study loaded in memory gives: the same
validation report (issues, order, rows), the same derived tables (byte for byte) and the same
analysis results. Wall time is never asserted here (see benchmarks/pipeline.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rtio.analyse.options import AnalysisOptions
from rtio.analyse.study import analyse_loaded, analyse_study
from rtio.cli.derive_cmds import _derive_tables
from rtio.cli.main import app
from rtio.io import StudyValidationError, load_study, validate_study
from rtio.io.blocks import subject_blocks
from rtio.io.outputs import write_frame
from rtio.io.validate import check_folder
from rtio.simulate.protocols import write_protocol_study
from rtio.workers import WORKERS_VARIABLE


@pytest.fixture(scope="module")
def blocked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_protocol_study(
        tmp_path_factory.mktemp("blocked") / "study", "ChiCTR2100046715", 1500, 3, chunk_size=500
    )


@pytest.fixture(scope="module")
def randomized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_protocol_study(
        tmp_path_factory.mktemp("npc") / "study", "NCT07235319", 1200, 4, chunk_size=400
    )


def _results(results) -> dict:
    dumped = results.model_dump(mode="json")
    dumped["meta"].pop("generated")
    return dumped


def test_layout_is_read_from_parquet_statistics(blocked: Path) -> None:
    blocks = subject_blocks(blocked)
    assert blocks is not None and len(blocks) == 3
    assert set(blocks[0].parts) >= {"subjects", "labs", "measurements", "screening"}
    assert all(p.name == "part-00001.parquet" for p in blocks[1].parts.values())


@pytest.mark.parametrize("workers", ["1", "3"])
def test_validation_report_is_the_whole_studys(
    blocked: Path, workers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, workers)  # in this process, or one block per process
    whole = check_folder(blocked).report
    assert whole.issues, "the simulated study has deviation warnings to compare"
    assert validate_study(blocked).issues == whole.issues


@pytest.mark.parametrize("workers", ["1", "2"])
def test_derived_tables_are_byte_identical(
    blocked: Path, workers: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WORKERS_VARIABLE, workers)
    derived, _notes, _window = _derive_tables(load_study(blocked), None, 42)
    for name, frame in derived.items():
        write_frame(frame, tmp_path / "memory", name, "csv")
    result = CliRunner().invoke(app, ["derive", str(blocked), "--out", str(tmp_path / "blocks")])
    assert result.exit_code == 0, result.output
    for path in sorted((tmp_path / "memory").glob("*.csv")):
        assert path.read_bytes() == (tmp_path / "blocks" / path.name).read_bytes(), path.name


def test_derived_parquet_parts_hold_the_same_rows(blocked: Path, tmp_path: Path) -> None:
    derived, _notes, _window = _derive_tables(load_study(blocked), None, 42)
    out = tmp_path / "parquet"
    result = CliRunner().invoke(
        app, ["derive", str(blocked), "--out", str(out), "--format", "parquet"]
    )
    assert result.exit_code == 0, result.output
    for name, frame in derived.items():
        parts = sorted((out / name).glob("*.parquet"))
        read = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
        expected = frame.reset_index(drop=True).astype(object).where(frame.notna().to_numpy(), None)
        got = read.astype(object).where(read.notna().to_numpy(), None)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


@pytest.mark.parametrize("study", ["blocked", "randomized"])
def test_analysis_results_are_the_whole_studys(study: str, request: pytest.FixtureRequest) -> None:
    folder = request.getfixturevalue(study)
    assert subject_blocks(folder) is not None
    in_memory = analyse_loaded(load_study(folder), AnalysisOptions())
    assert _results(analyse_study(folder)) == _results(in_memory)


def test_errors_in_one_block_are_reported_as_the_whole_studys(
    blocked: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(blocked, broken)
    part = broken / "labs" / "part-00002.parquet"
    labs = pd.read_parquet(part)
    labs.loc[3, "value"] = -5.0  # a negative count
    labs.loc[7, "subject_id"] = "S1001A"  # no such subject, within the block's range
    labs.to_parquet(part, index=False)
    part = broken / "measurements" / "part-00000.parquet"
    scans = pd.read_parquet(part)
    scans.loc[11, "status"] = "gone"
    scans.to_parquet(part, index=False)
    assert subject_blocks(broken) is not None
    whole = check_folder(broken).report
    assert {"plausibility", "allowed_values", "unknown_reference"} <= whole.rules("error")
    # the same issues; where different blocks break different rules, the blocks' report lists
    # them block by block rather than rule by rule
    assert sorted(map(str, validate_study(broken).issues)) == sorted(map(str, whole.issues))
    with pytest.raises(StudyValidationError) as raised:
        analyse_study(broken)
    assert sorted(map(str, raised.value.report.issues)) == sorted(map(str, whole.issues))


def test_parts_not_aligned_by_subject_are_read_whole(blocked: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(blocked, moved)
    first = pd.read_parquet(moved / "labs" / "part-00000.parquet")
    last = pd.read_parquet(moved / "labs" / "part-00002.parquet")
    pd.concat([first, last.head(5)]).to_parquet(moved / "labs" / "part-00000.parquet", index=False)
    last.iloc[5:].to_parquet(moved / "labs" / "part-00002.parquet", index=False)
    assert subject_blocks(moved) is None
    assert validate_study(moved).issues == check_folder(moved).report.issues


def test_a_csv_study_is_one_block(tmp_path: Path) -> None:
    folder = write_protocol_study(tmp_path / "csv", "ChiCTR2100046715", 40, 1)
    assert subject_blocks(folder) is None
