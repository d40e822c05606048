"""When each subject's exposure starts or changes, and the counting-process data built from it.

Counting-process data are R's ``Surv(start, stop, event)``: one row per subject and interval
over which the exposure level is constant (Therneau & Grambsch 2000, §3.7). Built with pandas
over whole columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.cohort.followup import days_between
from rtio.lookup import by_key

SAME_DAY_OFFSET = 0.5
"""An exposure on the day of the event is placed half a day before it (the exposure preceded the
event), as in the Stanford heart transplant data (Crowley & Hu 1977; R ``survival::heart``)."""


def first_rt_start_day(subjects: pd.DataFrame, radiotherapy: pd.DataFrame | None) -> pd.Series:
    """Days from the index date to the first radiotherapy fraction (NaN: never irradiated)."""
    index = subjects.set_index("subject_id")["start_date"]
    if radiotherapy is None or radiotherapy.empty:
        return pd.Series(np.nan, index=index.index, name="rt_start_day")
    first = radiotherapy.groupby("subject_id")["start_date"].min()
    day = days_between(index, first.reindex(index.index))
    return pd.Series(day, index=index.index, name="rt_start_day")


def cycle_category_times(
    subjects: pd.DataFrame,
    exposures: pd.DataFrame,
    drugs: Sequence[str],
    thresholds: Sequence[int] = (7, 13),
) -> pd.DataFrame:
    """Days from the index date at which cumulative cycles of ``drugs`` reach each threshold.

    Seed 001's categories 1–6 / 7–12 / > 12 cycles change at the 7th and the 13th
    administration. Returns subject_id, time (days), level (1, 2, … = thresholds passed).
    """
    wanted = exposures[exposures["drug"].str.lower().isin([d.lower() for d in drugs])]
    dates = wanted.drop_duplicates(["subject_id", "date"]).sort_values(["subject_id", "date"])
    count = dates.groupby("subject_id").cumcount() + 1
    index = subjects.set_index("subject_id")["start_date"]
    rows = []
    for level, threshold in enumerate(thresholds, start=1):
        reached = dates[count == threshold]
        rows.append(
            pd.DataFrame(
                {
                    "subject_id": reached["subject_id"].to_numpy(),
                    "time": days_between(by_key(reached["subject_id"], index), reached["date"]),
                    "level": level,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def counting_process(
    followup: pd.DataFrame,
    changes: pd.DataFrame,
    initial_level: int = 0,
) -> pd.DataFrame:
    """Split each subject's follow-up at the times the exposure level changes.

    ``followup``: subject_id, time, event (from :func:`rtio.cohort.followup.overall_survival`).
    ``changes``: subject_id, time, level — the level from that time on. A change at or before
    time 0 sets the level from the start; a change after the end of follow-up never happens; a
    change on the day of the event is placed :data:`SAME_DAY_OFFSET` days before it.
    Returns subject_id, start, stop, event, level (event only on a subject's last interval).
    """
    end = followup.set_index("subject_id")
    moved = changes.merge(
        followup[["subject_id", "time", "event"]], on="subject_id", suffixes=("", "_end")
    )
    same_day = (moved["time"] == moved["time_end"]) & (moved["event"] == 1)
    moved.loc[same_day, "time"] = moved.loc[same_day, "time_end"] - SAME_DAY_OFFSET
    moved = moved[moved["time"] < moved["time_end"]]
    at_start = moved[moved["time"] <= 0].groupby("subject_id")["level"].max()
    later = moved[moved["time"] > 0][["subject_id", "time", "level"]]
    first = pd.DataFrame(
        {
            "subject_id": end.index.to_numpy(),
            "time": 0.0,
            "level": at_start.reindex(end.index).fillna(initial_level).astype(int).to_numpy(),
        }
    )
    rows = pd.concat([first, later], ignore_index=True).sort_values(
        ["subject_id", "time"], kind="stable"
    )
    rows = rows.drop_duplicates(["subject_id", "time"], keep="last").reset_index(drop=True)
    stop = rows.groupby("subject_id")["time"].shift(-1)
    last = stop.isna()
    stop = stop.where(~last, rows["subject_id"].map(end["time"]))
    event = np.where(last, rows["subject_id"].map(end["event"]), 0)
    return pd.DataFrame(
        {
            "subject_id": rows["subject_id"].to_numpy(),
            "start": rows["time"].to_numpy(dtype=float),
            "stop": stop.to_numpy(dtype=float),
            "event": event.astype(int),
            "level": rows["level"].to_numpy(dtype=int),
        }
    )
