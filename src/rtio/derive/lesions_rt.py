"""RT-aware lesion analysis: irradiated versus non-irradiated lesions.

* Lesion trajectories: each target lesion's diameter at every timepoint (absent = 0 mm, too small to
  measure = 5 mm, RECIST 1.1 §4.3.1), flagged irradiated when an RT course covered it.
* Response of irradiated and of non-irradiated target lesions: each group's sum and its % change from
  baseline per timepoint.
* Abscopal response: a decrease of at least ``threshold`` % (default 30 %, the RECIST 1.1 PR
  threshold) in the sum of the non-irradiated measurable lesions after RT started — RECIST applied to
  the lesions outside the fields, as in reports of abscopal responses (e.g. Golden et al., Lancet
  Oncol 2015). The threshold is a parameter.
* In-field vs out-of-field progression at the first PD: a lesion progresses when it grows ≥ 20 % and
  ≥ 5 mm over its own nadir, or a non-target lesion shows unequivocal progression; new lesions are
  out of field. Progression is in-field, out-of-field, both, or undetermined (PD by the sum only).

Timepoints are the scans of one ``visit`` (else one date), dated by their last scan (DESIGN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.dates import parse_iso_dates
from rtio.derive.populations import course_lesions
from rtio.frames import FrameLike, as_frame, with_dates
from rtio.lookup import by_key
from rtio.vocabulary import BASELINE_WINDOW_DAYS, EventDescription

__all__ = [
    "PROGRESSION_CAUSES",
    "TOO_SMALL_MM",
    "abscopal_response",
    "field_response",
    "lesion_trajectories",
    "progression_causes",
    "progression_field",
]

TOO_SMALL_MM = 5.0


def lesion_trajectories(
    lesions: FrameLike,
    measurements: FrameLike,
    subjects: FrameLike,
    radiotherapy: FrameLike | None,
    baseline_window_days: int = BASELINE_WINDOW_DAYS,
) -> pd.DataFrame:
    """Per lesion x timepoint: diameter, baseline diameter, timepoint date, role, irradiated flag."""
    lesions = as_frame(lesions, "lesions", copy=False)
    measurements = with_dates(measurements, "measurements", ["assessment_date"])
    subjects = with_dates(subjects, "subjects", ["start_date"])
    if radiotherapy is not None:
        radiotherapy = with_dates(radiotherapy, "radiotherapy", ["start_date", "end_date"])
    meas = measurements.merge(
        lesions[["subject_id", "lesion_id", "role"]], on=["subject_id", "lesion_id"]
    )
    key = (
        meas["visit"].astype(str)
        if "visit" in meas and meas["visit"].notna().all()
        else meas["assessment_date"].astype(str)
    )
    meas = meas.assign(timepoint=key)
    meas["timepoint_date"] = meas.groupby(["subject_id", "timepoint"])["assessment_date"].transform(
        "max"
    )
    diameter = meas["diameter_mm"].astype(float).copy()
    diameter[(meas["status"] == "absent") & diameter.isna()] = 0.0
    diameter[(meas["status"] == "too_small_to_measure") & diameter.isna()] = TOO_SMALL_MM
    diameter[meas["status"] == "not_evaluated"] = np.nan
    meas["diameter"] = diameter
    start = by_key(meas["subject_id"], subjects.set_index("subject_id")["start_date"])
    in_window = (meas["timepoint_date"] <= start) & (
        meas["timepoint_date"] >= start - pd.Timedelta(days=baseline_window_days)
    )
    baseline_date = meas[in_window].groupby("subject_id")["timepoint_date"].max()
    meas["baseline_date"] = by_key(meas["subject_id"], baseline_date)
    base = meas[meas["timepoint_date"] == meas["baseline_date"]].set_index(
        ["subject_id", "lesion_id"]
    )["diameter"]
    meas["baseline_diameter"] = base.reindex(
        pd.MultiIndex.from_frame(meas[["subject_id", "lesion_id"]])
    ).to_numpy()
    meas["irradiated"] = False
    meas["rt_start"] = pd.NaT
    if radiotherapy is not None and not radiotherapy.empty:
        covered = course_lesions(radiotherapy, lesions).merge(
            radiotherapy[["start_date"]], left_on="course", right_index=True
        )
        first = covered.groupby(["subject_id", "lesion_id"])["start_date"].min()
        rt_start = first.reindex(
            pd.MultiIndex.from_frame(meas[["subject_id", "lesion_id"]])
        ).to_numpy()
        meas["rt_start"] = parse_iso_dates(
            pd.Series(rt_start, index=meas.index), column="start_date", source="radiotherapy"
        )
        meas["irradiated"] = meas["rt_start"].notna()
    columns = [
        "subject_id",
        "lesion_id",
        "role",
        "status",
        "timepoint",
        "timepoint_date",
        "baseline_date",
        "diameter",
        "baseline_diameter",
        "irradiated",
        "rt_start",
    ]
    return (
        meas[columns]
        .sort_values(["subject_id", "lesion_id", "timepoint_date"])
        .reset_index(drop=True)
    )


def field_response(trajectories: pd.DataFrame) -> pd.DataFrame:
    """Per subject x timepoint: sums and % change from baseline of irradiated and non-irradiated targets.

    A group's sum is missing at a timepoint where one of its target lesions was not assessed."""
    targets = trajectories[
        (trajectories["role"] == "target") & trajectories["baseline_diameter"].notna()
    ]
    post = targets[targets["timepoint_date"] > targets["baseline_date"]]
    out = []
    for flag, label in ((True, "irradiated"), (False, "non_irradiated")):
        part = post[post["irradiated"] == flag]
        part = part.assign(unassessed=part["diameter"].isna())
        grouped = part.groupby(["subject_id", "timepoint", "timepoint_date"])
        sums = grouped.agg(
            sum_mm=("diameter", "sum"),
            baseline_mm=("baseline_diameter", "sum"),
            missing=("unassessed", "any"),
        )
        sums[f"{label}_sum_mm"] = sums["sum_mm"].where(~sums["missing"])
        sums[f"{label}_baseline_mm"] = sums["baseline_mm"]
        sums[f"{label}_pct"] = (
            100 * (sums[f"{label}_sum_mm"] - sums["baseline_mm"]) / sums["baseline_mm"]
        )
        out.append(sums[[f"{label}_sum_mm", f"{label}_baseline_mm", f"{label}_pct"]])
    return (
        pd.concat(out, axis=1)
        .reset_index()
        .sort_values(["subject_id", "timepoint_date"])
        .reset_index(drop=True)
    )


