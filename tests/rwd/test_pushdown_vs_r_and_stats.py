"""Pushed-down KM / log-rank / Cox on DuckDB and on Spark equal rtio.stats on the same rows, and R
survival on 96,980 persons of a synthetic OMOP CDM (tests/reference/rwd/rwd_reference.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtio.rwd.engine import open_engine
from rtio.rwd.survival import (
    cox_pushdown,
    event_counts,
    km_from_counts,
    logrank_pushdown,
)
from rtio.stats import cox_ph, kaplan_meier, logrank_test

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "rwd"
TOL = 1e-8


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((REFERENCE / "rwd_reference.json").read_text())


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / "sample_1e5.csv.gz")
    frame["exposed"] = frame["rt_day"].notna().astype(int)
    frame["w"] = 0.5 + frame["age"] / 100
    return frame


def counting_process(frame: pd.DataFrame) -> pd.DataFrame:
    change = np.where(
        frame["rt_day"].eq(frame["time"]) & frame["event"].eq(1),
        frame["time"] - 0.5,
        frame["rt_day"],
    )
    split = ~np.isnan(change) & (change > 0) & (change < frame["time"])
    start_exposed = ~np.isnan(change) & (change <= 0)
    pre = pd.DataFrame(
        {
            "start": 0.0,
            "stop": np.where(split, change, frame["time"]),
            "event": np.where(split, 0, frame["event"]),
            "exposed": start_exposed.astype(int),
        }
    )
    post = pd.DataFrame(
        {
            "start": change[split],
            "stop": frame["time"][split],
            "event": frame["event"][split],
            "exposed": 1,
        }
    )
    return pd.concat([pre, post], ignore_index=True)


def close(actual, expected, tol: float = TOL) -> bool:
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    return bool(np.all(np.abs(actual - expected) <= tol * np.maximum(1, np.abs(expected))))


def check_against_r(engine, sample: pd.DataFrame, reference: dict) -> None:
    engine.upload("sample", sample)
    engine.upload("process", counting_process(sample))
    # Kaplan–Meier by exposure, and weighted
    for name, where in (("unexposed", "exposed = 0"), ("exposed", "exposed = 1")):
        fit = km_from_counts(
            event_counts(engine, f"SELECT * FROM sample WHERE {where}"), scale=30.4375
        )
        ref = reference["km"][name]
        median = fit.median()
        assert close(
            [median.value, median.lower, median.upper], [ref["median"], ref["lower"], ref["upper"]]
        )
        at = fit.survival_at([6, 12, 24], extend=True)
        assert close(at["survival"], ref["surv"])
        assert close(at["std_err"], ref["std_err"])
        assert close(at["lower"], ref["surv_lower"]) and close(at["upper"], ref["surv_upper"])
        assert list(at["n_risk"]) == ref["n_risk"]
    weighted = km_from_counts(
        event_counts(engine, "SELECT * FROM sample", weight="w"), scale=30.4375, weighted=True
    )
    ref = reference["km"]["weighted"]
    assert close(weighted.survival_at([6, 12, 24], extend=True)["survival"], ref["surv"])
    assert close(weighted.median().value, ref["median"])
    # log-rank, plain and stratified
    plain = logrank_pushdown(engine, "SELECT * FROM sample", "exposed", [0, 1])
    assert close(plain.chisq, reference["logrank"]["chisq"])
    assert close(plain.observed, reference["logrank"]["observed"])
    assert close(plain.expected, reference["logrank"]["expected"])
    strat = logrank_pushdown(engine, "SELECT * FROM sample", "exposed", [0, 1], strata="ecog")
    assert close(strat.chisq, reference["logrank"]["stratified_chisq"])
    # Cox: naive (Efron, Breslow), adjusted with strata and weights, landmark, time-varying
    fits = {
        "cox_naive": cox_pushdown(
            engine, "SELECT * FROM sample", ["sample"], {"exposed": "exposed"}
        ),
        "cox_naive_breslow": cox_pushdown(
            engine, "SELECT * FROM sample", ["sample"], {"exposed": "exposed"}, ties="breslow"
        ),
        "cox_adjusted": cox_pushdown(
            engine,
            "SELECT * FROM sample",
            ["sample"],
            {"exposed": "exposed", "age": "age"},
            strata="ecog",
            weights="w",
        ),
        "cox_landmark": cox_pushdown(
            engine,
            "SELECT time - 91.3125 AS time, event, CASE WHEN rt_day IS NOT NULL AND rt_day <= 91.3125 "
            "THEN 1 ELSE 0 END AS exposed FROM sample WHERE time > 91.3125",
            ["sample"],
            {"exposed": "exposed"},
        ),
        "cox_time_varying": cox_pushdown(
            engine,
            "SELECT * FROM process",
            ["process"],
            {"exposed": "exposed"},
            duration="stop",
            entry="start",
        ),
    }
    for name, fit in fits.items():
        ref = reference[name]
        assert close(fit.coef, ref["coef"]), name
        assert close(fit.summary["se"], ref["se"]), name
        assert close(fit.loglik, ref["loglik"]), name
        assert close(fit.score_test.statistic, ref["score"]), name
        assert close(fit.summary["hr_lower"], ref["lower"]) and close(
            fit.summary["hr_upper"], ref["upper"]
        )
    assert fits["cox_landmark"].n == reference["landmark_n"]
    robust = cox_pushdown(
        engine,
        "SELECT * FROM sample",
        ["sample"],
        {"exposed": "exposed", "age": "age"},
        strata="ecog",
        weights="w",
        robust=True,
    )
    assert close(robust.summary["se"], reference["cox_adjusted"]["robust_se"])
    assert close(robust.summary["naive_se"], reference["cox_adjusted"]["se"])


def check_against_stats(engine, sample: pd.DataFrame) -> None:
    """Same rows, rtio.stats in memory: equal to 1e-8 (in practice to rounding)."""
    process = counting_process(sample).assign(ecog=0)
    engine.upload("process_stats", process)
    options = [
        dict(),
        dict(strata="ecog"),
        dict(weights="w"),
        dict(strata="ecog", weights="w", ties="breslow"),
    ]
    for kw in options:
        fit = cox_pushdown(
            engine, "SELECT * FROM sample", ["sample"], {"exposed": "exposed", "age": "age"}, **kw
        )
        ref = cox_ph(sample, "time", "event", ["exposed", "age"], **kw)
        assert close(fit.coef, ref.coef), kw
        assert close(fit.summary["se"], ref.summary["se"]), kw
        assert fit.iterations == ref.iterations
    fit = cox_pushdown(
        engine,
        "SELECT * FROM process_stats",
        ["process_stats"],
        {"exposed": "exposed"},
        duration="stop",
        entry="start",
    )
    ref = cox_ph(process, "stop", "event", ["exposed"], entry="start")
    assert close(fit.coef, ref.coef) and close(fit.summary["se"], ref.summary["se"])
    lr = logrank_pushdown(engine, "SELECT * FROM sample", "exposed", [0, 1], strata="ecog")
    assert close(
        lr.chisq,
        logrank_test(
            sample["time"], sample["event"], sample["exposed"], strata=sample["ecog"]
        ).chisq,
    )
    km = km_from_counts(event_counts(engine, "SELECT * FROM sample WHERE ecog = 1"), scale=30.4375)
    pick = sample["ecog"] == 1
    ref_km = kaplan_meier(sample["time"][pick] / 30.4375, sample["event"][pick])
    assert np.allclose(
        km.table.to_numpy(float), ref_km.table.to_numpy(float), rtol=TOL, equal_nan=True
    )


def test_duckdb_equals_r(sample, reference) -> None:
    assert len(sample) == reference["n"] and sample["event"].sum() == reference["events"]
    with open_engine("duckdb") as engine:
        check_against_r(engine, sample, reference)


def test_duckdb_equals_rtio_stats(sample) -> None:
    with open_engine("duckdb") as engine:
        engine.upload("sample", sample)
        check_against_stats(engine, sample)


def test_spark_equals_r(spark_engine_factory, sample, reference) -> None:
    """The core set on Spark local[2]: KM, stratified log-rank, and Cox naive, stratified with
    weights, and time-varying (each Spark query costs seconds, so the full set is marked slow)."""
    engine = spark_engine_factory()
    engine.upload("sample", sample)
    engine.upload("process", counting_process(sample))
    fit = km_from_counts(
        event_counts(engine, "SELECT * FROM sample WHERE exposed = 1"), scale=30.4375
    )
    ref = reference["km"]["exposed"]
    median = fit.median()
    assert close(
        [median.value, median.lower, median.upper], [ref["median"], ref["lower"], ref["upper"]]
    )
    strat = logrank_pushdown(engine, "SELECT * FROM sample", "exposed", [0, 1], strata="ecog")
    assert close(strat.chisq, reference["logrank"]["stratified_chisq"])
    fits = {
        "cox_naive": cox_pushdown(
            engine, "SELECT * FROM sample", ["sample"], {"exposed": "exposed"}
        ),
        "cox_adjusted": cox_pushdown(
            engine,
            "SELECT * FROM sample",
            ["sample"],
            {"exposed": "exposed", "age": "age"},
            strata="ecog",
            weights="w",
        ),
        "cox_time_varying": cox_pushdown(
            engine,
            "SELECT * FROM process",
            ["process"],
            {"exposed": "exposed"},
            duration="stop",
            entry="start",
        ),
    }
    for name, fit in fits.items():
        assert close(fit.coef, reference[name]["coef"]), name
        assert close(fit.summary["se"], reference[name]["se"]), name
        assert close(fit.loglik, reference[name]["loglik"]), name


@pytest.mark.slow
def test_spark_equals_r_and_rtio_stats_in_full(spark_engine_factory, sample, reference) -> None:
    engine = spark_engine_factory()
    check_against_r(engine, sample, reference)
    check_against_stats(engine, sample)
