"""cox_zph against R survival 3.5-3 ``cox.zph`` (tests/reference/stats/zph_reference.R): the
proportional-hazards test table (per term, per column and GLOBAL), the transformed times and the
scaled Schoenfeld residuals, for Efron and Breslow ties, the four time transforms, strata, case
weights, factors and counting-process data."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtio.stats import cox_ph, cox_zph

REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "stats" / "zph_reference.json").read_text()
)


def _lung() -> pd.DataFrame:
    d = REF["lung"]
    return pd.DataFrame(
        {
            "time": d["time"],
            "event": d["event"],
            "age": d["age"],
            "sex": d["sex"],
            "ph.ecog": d["ph_ecog"],
            "w": d["w"],
        }
    )


def _veteran() -> pd.DataFrame:
    d = REF["veteran"]
    return pd.DataFrame(
        {
            "time": d["time"],
            "event": d["event"],
            "trt": d["trt"],
            "karno": d["karno"],
            "celltype": pd.Categorical(d["celltype"], categories=d["levels"]),
        }
    )


def _heart() -> pd.DataFrame:
    return pd.DataFrame(
        {k: REF["heart"][k] for k in ("start", "stop", "event", "age", "transplant")}
    )


def _check(result, ref, residuals: bool = True) -> None:
    assert list(result.table.index) == ref["names"]
    np.testing.assert_allclose(result.table["chisq"], ref["chisq"], rtol=1e-9)
    np.testing.assert_array_equal(result.table["df"], ref["df"])
    np.testing.assert_allclose(result.table["p"], ref["p"], rtol=1e-9)
    if residuals:
        np.testing.assert_allclose(result.time, ref["time"])
        np.testing.assert_allclose(result.x, ref["x"], rtol=1e-9)
        expected = np.array(ref["y"], dtype=float)
        np.testing.assert_allclose(result.y.to_numpy(), expected, rtol=1e-8, atol=1e-10)


LUNG = ["age", "sex", "ph.ecog"]


@pytest.mark.parametrize("transform", ["km", "rank", "identity", "log"])
def test_lung_efron_each_transform(transform) -> None:
    fit = cox_ph(_lung(), "time", "event", LUNG)
    _check(cox_zph(fit, transform=transform), REF[f"lung_{transform}"])


def test_lung_breslow() -> None:
    fit = cox_ph(_lung(), "time", "event", LUNG, ties="breslow")
    _check(cox_zph(fit), REF["lung_breslow"])


def test_lung_stratified_by_sex() -> None:
    fit = cox_ph(_lung(), "time", "event", ["age", "ph.ecog"], strata="sex")
    result = cox_zph(fit)
    _check(result, REF["lung_strata"])
    assert len(np.unique(result.strata)) == 2


def test_lung_case_weights() -> None:
    fit = cox_ph(_lung(), "time", "event", LUNG, weights="w")
    _check(cox_zph(fit), REF["lung_weights"])


def test_veteran_factor_as_one_term_and_by_column() -> None:
    fit = cox_ph(_veteran(), "time", "event", ["trt", "celltype", "karno"])
    _check(cox_zph(fit), REF["veteran_terms"])
    _check(cox_zph(fit, terms=False), REF["veteran_columns"])


def test_veteran_breslow_by_column() -> None:
    fit = cox_ph(_veteran(), "time", "event", ["trt", "celltype", "karno"], ties="breslow")
    _check(cox_zph(fit, terms=False), REF["veteran_breslow"])


def test_counting_process_heart() -> None:
    fit = cox_ph(_heart(), "stop", "event", ["age", "transplant"], entry="start")
    _check(cox_zph(fit), REF["heart_zph"])


def test_unknown_transform_is_an_error() -> None:
    fit = cox_ph(_lung(), "time", "event", LUNG)
    with pytest.raises(ValueError, match="transform must be one of"):
        cox_zph(fit, transform="sqrt")
