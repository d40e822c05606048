"""Flat one-row-per-patient cohort tables (seed 001's shape): the shipped example mapping turns a
simulated seed-001 cohort, flattened, back into its study tables; cycle counts become derived
exposure records at the protocol's (here: the mapping's, assumed) cycle length; covariates keep
their types; bad cells are named by file, row and column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.io import load_study

from .conftest import read_report, reconciled, study_differences

runner = CliRunner()
PROTOCOL = "yu2025-escc-local-rt"
ARMS = {
    "yes": "Immunotherapy-based systemic therapy + local radiotherapy",
    "no": "Immunotherapy-based systemic therapy alone",
}


def flatten(study: Path) -> pd.DataFrame:
    """The cohort as a retrospective export keeps it: one row per patient, IO cycles as a count,
    RT yes / no with dates, total dose and fractions, and three extra covariates."""
    loaded = load_study(study)
    subjects, exposures, rt = (loaded.tables[n] for n in ("subjects", "exposures", "radiotherapy"))
    iso = lambda v: pd.to_datetime(v).dt.strftime("%Y-%m-%d").fillna("")  # noqa: E731
    ids = subjects["subject_id"]
    course = rt.set_index("subject_id")
    return pd.DataFrame(
        {
            "patient_id": ids,
            "sex": subjects["sex"].map({"M": "male", "F": "Female"}),
            "age": subjects["age"],
            "ecog": subjects["ecog"],
            "io_start_date": iso(subjects["start_date"]),
            "death_date": iso(subjects["death_date"]),
            "last_follow_up_date": iso(subjects["last_known_alive_date"]),
            "histology": subjects["histology"],
            "stage": subjects["stage"],
            "io_cycles": ids.map(exposures.groupby("subject_id")["cycle"].max())
            .fillna(0)
            .astype(int),
            "io_drug": ids.map(exposures.groupby("subject_id")["drug"].first()).fillna(""),
            "io_dose_mg": 200,
            "local_rt": np.where(ids.isin(course.index), "yes", "no"),
            "rt_start_date": iso(ids.map(course["start_date"])),
            "rt_end_date": iso(ids.map(course["end_date"])),
            "rt_total_dose_gy": ids.map(course["dose_per_fraction_gy"] * course["fractions"]),
            "rt_fractions": ids.map(course["fractions"]).astype("Int64"),
            "rt_planned_fractions": ids.map(course["planned_fractions"]).astype("Int64"),
            "rt_technique": ids.map(course["technique"]).fillna(""),
            "diagnosis_date": iso(subjects["start_date"] - pd.Timedelta(days=30)),
            "pdl1_cps": np.arange(len(ids)) * 1.5,
            "liver_metastasis": np.where(np.arange(len(ids)) % 3 == 0, "yes", "no"),
        }
    )


def run_import(table: pd.DataFrame, tmp_path: Path, *extra: str) -> tuple[int, Path, str]:
    path, out = tmp_path / "cohort.csv", tmp_path / "study"
    table.to_csv(path, index=False)
    res = runner.invoke(
        app,
        [
            "import",
            "flat",
            str(path),
            "--mapping",
            PROTOCOL,
            "--protocol",
            PROTOCOL,
            "--out",
            str(out),
            *extra,
        ],
    )
    return res.exit_code, out, res.output


def test_example_mapping_rebuilds_the_cohort(simulated, tmp_path):
    source = simulated[PROTOCOL]
    table = flatten(source)
    code, out, output = run_import(table, tmp_path)
    assert code == 0, output
    differences = study_differences(source, out)
    assert differences == [
        "subjects.arm: 14 values differ, e.g. 'first-line IO' vs "
        + repr(ARMS[table["local_rt"].iloc[0]])
    ] or all(d.startswith("subjects.arm") for d in differences)
    study = load_study(out)
    subjects = study.tables["subjects"].set_index("subject_id")
    assert (subjects["arm"] == table.set_index("patient_id")["local_rt"].map(ARMS)).all()
    # covariates keep their types; the cycle count stays on the subject
    assert pd.api.types.is_datetime64_any_dtype(subjects["diagnosis_date"])
    assert pd.api.types.is_float_dtype(subjects["pdl1_cps"])
    assert pd.api.types.is_bool_dtype(subjects["liver_metastasis"])
    assert (subjects["io_cycles"] == table.set_index("patient_id")["io_cycles"]).all()
    exposures = study.tables["exposures"]
    assert exposures["derived"].astype(bool).all()
    assert exposures["derivation"].str.contains("x 21 days").all()
    first = exposures[exposures["cycle"] == 1].set_index("subject_id")["date"]
    assert (first == subjects.loc[first.index, "start_date"]).all()
    report = read_report(out)
    assert reconciled(report) and report["ok"]
    assert (
        report["options"]["cycle_length_days"]
        == "21 (assumed in the mapping: the protocol gives none)"
    )


def test_imported_cohort_is_analysed(simulated, tmp_path):
    code, out, output = run_import(flatten(simulated[PROTOCOL]), tmp_path)
    assert code == 0, output
    res = runner.invoke(app, ["analyse", str(out), "--out", str(tmp_path / "results.json")])
    assert res.exit_code == 0, res.output
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["meta"]["protocol_id"] == PROTOCOL


def test_cycles_past_follow_up_are_not_invented(simulated, tmp_path):
    table = flatten(simulated[PROTOCOL])
    table.loc[0, "io_cycles"] = 60  # 60 cycles at 21 days: longer than the patient's follow-up
    code, out, output = run_import(table, tmp_path)
    assert code == 0, output
    study = load_study(out)
    patient = table.loc[0, "patient_id"]
    mine = study.tables["exposures"][study.tables["exposures"]["subject_id"] == patient]
    last = study.tables["subjects"].set_index("subject_id").loc[patient, "last_known_alive_date"]
    assert len(mine) < 60 and (mine["date"] <= last).all()
    assert study.tables["subjects"].set_index("subject_id").loc[patient, "io_cycles"] == 60
    note = " ".join(read_report(out)["derivations"])
    assert f"{patient} ({60 - len(mine)} of 60)" in note


def test_bad_cells_are_named_by_file_row_and_column(simulated, tmp_path):
    table = flatten(simulated[PROTOCOL]).astype({"age": object, "pdl1_cps": object})
    table.loc[1, "io_start_date"] = "12/03/2020"
    table.loc[2, "age"] = "unknown"
    table.loc[3, "pdl1_cps"] = "high"
    yes = table.index[table["local_rt"] == "yes"][0]
    table.loc[yes, "rt_end_date"] = ""
    code, out, _ = run_import(table, tmp_path)
    assert code == 1
    report = read_report(out)
    assert reconciled(report)
    rejected = pd.DataFrame(report["rejected"]).set_index("record")
    assert rejected.loc[2, ["file", "variable", "value"]].tolist() == [
        "cohort.csv",
        "io_start_date",
        "12/03/2020",
    ]
    assert rejected.loc[3, ["variable", "reason"]].tolist() == ["age", "not a number"]
    assert rejected.loc[4, ["variable", "reason"]].tolist() == ["pdl1_cps", "not a number"]
    assert rejected.loc[yes + 1, ["variable", "reason"]].tolist() == [
        "rt_end_date",
        "required value is empty",
    ]
    assert report["tables"]["subjects"] == len(table) - 4


def test_a_misspelt_mapping_is_an_error(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("subjects: {subject_id: id}\nexposures: {cycles: n}\n")
    (tmp_path / "t.csv").write_text("id\nP1\n")
    res = runner.invoke(
        app,
        [
            "import",
            "flat",
            str(tmp_path / "t.csv"),
            "--mapping",
            str(mapping),
            "--protocol",
            PROTOCOL,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert res.exit_code == 1
    assert "exposures: Extra inputs are not permitted" in res.output


def test_cycle_length_is_required_when_the_protocol_gives_none(tmp_path):
    from rtio.interop.flat import example_mapping_path

    text = example_mapping_path(PROTOCOL).read_text().replace("  cycle_length_days: 21\n", "")
    (tmp_path / "map.yaml").write_text(text)
    (tmp_path / "t.csv").write_text("patient_id\nP1\n")
    res = runner.invoke(
        app,
        [
            "import",
            "flat",
            str(tmp_path / "t.csv"),
            "--mapping",
            str(tmp_path / "map.yaml"),
            "--protocol",
            PROTOCOL,
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert res.exit_code == 1
    assert "the protocol gives no cycle length" in res.output
