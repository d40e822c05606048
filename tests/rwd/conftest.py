"""Shared fixtures: a small synthetic OMOP CDM, and one Spark session for the module that needs it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rtio.rwd.simulate import write_omop


@pytest.fixture(scope="session")
def omop_cdm(tmp_path_factory) -> Path:
    """A synthetic OMOP CDM of 1,500 persons with its cohort.yaml (no true RT effect)."""
    return write_omop(tmp_path_factory.mktemp("omop") / "cdm", 1500, seed=7)


@pytest.fixture(scope="session")
def spark_engine_factory(java, tmp_path_factory):
    """Spark in local[2] (Java 17); the session is shared by the tests that ask for it."""
    pytest.importorskip("pyspark")
    from rtio.rwd.engine import SparkEngine

    engines = []

    def make(work: Path | None = None) -> SparkEngine:
        engine = SparkEngine(work or tmp_path_factory.mktemp("spark"))
        engines.append(engine)
        return engine

    yield make
    if engines:
        engines[0].spark.stop()


def flatten(value, prefix: str = "") -> dict[str, object]:
    """Leaves of nested dicts / lists, keyed by their path."""
    out: dict[str, object] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}/{key}"))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


def assert_same(expected, actual, tol: float = 1e-8, what: str = "") -> None:
    """Same structure and text; numbers equal to ``tol`` (relative above 1, absolute below)."""
    a, b = flatten(json.loads(json.dumps(expected))), flatten(json.loads(json.dumps(actual)))
    assert set(a) == set(b), (what, sorted(set(a) ^ set(b))[:10])
    for key, x in a.items():
        y = b[key]
        if isinstance(x, float) or isinstance(y, float):
            if x is None or y is None or (math.isnan(x) and math.isnan(y)):
                assert (x is None and y is None) or (x is not None and y is not None), (
                    what,
                    key,
                    x,
                    y,
                )
                continue
            assert abs(x - y) <= tol * max(1.0, abs(x)), (what, key, x, y)
        else:
            assert x == y, (what, key, x, y)
