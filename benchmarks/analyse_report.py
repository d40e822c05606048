"""Time of ``analyse_study`` and ``render_report`` on simulated seed-004-protocol studies of
10^3 and 10^4 patients (no test asserts it), per stage of the analysis.

Wall and CPU time of each stage (on a shared, busy machine wall time includes waiting for a core;
CPU time does not), and the growth exponent from 10^3 to 10^4 (1 = linear). The stages are the
functions ``analyse_study`` composes, timed by wrapping them; the report is timed per format.
Usage: python benchmarks/analyse_report.py [N ...] (default 1000 10000).
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rtio.analyse.study as study_module
from rtio.analyse import analyse_study
from rtio.report import render_report
from rtio.simulate import write_study

STAGES = [
    "load_study",
    "derive_study",
    "rt_deviations",
    "primary_endpoint",
    "disposition",
    "arm_comparisons",
    "cohort_results",
    "biomarker_survival",
    "biomarker_tests",
    "paired_tests",
    "adverse_event_tables",
    "adverse_event_overview",
    "rt_lesion_summary",
    "figures_data",
    "exposure",
    "baseline_table",
]
SPENT: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[name][0] += time.perf_counter() - wall
            SPENT[name][1] += time.process_time() - cpu

    return wrapper


for stage in STAGES:
    setattr(study_module, stage, timed(stage, getattr(study_module, stage)))


def run(n: int) -> dict[str, tuple[float, float]]:
    SPENT.clear()
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_study(Path(tmp) / "study", n, 1)
        wall, cpu = time.perf_counter(), time.process_time()
        results = analyse_study(folder)
        total = {"analyse (total)": (time.perf_counter() - wall, time.process_time() - cpu)}
        for fmt in ("html", "docx", "pdf"):
            wall, cpu = time.perf_counter(), time.process_time()
            render_report(results, Path(tmp) / f"report_{fmt}", [fmt])
            total[f"report {fmt} (figures + document)"] = (
                time.perf_counter() - wall,
                time.process_time() - cpu,
            )
    return {**{k: (v[0], v[1]) for k, v in SPENT.items()}, **total}


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    timings = {n: run(n) for n in sizes}
    names = list(timings[sizes[-1]])
    print(
        f"{'stage':40s}" + "".join(f"{f'n = {n} wall / cpu s':>24s}" for n in sizes) + "  exponent"
    )
    for name in names:
        cells = "".join(
            f"{timings[n].get(name, (0, 0))[0]:>12.2f}{timings[n].get(name, (0, 0))[1]:>12.2f}"
            for n in sizes
        )
        exponent = ""
        if len(sizes) >= 2:
            a, b = timings[sizes[0]].get(name, (0, 0))[1], timings[sizes[-1]].get(name, (0, 0))[1]
            if a > 0.05 and b > 0:
                exponent = f"{math.log(b / a) / math.log(sizes[-1] / sizes[0]):9.2f}"
        print(f"{name:40s}{cells}{exponent}")


if __name__ == "__main__":
    main()