def abscopal_response(trajectories: pd.DataFrame, threshold: float = 30.0) -> pd.DataFrame:
    """Per irradiated subject with non-irradiated measurable targets: best % change of their sum after
    RT started and whether it fell by at least ``threshold`` % (abscopal response)."""
    response = field_response(trajectories)
    first_rt = trajectories.groupby("subject_id")["rt_start"].min()
    response = response[response["timepoint_date"] > by_key(response["subject_id"], first_rt)]
    evaluable = response.dropna(subset=["non_irradiated_pct"])
    best = evaluable.groupby("subject_id")["non_irradiated_pct"].min()
    when = evaluable.loc[
        evaluable.groupby("subject_id")["non_irradiated_pct"].idxmin(),
        ["subject_id", "timepoint_date"],
    ]
    out = pd.DataFrame({"best_non_irradiated_pct": best}).join(when.set_index("subject_id"))
    out["abscopal_response"] = out["best_non_irradiated_pct"] <= -threshold
    out["definition"] = (
        f"sum of non-irradiated measurable lesions down >= {threshold:g} % from baseline after RT start"
    )
    return out.reset_index().rename(columns={"timepoint_date": "best_date"})


def progression_field(trajectories: pd.DataFrame, timepoints: pd.DataFrame) -> pd.DataFrame:
    """In-field / out-of-field / both / undetermined, at each subject's first PD timepoint."""
    pd_rows = (
        timepoints[timepoints["overall_response"] == "PD"]
        .sort_values("assessment_date")
        .drop_duplicates("subject_id")
    )
    first_pd = pd_rows.set_index("subject_id")["assessment_date"]
    traj = trajectories.copy()
    keys = [traj["subject_id"], traj["lesion_id"]]
    earlier = traj.groupby(keys)["diameter"].shift(1)
    traj["nadir"] = np.fmin(earlier.groupby(keys).cummin(), traj["baseline_diameter"])
    grew = (traj["diameter"] - traj["nadir"] >= 5) & (traj["diameter"] >= 1.2 * traj["nadir"])
    progressed = (grew & (traj["role"] == "target")) | (
        traj["status"] == "unequivocal_progression"
    ) & (traj["role"] == "non_target")
    at_pd = traj[
        progressed
        & (traj["timepoint_date"] <= by_key(traj["subject_id"], first_pd))
        & traj["subject_id"].isin(first_pd.index)
    ]
    in_field = at_pd[at_pd["irradiated"]].groupby("subject_id").size()
    out_field = at_pd[~at_pd["irradiated"]].groupby("subject_id").size()
    appeared = traj[
        (traj["role"] == "new") & traj["status"].isin(["present", "unequivocal_progression"])
    ]
    appeared = appeared[appeared["timepoint_date"] <= by_key(appeared["subject_id"], first_pd)]
    ids = first_pd.index
    has_in = ids.isin(in_field.index)
    has_out = ids.isin(out_field.index) | ids.isin(appeared["subject_id"].unique())
    field = np.select(
        [has_in & has_out, has_in, has_out],
        ["both", "in-field", "out-of-field"],
        default="undetermined",
    )
    return pd.DataFrame(
        {"subject_id": ids, "pd_date": first_pd.to_numpy(), "progression_field": field}
    )


PROGRESSION_CAUSES = {
    1: "in-field progression",
    2: "out-of-field progression only",
    3: "progression, field undetermined",
    4: "death without progression",
}
"""Competing first events of :func:`progression_causes` (0 = censored)."""


def progression_causes(adtte: pd.DataFrame, fields: pd.DataFrame) -> pd.DataFrame:
    """The PFS event of each subject split by the field of first progression (competing events):
    1 in-field (an irradiated lesion progressed, with or without others), 2 out-of-field only (a
    non-irradiated or new lesion), 3 progression whose field cannot be told (PD by the sum only),
    4 death without progression, 0 censored. Time: PFS ``aval_months``."""
    pfs = adtte[adtte["paramcd"] == "PFS"]
    field = by_key(pfs["subject_id"], fields.set_index("subject_id")["progression_field"])
    event = (pfs["cnsr"] == 0).to_numpy()
    progression = (pfs["evntdesc"] == EventDescription.PROGRESSION).to_numpy()
    cause = np.select(
        [
            ~event,
            event & ~progression,
            progression & field.isin(["in-field", "both"]).to_numpy(),
            progression & (field == "out-of-field").to_numpy(),
        ],
        [0, 4, 1, 2],
        default=3,
    )
    return pd.DataFrame(
        {
            "subject_id": pfs["subject_id"].to_numpy(),
            "time": pfs["aval_months"].to_numpy(float),
            "cause": cause,
        }
    )
