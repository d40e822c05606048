"""iRECIST (Seymour et al., Lancet Oncol 2017) from RECIST 1.1 timepoint responses.

* A first RECIST 1.1 PD is unconfirmed progression, **iUPD**.
* It is confirmed, **iCPD**, at the next assessment within ``confirm_max_days`` (4–8 weeks) when
  progression increases: the target sum rises by ≥ 5 mm over the iUPD sum, non-target disease
  progresses when it had not at iUPD, or new lesions appear when there were none at iUPD.
* When instead the next assessment meets RECIST 1.1 CR, PR or SD (judged as RECIST 1.1 does, against
  baseline and nadir), the response is **iCR / iPR / iSD** and the bar is reset: a later PD is a new iUPD.
* Otherwise (no further increase, no response), iUPD stands until confirmed or reset. An iUPD with no
  later assessment — treatment stopped, or no further scans — stays unconfirmed.
* **iBOR**: the best of iCR > iPR > iSD > iUPD > iCPD over the timepoints (Seymour 2017, Table 2).

Treatment beyond progression is what produces the scans after iUPD; rtio reads the scans that exist.
The state machine steps over timepoints in order with arrays across all subjects at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.frames import FrameLike, with_dates
from rtio.vocabulary import IRECIST_CONFIRM_MAX_DAYS, IResponseCode

__all__ = [
    "INCREASE_MM",
    "RANK",
    "irecist_best_overall_response",
    "irecist_responses",
]

INCREASE_MM = 5.0
RANK = {code.label: int(code) for code in IResponseCode}


def irecist_responses(
    timepoints: FrameLike, confirm_max_days: int = IRECIST_CONFIRM_MAX_DAYS
) -> pd.DataFrame:
    """iRECIST response per subject x timepoint, with the reason for each iUPD / iCPD / reset."""
    tp = (
        with_dates(timepoints, "timepoints", ["assessment_date"])
        .sort_values(["subject_id", "assessment_date"])
        .reset_index(drop=True)
    )
    tp["k"] = tp.groupby("subject_id").cumcount()
    subjects = pd.Index(tp["subject_id"].unique())
    code = subjects.get_indexer(tp["subject_id"])
    n = subjects.size
    pending = np.zeros(n, dtype=bool)
    confirmed = np.zeros(n, dtype=bool)
    upd_sum = np.full(n, np.nan)
    upd_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    upd_nt = np.zeros(n, dtype=bool)
    upd_new = np.zeros(n, dtype=bool)
    response = np.empty(len(tp), dtype=object)
    reason = np.empty(len(tp), dtype=object)
    for k in range(int(tp["k"].max()) + 1 if len(tp) else 0):
        rows = np.flatnonzero(tp["k"].to_numpy() == k)
        s = code[rows]
        recist = tp["overall_response"].to_numpy()[rows]
        total = tp["sum_diameters_mm"].to_numpy(dtype=float)[rows]
        nt_pd = tp["non_target_response"].to_numpy()[rows] == "PD"
        new = tp["new_lesions"].to_numpy()[rows] == "unequivocal"
        date = tp["assessment_date"].to_numpy()[rows].astype("datetime64[ns]")
        in_window = (date - upd_date[s]) <= np.timedelta64(confirm_max_days, "D")
        grew = (total - upd_sum[s] >= INCREASE_MM) | (nt_pd & ~upd_nt[s]) | (new & ~upd_new[s])
        confirm = pending[s] & in_window & grew
        reset = pending[s] & ~confirm & np.isin(recist, ["CR", "PR", "SD", "NON-CR/NON-PD"])
        still = pending[s] & ~confirm & ~reset
        start = ~pending[s] & ~confirmed[s] & (recist == "PD")
        out = np.where(
            confirmed[s] | confirm,
            "iCPD",
            np.where(start | still, "iUPD", np.char.add("i", recist.astype(str))),
        )
        out = np.where(out == "iNE", "NE", np.where(out == "iNON-CR/NON-PD", "iSD", out))
        response[rows] = out
        reason[rows] = np.select(
            [confirmed[s], confirm, reset, still, start],
            [
                "progression already confirmed",
                "iCPD: progression increased at the assessment after iUPD",
                "response after iUPD: the bar is reset",
                "iUPD not yet confirmed (no further increase)",
                "iUPD: first RECIST 1.1 progression",
            ],
            default="as RECIST 1.1",
        )
        confirmed[s] |= confirm
        pending[s] = (pending[s] & still) | start
        upd_sum[s] = np.where(start, total, upd_sum[s])
        upd_date[s] = np.where(start, date, upd_date[s])
        upd_nt[s] = np.where(start, nt_pd, upd_nt[s])
        upd_new[s] = np.where(start, new, upd_new[s])
    return tp.assign(irecist_response=response, irecist_reason=reason).drop(columns="k")


def irecist_best_overall_response(responses: pd.DataFrame) -> pd.DataFrame:
    """iBOR per subject: the best iRECIST timepoint response (iCR > iPR > iSD > iUPD > iCPD)."""
    ranked = responses.assign(rank=responses["irecist_response"].map(RANK).fillna(0))
    best = ranked.sort_values(
        ["subject_id", "rank", "assessment_date"], ascending=[True, False, True]
    ).drop_duplicates("subject_id")
    return (
        best[["subject_id", "irecist_response", "assessment_date"]]
        .rename(columns={"irecist_response": "ibor", "assessment_date": "ibor_date"})
        .reset_index(drop=True)
    )
