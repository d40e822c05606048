"""Cohort definitions and CDM sources: errors name the file, field, table or column."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from rtio.rwd.definition import load_definition
from rtio.rwd.engine import open_engine
from rtio.rwd.pipeline import build_cohort


def _write(tmp_path, data) -> str:
    path = tmp_path / "cohort.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def test_undefined_concept_set_is_named(omop_cdm, tmp_path) -> None:
    data = yaml.safe_load((omop_cdm / "cohort.yaml").read_text())
    data["radiotherapy"]["concept_set"] = "rt_typo"
    with pytest.raises(
        ValueError, match=r"cohort.yaml: .*radiotherapy.concept_set: concept set 'rt_typo'"
    ):
        load_definition(_write(tmp_path, data))


def test_unknown_field_and_non_pd1_drug_are_errors(omop_cdm, tmp_path) -> None:
    data = yaml.safe_load((omop_cdm / "cohort.yaml").read_text())
    data["index"]["washout"] = 30
    with pytest.raises(ValueError, match=r"index.washout: Extra inputs"):
        load_definition(_write(tmp_path, data))
    data = yaml.safe_load((omop_cdm / "cohort.yaml").read_text())
    data["concept_sets"]["pd1_pdl1"]["concepts"].append({"id": 1, "name": "ipilimumab"})
    with pytest.raises(ValueError, match="ipilimumab"):
        load_definition(_write(tmp_path, data))


def test_missing_table_and_column_are_named(omop_cdm, tmp_path) -> None:
    cdm = tmp_path / "cdm"
    shutil.copytree(omop_cdm, cdm)
    (cdm / "death.parquet").unlink()
    definition = load_definition(cdm / "cohort.yaml")
    with open_engine("duckdb") as engine, pytest.raises(ValueError, match="table\\(s\\) death"):
        build_cohort(definition, [cdm], engine)
    pd.DataFrame({"person_id": [1]}).to_parquet(cdm / "death.parquet")
    with (
        open_engine("duckdb") as engine,
        pytest.raises(ValueError, match="table death lacks column\\(s\\) death_date"),
    ):
        build_cohort(definition, [cdm], engine)


def test_course_without_dose_is_refused_with_the_person(omop_cdm, tmp_path) -> None:
    cdm = tmp_path / "cdm"
    shutil.copytree(omop_cdm, cdm)
    measurement = pd.read_parquet(cdm / "measurement.parquet")
    measurement[measurement["measurement_concept_id"] != 2_000_004_001].to_parquet(
        cdm / "measurement.parquet", index=False
    )
    definition = load_definition(cdm / "cohort.yaml")
    with (
        open_engine("duckdb") as engine,
        pytest.raises(ValueError, match=r"without a dose measurement.*person"),
    ):
        build_cohort(definition, [cdm], engine)
