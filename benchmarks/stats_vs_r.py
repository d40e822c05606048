"""Time rtio.stats against R survival on the same files, in one run, and check that they agree.

For each size the data are written once as raw doubles; R (``readBin``) and rtio
(``numpy.fromfile``) read the same file and each times only the statistic, best of ``--repeat``
runs (wall clock; the CPU-seconds ratio is printed too, as the machine may be shared). Data: two groups, exponential times (hazard ratio 0.8), uniform censoring (about 30 %
censored); "continuous" times are the raw doubles, "tied" times whole days (ceil(30.4375·t), a few
hundred distinct values); x1 ~ N(0, 1), x2 ~ U(0, 1); four strata. Both sides use their defaults,
R's timefix included. lifelines (optional, ``--lifelines-max``) is timed on the same data.

    python benchmarks/stats_vs_r.py                      # the cases of benchmarks/RESULTS-stats.md
    python benchmarks/stats_vs_r.py --cases km-continuous --sizes 100000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rtio.stats import cox_ph, kaplan_meier, logrank_test

COLUMNS = ["time", "day", "event", "group", "x1", "x2", "stratum"]

# case: (step, time column, covariates, stratified, default sizes)
CASES: dict[str, tuple[str, str, list[str], bool, list[int]]] = {
    "km-tied": ("km", "day", [], False, [10_000_000]),
    "km-continuous": ("km", "time", [], False, [10_000_000]),
    "logrank-tied": ("logrank", "day", [], False, [10_000_000]),
    "logrank-continuous": ("logrank", "time", [], False, [10_000_000]),
    "cox1-continuous": ("cox", "time", ["group"], False, [10_000_000]),
    "cox3-tied": ("cox", "day", ["group", "x1", "x2"], False, [1_000_000]),
    "cox3-continuous": ("cox", "time", ["group", "x1", "x2"], False, [100_000, 1_000_000]),
    "cox3-strata-tied": ("cox", "day", ["group", "x1", "x2"], True, [1_000_000]),
    "cox3-strata-continuous": ("cox", "time", ["group", "x1", "x2"], True, [1_000_000]),
}

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE)
n <- as.integer(args[2]); repeats <- as.integer(args[3]); cases <- strsplit(args[4], ",")[[1]]
con <- file(args[1], "rb"); v <- readBin(con, "double", 7 * n); close(con)
col <- function(k) v[((k - 1) * n + 1):(k * n)]
d <- data.frame(time = col(1), day = col(2), event = col(3), group = col(4), x1 = col(5),
                x2 = col(6), stratum = col(7))
rm(v); invisible(gc())
best <- function(f) {
  times <- numeric(repeats); cpu <- numeric(repeats)
  for (i in seq_len(repeats)) {
    invisible(gc()); s <- system.time(r <- f())
    times[i] <- s[["elapsed"]]; cpu[i] <- s[["user.self"]] + s[["sys.self"]]
  }
  list(seconds = min(times), cpu = min(cpu), value = r)
}
out <- list()
for (case in cases) {
  step <- strsplit(case, "-")[[1]][1]
  tcol <- if (grepl("tied", case)) "day" else "time"
  y <- Surv(d[[tcol]], d$event)
  if (step == "km") {
    r <- best(function() { f <- survfit(y ~ 1); q <- quantile(f, 0.5)
                           c(q$quantile, q$lower, q$upper) })
  } else if (step == "logrank") {
    r <- best(function() survdiff(y ~ d$group)$chisq)
  } else {
    form <- switch(case,
      "cox1-continuous" = y ~ group,
      "cox3-tied" = , "cox3-continuous" = y ~ group + x1 + x2,
      y ~ group + x1 + x2 + strata(stratum))
    r <- best(function() unname(coef(coxph(form, data = d))))
  }
  out[[case]] <- list(seconds = r$seconds, cpu = r$cpu, value = unname(r$value))
}
cat(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE))
"""


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n).astype(float)
    event_time = rng.exponential(1 / (0.1 * np.where(group == 1, 0.8, 1.0)))
    censor = rng.uniform(0, 25, n)
    time = np.minimum(event_time, censor)
    return pd.DataFrame(
        {
            "time": time,
            "day": np.maximum(np.ceil(time * 30.4375), 1.0),
            "event": (event_time <= censor).astype(float),
            "group": group,
            "x1": rng.normal(size=n),
            "x2": rng.uniform(size=n),
            "stratum": rng.integers(1, 5, n).astype(float),
        }
    )


