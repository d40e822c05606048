"""Time rtio.stats against R survival and lifelines on the same data, in the same run.

Data: two groups, exponential times (hazard ratio 0.8) rounded to 0.01, uniform censoring giving
about 30 % censored. For each n the data go to R as raw doubles (readBin), so R times only
survfit / survdiff / coxph. lifelines is skipped above --lifelines-max (it takes minutes at 10^7).

    python benchmarks/stats_vs_r.py --sizes 100000 1000000 10000000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from rtio.stats import cox_ph, kaplan_meier, logrank_test

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(TRUE); n <- as.integer(args[2])
con <- file(args[1], "rb"); v <- readBin(con, "double", 3 * n); close(con)
time <- v[1:n]; event <- v[(n + 1):(2 * n)]; group <- v[(2 * n + 1):(3 * n)]
t_km <- system.time(km <- survfit(Surv(time, event) ~ 1))[["elapsed"]]
t_lr <- system.time(lr <- survdiff(Surv(time, event) ~ group))[["elapsed"]]
t_cox <- system.time(cx <- coxph(Surv(time, event) ~ group))[["elapsed"]]
cat(sprintf('{"km": %.4f, "logrank": %.4f, "cox": %.4f, "median": %.10g, "chisq": %.12g, "coef": %.12g}',
            t_km, t_lr, t_cox, quantile(km, 0.5)$quantile, lr$chisq, coef(cx)))
"""


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n).astype(float)
    event_time = rng.exponential(1 / (0.1 * np.where(group == 1, 0.8, 1.0)))
    censor = rng.uniform(0, 25, n)
    time = np.round(np.maximum(np.minimum(event_time, censor), 0.01), 2)
    return pd.DataFrame(
        {"time": time, "event": (event_time <= censor).astype(float), "group": group}
    )


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def run_rtio(data: pd.DataFrame) -> dict:
    t_km, km = timed(kaplan_meier, data["time"].to_numpy(), data["event"].to_numpy())
    t_lr, lr = timed(
        logrank_test, data["time"].to_numpy(), data["event"].to_numpy(), data["group"].to_numpy()
    )
    t_cox, cx = timed(cox_ph, data, "time", "event", ["group"])
    return {
        "km": t_km,
        "logrank": t_lr,
        "cox": t_cox,
        "median": km.median().value,
        "chisq": lr.chisq,
        "coef": float(cx.coef[0]),
    }


def run_r(data: pd.DataFrame) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "data.bin"
        np.concatenate([data["time"], data["event"], data["group"]]).astype("<f8").tofile(raw)
        script = Path(folder) / "bench.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            ["Rscript", str(script), str(raw), str(len(data))],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout)


def run_lifelines(data: pd.DataFrame) -> dict:
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test as ll_logrank

    t_km, _ = timed(KaplanMeierFitter().fit, data["time"], data["event"])
    g = data["group"] == 1
    t_lr, _ = timed(
        ll_logrank, data["time"][g], data["time"][~g], data["event"][g], data["event"][~g]
    )
    t_cox, _ = timed(CoxPHFitter().fit, data, "time", "event")
    return {"km": t_km, "logrank": t_lr, "cox": t_cox}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--lifelines-max", type=int, default=1_000_000)
    args = parser.parse_args()
    print(
        f"{'n':>10} {'step':>8} {'rtio s':>9} {'R s':>9} {'R/rtio':>8} {'lifelines s':>12} {'ll/rtio':>8}  agree"
    )
    for n in args.sizes:
        data = make_data(n)
        ours, r = run_rtio(data), run_r(data)
        ll = run_lifelines(data) if n <= args.lifelines_max else None
        agree = {
            "km": ours["median"] == r["median"],
            "logrank": abs(ours["chisq"] / r["chisq"] - 1) < 1e-8,
            "cox": abs(ours["coef"] / r["coef"] - 1) < 1e-8,
        }
        for step in ("km", "logrank", "cox"):
            ll_text = (
                f"{ll[step]:12.3f} {ll[step] / ours[step]:8.1f}"
                if ll
                else f"{'skipped':>12} {'':>8}"
            )
            print(
                f"{n:>10} {step:>8} {ours[step]:9.3f} {r[step]:9.3f} {r[step] / ours[step]:8.1f} {ll_text}  {agree[step]}"
            )


if __name__ == "__main__":
    main()
