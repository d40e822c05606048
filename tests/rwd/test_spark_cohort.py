"""Spark local[2] builds the same cohort study as DuckDB, and ``rtio cohort run --engine spark``
equals ``rtio analyse`` on it (slow: each Spark stage costs seconds)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from rtio.analyse import analyse_study
from rtio.rwd.api import EngineOptions, extract, run

from .conftest import assert_same

pytestmark = pytest.mark.slow


def test_spark_extract_and_run_equal_duckdb_and_analyse(java, omop_cdm, tmp_path) -> None:
    pytest.importorskip("pyspark")
    spark = EngineOptions(name="spark")
    extract(omop_cdm / "cohort.yaml", [omop_cdm], tmp_path / "spark_study", spark)
    extract(omop_cdm / "cohort.yaml", [omop_cdm], tmp_path / "duck_study")
    for table in ("subjects", "exposures", "radiotherapy"):
        a = pd.read_parquet(tmp_path / "spark_study" / f"{table}.parquet")
        b = pd.read_parquet(tmp_path / "duck_study" / f"{table}.parquet")
        keys = [c for c in ("subject_id", "date", "start_date") if c in a]
        pd.testing.assert_frame_equal(
            a.sort_values(keys).reset_index(drop=True),
            b.sort_values(keys).reset_index(drop=True),
            check_dtype=False,
        )
    expected = json.loads(analyse_study(tmp_path / "duck_study").model_dump_json())
    run(omop_cdm / "cohort.yaml", [omop_cdm], tmp_path / "out", spark)
    written = json.loads((tmp_path / "out" / "results.json").read_text())
    for section in ("cohort", "survival", "follow_up", "baseline", "populations"):
        assert_same(expected[section], written[section], what=section)