def best_of(repeats: int, function: Callable[[], Any]) -> tuple[float, float, Any]:
    """Best wall-clock and best CPU seconds of ``repeats`` runs, and the value."""
    seconds, cpu, value = np.inf, np.inf, None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = function()
        seconds = min(seconds, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return seconds, cpu, value


def rtio_case(case: str, data: pd.DataFrame, repeats: int) -> tuple[float, float, list[float]]:
    step, column, covariates, stratified, _ = CASES[case]
    t, e = data[column].to_numpy(), data["event"].to_numpy()
    if step == "km":

        def km() -> list[float]:
            median = kaplan_meier(t, e).median()
            return [median.value, median.lower, median.upper]

        return best_of(repeats, km)
    if step == "logrank":
        return best_of(repeats, lambda: [logrank_test(t, e, data["group"].to_numpy()).chisq])
    strata = "stratum" if stratified else None
    return best_of(
        repeats,
        lambda: list(cox_ph(data, column, "event", covariates, strata=strata).coef),
    )


def lifelines_case(case: str, data: pd.DataFrame) -> float | None:
    step, column, covariates, stratified, _ = CASES[case]
    try:
        from lifelines import CoxPHFitter, KaplanMeierFitter
        from lifelines.statistics import logrank_test as ll_logrank
    except ImportError:
        return None
    start = time.perf_counter()
    if step == "km":
        KaplanMeierFitter().fit(data[column], data["event"]).median_survival_time_  # noqa: B018
    elif step == "logrank":
        g = data["group"] == 1
        ll_logrank(data[column][g], data[column][~g], data["event"][g], data["event"][~g])
    else:
        frame = data[[column, "event", *covariates] + (["stratum"] if stratified else [])]
        CoxPHFitter().fit(frame, column, "event", strata=["stratum"] if stratified else None)
    return time.perf_counter() - start


def run_r(raw: Path, n: int, cases: list[str], repeats: int, folder: Path) -> dict:
    script = folder / "bench.R"
    script.write_text(R_SCRIPT)
    out = subprocess.run(
        ["Rscript", str(script), str(raw), str(n), str(repeats), ",".join(cases)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def agreement(ours: list[float], theirs: list[float]) -> float:
    """Largest relative difference (NaN/NA equal to each other)."""
    a = np.asarray(ours, dtype=float)
    b = np.asarray([np.nan if v in (None, "NA") else v for v in theirs], dtype=float)
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return np.inf
    keep = ~np.isnan(a)
    return float(np.max(np.abs(a[keep] - b[keep]) / np.abs(b[keep]), initial=0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--sizes", type=int, nargs="+", help="override every case's sizes")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--lifelines-max", type=int, default=0, help="time lifelines up to n")
    args = parser.parse_args()
    by_size: dict[int, list[str]] = {}
    for case in args.cases:
        for n in args.sizes or CASES[case][4]:
            by_size.setdefault(n, []).append(case)
    print(
        f"{'n':>10} {'case':<24} {'rtio s':>8} {'R s':>8} {'R/rtio':>7} {'CPU R/rtio':>10} "
        f"{'lifelines s':>11}  max rel. diff"
    )
    for n in sorted(by_size):
        cases = by_size[n]
        data = make_data(n)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            raw = folder / "data.bin"
            np.concatenate([data[c].to_numpy() for c in COLUMNS]).astype("<f8").tofile(raw)
            del data
            values = np.fromfile(raw, dtype="<f8").reshape(len(COLUMNS), n)
            data = pd.DataFrame(dict(zip(COLUMNS, values, strict=True)))
            ours = {case: rtio_case(case, data, args.repeat) for case in cases}
            theirs = run_r(raw, n, cases, args.repeat, folder)
        for case in cases:
            seconds, cpu, value = ours[case]
            r = theirs[case]
            ll = lifelines_case(case, data) if n <= args.lifelines_max else None
            ll_text = f"{ll:11.2f}" if ll is not None else f"{'':>11}"
            print(
                f"{n:>10} {case:<24} {seconds:8.3f} {r['seconds']:8.2f} "
                f"{r['seconds'] / seconds:7.1f} {r['cpu'] / cpu:10.1f} {ll_text}  "
                f"{agreement(value, np.atleast_1d(r['value']).tolist()):.1e}",
                flush=True,
            )


if __name__ == "__main__":
    main()
