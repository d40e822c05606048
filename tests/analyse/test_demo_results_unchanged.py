"""The demo study's results.json stays what it was when it was recorded (a committed study folder,
simulated once by ``rtio demo``), apart from when, where and with which software it was produced.

A change to the results is made on purpose: regenerate the recorded file with

    python -c "from rtio.analyse import analyse_study; \
open('tests/analyse/data/demo_results.json', 'w').write(\
analyse_study('tests/analyse/data/demo_study').model_dump_json(indent=1))"

and say in the commit why the results changed.
"""

import json
import math
from pathlib import Path
from typing import Any

from rtio.analyse import analyse_study

DATA = Path(__file__).parent / "data"
RUN_SPECIFIC = ("generated", "rtio_version", "software", "study", "input_sha256")


def _normalise(results: dict[str, Any]) -> dict[str, Any]:
    for key in RUN_SPECIFIC:
        results["meta"].pop(key, None)
    results["methods"] = [m for m in results["methods"] if not m.startswith("Analyses were run")]
    return results


def _differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        keys = set(expected) | set(actual)
        return [
            d
            for k in sorted(keys, key=str)
            for d in (
                _differences(expected[k], actual[k], f"{path}.{k}")
                if k in expected and k in actual
                else [f"{path}.{k}: only in {'recorded' if k in expected else 'new'} results"]
            )
        ]
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(expected)} items recorded, {len(actual)} now"]
        return [
            d
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for d in _differences(e, a, f"{path}[{i}]")
        ]
    if (
        isinstance(expected, float)
        and isinstance(actual, int | float)
        and not isinstance(actual, bool)
    ):
        return (
            []
            if math.isclose(expected, actual, rel_tol=1e-12, abs_tol=1e-14)
            else [f"{path}: {expected!r} recorded, {actual!r} now"]
        )
    return [] if expected == actual else [f"{path}: {expected!r} recorded, {actual!r} now"]


def test_demo_results_are_unchanged() -> None:
    recorded = _normalise(json.loads((DATA / "demo_results.json").read_text()))
    now = _normalise(json.loads(analyse_study(DATA / "demo_study").model_dump_json()))
    differences = _differences(recorded, now)
    assert not differences, "\n".join(differences[:40])
