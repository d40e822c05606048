"""A seed-001-like cohort exported to an OMOP CDM and extracted back gives the same Results as
today's in-memory path on the original study folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rtio.analyse import analyse_study
from rtio.rwd.api import extract
from rtio.rwd.definition import dump_definition
from rtio.rwd.omop import study_to_omop, synthetic_definition
from rtio.simulate.protocols import write_protocol_study

from .conftest import assert_same


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("roundtrip")
    original = write_protocol_study(base / "study", "yu2025-escc-local-rt", 400, seed=3)
    tables = {
        name: pd.read_csv(original / f"{name}.csv")
        for name in ("subjects", "exposures", "radiotherapy")
    }
    cdm = base / "cdm"
    cdm.mkdir()
    for name, frame in study_to_omop(tables, np.random.default_rng(5), noise=True).items():
        frame.to_parquet(cdm / f"{name}.parquet", index=False)
    definition = dump_definition(synthetic_definition(), base / "cohort.yaml")
    extracted = base / "extracted"
    build = extract(definition, [cdm], extracted)
    assert build.n_subjects == 400
    return original, extracted


def test_roundtrip_gives_the_same_cohort_comparisons(roundtrip) -> None:
    original, extracted = roundtrip
    before = json.loads(analyse_study(original).model_dump_json())
    after = json.loads(analyse_study(extracted).model_dump_json())
    present = {k for k, v in before["cohort"].items() if v}
    assert present == {"local_rt", "io_cycles"}
    assert_same(before["cohort"], after["cohort"], what="cohort")
    assert_same(before["survival"], after["survival"], what="survival")
    assert_same(before["follow_up"], after["follow_up"], what="follow-up")
    assert before["populations"] == after["populations"]
    assert before["notes"] == after["notes"]
    shared = {"Age, years", "Sex", "ECOG performance status"}
    rows = lambda r: [b for b in r["baseline"] if b["characteristic"] in shared]  # noqa: E731
    assert rows(before) == rows(after)


def test_extracted_study_keeps_the_subjects_dates_and_exposures(roundtrip) -> None:
    original, extracted = roundtrip
    subjects = pd.read_csv(original / "subjects.csv", dtype={"subject_id": str})
    back = pd.read_parquet(extracted / "subjects.parquet")
    assert len(back) == len(subjects)
    assert sorted(back["age"]) == sorted(subjects["age"])
    assert (
        back["sex"].value_counts().sort_index() == subjects["sex"].value_counts().sort_index()
    ).all()
    rt = pd.read_csv(original / "radiotherapy.csv")
    rt_back = pd.read_parquet(extracted / "radiotherapy.parquet")
    assert sorted(pd.to_datetime(rt["start_date"])) == sorted(pd.to_datetime(rt_back["start_date"]))
    assert set(rt_back["dose_per_fraction_gy"]) <= {2.0, 3.0}
    exposures = pd.read_csv(original / "exposures.csv")
    assert len(pd.read_parquet(extracted / "exposures.parquet")) == len(exposures)
    settings = yaml.safe_load((extracted / "study.yaml").read_text())
    assert settings["protocol"] == "yu2025-escc-local-rt"
    assert settings["data_cutoff"] == "2023-12-31"
