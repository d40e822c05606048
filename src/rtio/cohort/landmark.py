"""Landmark data sets (Anderson, Cain & Gelber 1983): exposure fixed at the landmark."""

from __future__ import annotations

import numpy as np
import pandas as pd


def landmark_data(followup: pd.DataFrame, exposure_day: pd.Series, landmark: float) -> pd.DataFrame:
    """Subjects still followed at ``landmark`` days, exposed if exposed by then.

    Patients whose follow-up ends at or before the landmark (events or censoring) are excluded;
    an exposure starting after the landmark counts as unexposed (intention-to-treat at the
    landmark). Time restarts at the landmark. Returns subject_id, time, event, exposed.
    """
    day = exposure_day.reindex(followup["subject_id"]).to_numpy(dtype=float)
    keep = followup["time"].to_numpy() > landmark
    exposed = (day <= landmark) & ~np.isnan(day)
    return pd.DataFrame(
        {
            "subject_id": followup["subject_id"].to_numpy()[keep],
            "time": followup["time"].to_numpy()[keep] - landmark,
            "event": followup["event"].to_numpy()[keep],
            "exposed": exposed[keep].astype(int),
        }
    )
