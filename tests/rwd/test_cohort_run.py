"""``rtio cohort run`` (analysis in the engine) equals ``rtio analyse`` on the study that
``rtio cohort extract`` writes; stages resume; the command line works as documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtio.analyse import analyse_study
from rtio.cli.main import app
from rtio.rwd.api import extract, run

from .conftest import assert_same

COMPARED = (
    "cohort",
    "survival",
    "follow_up",
    "follow_up_range",
    "baseline",
    "populations",
    "notes",
)


@pytest.fixture(scope="module")
def extracted(omop_cdm, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("extract") / "study"
    extract(omop_cdm / "cohort.yaml", [omop_cdm], out)
    return out


def test_run_equals_analyse_on_the_extracted_study(omop_cdm, extracted, tmp_path) -> None:
    expected = json.loads(analyse_study(extracted).model_dump_json())
    results = run(omop_cdm / "cohort.yaml", [omop_cdm], tmp_path / "out")
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    assert written.keys() == expected.keys()
    for section in COMPARED:
        assert_same(expected[section], written[section], what=section)
    assert results.cohort.local_rt.starts_after_index
    assert set(results.cohort.io_cycles.time_varying_hr) == {"7–12 cycles", ">12 cycles"}
    attrition = json.loads((tmp_path / "out" / "attrition.json").read_text())
    assert attrition[0]["rule"] == "persons with an index event"
    assert attrition[-1]["remaining"] == expected["populations"]["ITT"]


def test_a_rerun_resumes_from_the_stages_written(omop_cdm, tmp_path) -> None:
    from rtio.rwd.definition import load_definition
    from rtio.rwd.engine import open_engine
    from rtio.rwd.pipeline import build_cohort

    definition = load_definition(omop_cdm / "cohort.yaml")
    with open_engine("duckdb", tmp_path / "work") as engine:
        first = build_cohort(definition, [omop_cdm], engine)
    (tmp_path / "work" / "study_subjects.parquet").unlink()
    with open_engine("duckdb", tmp_path / "work") as engine:
        second = build_cohort(definition, [omop_cdm], engine)
    assert first.reused_stages == []
    assert "cohort" in second.reused_stages and "rt_courses" in second.reused_stages
    assert "study_subjects" not in second.reused_stages
    assert second.attrition == first.attrition


def test_command_line_simulate_extract_run(tmp_path) -> None:
    runner = CliRunner()
    cdm = tmp_path / "cdm"
    result = runner.invoke(
        app, ["simulate", "--format", "omop", "--persons", "300", "--seed", "2", "--out", str(cdm)]
    )
    assert result.exit_code == 0, result.output
    assert (cdm / "cohort.yaml").is_file() and (cdm / "drug_exposure.parquet").is_file()
    files = sorted(str(p) for p in cdm.glob("*.parquet"))
    result = runner.invoke(
        app,
        [
            "cohort",
            "run",
            str(cdm / "cohort.yaml"),
            "--cdm",
            *files,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "results.json").is_file()
    result = runner.invoke(
        app,
        [
            "cohort",
            "extract",
            str(cdm / "cohort.yaml"),
            "--cdm",
            str(cdm),
            "--out",
            str(tmp_path / "study"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "persons with an index event" in result.output
    result = runner.invoke(app, ["validate", str(tmp_path / "study")])
    assert result.exit_code == 0, result.output


def test_output_inside_the_cdm_folder_is_refused(omop_cdm) -> None:
    with pytest.raises(ValueError, match="inside the CDM folder"):
        run(omop_cdm / "cohort.yaml", [omop_cdm], omop_cdm / "out")


def test_cycles_are_counted_in_the_first_line_era_only(omop_cdm, extracted) -> None:
    import pandas as pd

    drugs = pd.read_parquet(omop_cdm / "drug_exposure.parquet")
    io = drugs[drugs["drug_concept_id"].between(2_000_002_001, 2_000_002_004)]
    io = io.assign(date=pd.to_datetime(io["drug_exposure_start_date"]))
    gaps = io.sort_values(["person_id", "date"]).groupby("person_id")["date"].diff()
    assert (gaps.dt.days > 90).any()
    exposures = pd.read_parquet(extracted / "exposures.parquet")
    exposures = exposures.assign(date=pd.to_datetime(exposures["date"])).sort_values(
        ["subject_id", "date"]
    )
    within = exposures.groupby("subject_id")["date"].diff().dt.days.dropna()
    assert within.max() <= 90
    assert (exposures.groupby("subject_id")["cycle"].min() == 1).all()
    assert len(exposures) < len(io)
