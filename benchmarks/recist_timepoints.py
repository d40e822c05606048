"""Benchmark: RECIST 1.1 timepoint responses and confirmed BOR for N subjects x 8 assessments x
5 lesions (3 target, 1 non-target, 1 new lesion appearing in some subjects).

No peer derives RECIST from measurements (admiralonco starts from timepoint responses), so the
comparison is with a straightforward per-subject pandas loop over a sample of subjects,
extrapolated; the ratio is printed. Usage: python benchmarks/recist_timepoints.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
import pandas as pd

from rtio.derive.recist import best_overall_response, timepoint_responses

REPEATS = 3


def make_study(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sid = np.char.add("S", np.arange(n).astype(str))
    start = np.datetime64("2024-01-15")
    lesion_ids = np.array(["T1", "T2", "T3", "NT1", "X1"])
    roles = np.array(["target", "target", "target", "non_target", "new"])
    organs = np.array(["liver", "lung", "node", "bone", "brain"])
    les = pd.DataFrame(
        {
            "subject_id": np.repeat(sid, 5),
            "lesion_id": np.tile(lesion_ids, n),
            "role": np.tile(roles, n),
            "organ": np.tile(organs, n),
            "is_lymph_node": np.tile(organs == "node", n),
        }
    )
    k = 8
    days = np.array([-7, 42, 84, 126, 168, 210, 252, 294])
    base = rng.uniform(15, 60, size=(n, 3)).round(1)
    trend = rng.normal(-0.05, 0.08, size=(n, 1))
    factor = np.clip(1 + trend * np.arange(k)[None, :], 0.0, 3.0)
    diam = (base[:, None, :] * factor[:, :, None]).round(1)  # n x k x 3
    dates = start + days.astype("timedelta64[D]")
    rows_t = pd.DataFrame(
        {
            "subject_id": np.repeat(sid, k * 3),
            "lesion_id": np.tile(np.array(["T1", "T2", "T3"]), n * k),
            "assessment_date": np.tile(np.repeat(dates, 3), n),
            "diameter_mm": diam.ravel(),
            "status": "present",
        }
    )
    rows_t.loc[rows_t["diameter_mm"] == 0, "status"] = "absent"
    nt_status = rng.choice(
        ["present", "absent", "unequivocal_progression"], p=[0.9, 0.08, 0.02], size=n * k
    )
    rows_nt = pd.DataFrame(
        {
            "subject_id": np.repeat(sid, k),
            "lesion_id": "NT1",
            "assessment_date": np.tile(dates, n),
            "diameter_mm": np.nan,
            "status": nt_status,
        }
    )
    new_status = rng.choice(["absent", "equivocal", "present"], p=[0.9, 0.05, 0.05], size=n * k)
    rows_new = pd.DataFrame(
        {
            "subject_id": np.repeat(sid, k),
            "lesion_id": "X1",
            "assessment_date": np.tile(dates, n),
            "diameter_mm": np.nan,
            "status": new_status,
        }
    )
    rows_new = rows_new[np.tile(days > 0, n)]
    meas = pd.concat([rows_t, rows_nt, rows_new], ignore_index=True)
    subj = pd.DataFrame({"subject_id": sid, "start_date": start})
    return les, meas, subj


def _timed(les, meas, subj) -> tuple[float, float, int, int]:
    t = time.perf_counter()
    tp = timepoint_responses(les, meas, subj)
    t_tp = time.perf_counter() - t
    t = time.perf_counter()
    bor = best_overall_response(tp, subj)
    return t_tp, time.perf_counter() - t, len(tp), len(bor)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    warm = make_study(1000, seed=2)
    _timed(*warm)  # warm-up: first-call costs of numpy / pandas / polars
    les, meas, subj = make_study(n)
    print(f"{n} subjects, {len(meas)} measurement rows; {REPEATS} runs after a warm-up")
    runs = [_timed(les, meas, subj) for _ in range(REPEATS)]
    t_tp = [r[0] for r in runs]
    t_bor = [r[1] for r in runs]
    total = [r[0] + r[1] for r in runs]
    print(
        f"timepoint_responses: best {min(t_tp):.2f} s, median {statistics.median(t_tp):.2f} s "
        f"({runs[0][2]} rows)"
    )
    print(
        f"best_overall_response (confirmed): best {min(t_bor):.2f} s, median "
        f"{statistics.median(t_bor):.2f} s ({runs[0][3]} rows)"
    )
    print(f"total: best {min(total):.2f} s, median {statistics.median(total):.2f} s")
    median_tp = statistics.median(t_tp)
    sample = subj["subject_id"].iloc[:200]
    t = time.perf_counter()
    for s in sample:
        timepoint_responses(
            les[les["subject_id"] == s],
            meas[meas["subject_id"] == s],
            subj[subj["subject_id"] == s],
        )
    per_subject = (time.perf_counter() - t) / len(sample)
    loop = per_subject * n
    print(f"per-subject loop (200 subjects, extrapolated to {n}): {loop:.1f} s")
    print(f"ratio loop / vectorised (median): {loop / median_tp:.0f}x")


if __name__ == "__main__":
    main()
