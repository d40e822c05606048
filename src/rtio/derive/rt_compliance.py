"""Radiotherapy protocol compliance: each course checked against the protocol's prescriptions.

Rules (one deviation row per broken rule, naming it):

* ``total_dose`` / ``fractions`` / ``dose_per_fraction``: within the prescription's range;
* ``starts_with_cycle`` (seed 004: RT starts with cycle 3): the first fraction falls on or after day 1
  of that cycle and before day 1 of the next (or cycle day 1 + the regimen's cycle length);
* ``complete_within_days`` (seed 000: the whole course within one week): last fraction − first
  fraction of all the subject's courses of that prescription ≤ the limit;
* ``all_visible_lesions`` (seed 000): every baseline lesion is irradiated.

A course is matched to a prescription by what it targets (primary / regional node → primary or
locoregional prescriptions; distant node → distant-node or metastasis prescriptions; distant organ →
metastasis prescriptions; any → all-visible-lesion prescriptions), preferring a technique match
(SBRT), then a prescription whose total-dose range contains the course, then a main prescription
over an add-on. Matching looks at each course once (trials have a few courses per patient).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rtio.derive.populations import course_lesions
from rtio.derive.radiotherapy import course_doses
from rtio.frames import FrameLike, with_dates

if TYPE_CHECKING:
    from rtio.protocol.models import Protocol, Range, RTPrescription

__all__ = [
    "DEFAULT_CYCLE_DAYS",
    "SITE_ORDER",
    "TARGET_FITS",
    "TOLERANCE",
    "cycle_start_dates",
    "match_prescriptions",
    "rt_compliance",
    "rt_start_from_cycle_day1",
]

TARGET_FITS = {
    "primary": ("primary", "locoregional", "all_visible_lesions"),
    "regional_node": ("primary", "locoregional", "all_visible_lesions"),
    "distant_node": ("distant_nodes", "metastases", "all_visible_lesions"),
    "distant_organ": ("metastases", "all_visible_lesions"),
}
TOLERANCE = 1e-6
DEFAULT_CYCLE_DAYS = 21


SITE_ORDER = ["primary", "regional_node", "distant_node", "distant_organ"]
DEVIATION_FIELDS = ["subject_id", "course", "prescription", "rule", "detail"]
"""Columns of :func:`rt_compliance`."""


def _site_flags(radiotherapy: pd.DataFrame, covered: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per course (row of ``radiotherapy``), whether it treats a lesion of each class of
    :data:`TARGET_FITS`; a course that treats no lesion of known site counts as treating the
    primary (region targets). ``covered`` is :func:`course_lesions` with each lesion's site.
    One ``isin`` per class over the whole column, courses matched by row label."""
    sites = covered["site"]
    flags = {
        site: radiotherapy.index.isin(covered.loc[sites == site, "course"]) for site in TARGET_FITS
    }
    any_site = radiotherapy.index.isin(covered.loc[sites.notna(), "course"])
    flags["primary"] = flags["primary"] | ~any_site
    return flags


def _ranges_hold(values: pd.Series, bounds: Range | None) -> np.ndarray:
    """Whether each value lies in ``bounds`` (± :data:`TOLERANCE`); missing values do not."""
    number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if bounds is None:
        return np.ones(len(number), dtype=bool)
    low = -np.inf if bounds.min is None else bounds.min - TOLERANCE
    high = np.inf if bounds.max is None else bounds.max + TOLERANCE
    return (number >= low) & (number <= high)


def _choose(
    courses: pd.DataFrame, flags: dict[str, np.ndarray], prescriptions: list[RTPrescription]
) -> pd.Series:
    """The prescription each course is judged against: among those whose targets fit the
    course's lesion classes, the first in protocol order by (technique mismatch on SBRT, total
    dose outside the range, add-on). One score column per prescription, argmin across them."""
    n = len(courses)
    if not prescriptions or n == 0:
        return pd.Series([None] * n, index=courses.index, name="prescription", dtype=object)
    allowed: dict[str, np.ndarray] = {}
    for site, targets in TARGET_FITS.items():
        for target in targets:
            allowed[target] = allowed.get(target, np.zeros(n, dtype=bool)) | flags[site]
    sbrt = (
        courses["technique"]
        .astype(str)
        .str.upper()
        .str.contains("SBRT", regex=False)
        .to_numpy(dtype=bool)
    )
    scores = np.empty((n, len(prescriptions)))
    for j, rx in enumerate(prescriptions):
        fits = np.zeros(n, dtype=bool)
        for target in set(rx.targets):
            fits |= allowed.get(target, np.zeros(n, dtype=bool))
        rx_sbrt = any("SBRT" in t.upper() for t in rx.technique)
        score = (
            4.0 * (sbrt != rx_sbrt)
            + 2.0 * ~_ranges_hold(courses["total_dose_gy"], rx.total_dose_gy)
            + float(rx.add_on)
        )
        scores[:, j] = np.where(fits, score, np.inf)
    best = scores.argmin(axis=1)
    ids = np.array([rx.id for rx in prescriptions], dtype=object)[best]
    ids[~np.isfinite(scores[np.arange(n), best])] = None
    return pd.Series(ids, index=courses.index, name="prescription", dtype=object)


def match_prescriptions(
    radiotherapy: pd.DataFrame, lesions: pd.DataFrame, prescriptions: list[RTPrescription]
) -> pd.Series:
    """The prescription id each course is judged against (None when no prescription fits)."""
    covered = _covered(radiotherapy, lesions)
    courses = course_doses(radiotherapy, [10.0])
    return _choose(courses, _site_flags(radiotherapy, covered), prescriptions)


def _covered(radiotherapy: pd.DataFrame, lesions: pd.DataFrame) -> pd.DataFrame:
    """(course, subject_id, lesion_id, site) of each lesion a course covers."""
    return course_lesions(radiotherapy, lesions).merge(
        lesions[["subject_id", "lesion_id", "site"]], on=["subject_id", "lesion_id"]
    )


DOSE_RULES = (
    ("total_dose", "total_dose_gy", "total_dose_gy", "Gy"),
    ("fractions", "fractions", "fractions", "fractions"),
    ("dose_per_fraction", "dose_per_fraction_gy", "dose_per_fraction_gy", "Gy"),
)
"""(rule, course column, prescription range, unit) of the dose rules, in reporting order."""


def _bounds_text(bounds: Range, unit: str) -> str:
    low = "" if bounds.min is None else f"{bounds.min:g}"
    high = "" if bounds.max is None else f"{bounds.max:g}"
    return f"{low}–{high} {unit}"


def _dose_deviations(courses: pd.DataFrame, by_id: dict[str, RTPrescription]) -> pd.DataFrame:
    """One row per course without a prescription and per dose rule a course breaks, in course
    order then rule order; each rule tested over the whole column of its prescription's
    courses, texts built for the deviating rows only."""
    position = np.arange(len(courses))
    parts = []
    unmatched = courses["prescription"].isna().to_numpy()
    if unmatched.any():
        lost = courses[unmatched]
        parts.append(
            pd.DataFrame(
                {
                    "subject_id": lost["subject_id"].to_numpy(dtype=object),
                    "course": lost.index.to_numpy(dtype=object),
                    "prescription": None,
                    "rule": "prescription",
                    "detail": [f"no prescription covers target {t!r}" for t in lost["target"]],
                    "_position": position[unmatched],
                    "_order": 0,
                }
            )
        )
    for rx_id, rx in by_id.items():
        mine = (courses["prescription"] == rx_id).to_numpy(dtype=bool)
        if not mine.any():
            continue
        group = courses[mine]
        for order, (rule, column, attribute, unit) in enumerate(DOSE_RULES, start=1):
            bounds = getattr(rx, attribute)
            outside = ~_ranges_hold(group[column], bounds)
            if not outside.any():
                continue
            broken = group[outside]
            limits = _bounds_text(bounds, unit)
            parts.append(
                pd.DataFrame(
                    {
                        "subject_id": broken["subject_id"].to_numpy(dtype=object),
                        "course": broken.index.to_numpy(dtype=object),
                        "prescription": rx.id,
                        "rule": rule,
                        "detail": [f"{v:g} {unit} outside {limits}" for v in broken[column]],
                        "_position": position[mine][outside],
                        "_order": order,
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=DEVIATION_FIELDS)
    found = pd.concat(parts, ignore_index=True).sort_values(["_position", "_order"], kind="stable")
    return found[DEVIATION_FIELDS].reset_index(drop=True)


def rt_compliance(
    radiotherapy: pd.DataFrame,
    lesions: pd.DataFrame,
    exposures: pd.DataFrame | None,
    protocol: Protocol | None,
) -> pd.DataFrame:
    """Deviations from the protocol's RT prescriptions: subject_id, course, prescription, rule, detail."""
    prescriptions = list(getattr(protocol, "radiotherapy", None) or [])
    covered = _covered(radiotherapy, lesions)
    courses = course_doses(radiotherapy, [10.0])
    courses["prescription"] = _choose(courses, _site_flags(radiotherapy, covered), prescriptions)
    by_id = {p.id: p for p in prescriptions}
    return pd.concat(
        [
            _dose_deviations(courses, by_id),
            _timing_deviations(courses, exposures, by_id, protocol),
            _coverage_deviations(radiotherapy, lesions, covered, by_id),
        ],
        ignore_index=True,
    )


def cycle_start_dates(exposures: FrameLike) -> pd.DataFrame:
    """Day 1 of each cycle per subject (the earliest administration of that cycle)."""
    exposures = with_dates(exposures, "exposures", ["date"])
    return exposures.groupby(["subject_id", "cycle"])["date"].min().unstack()


def _cycle_days(protocol: Protocol | None) -> int:
    lengths = [
        r.cycle_length_days
        for r in getattr(protocol, "regimens", None) or []
        if getattr(r, "cycle_length_days", None)
    ]
    return int(min(lengths)) if lengths else DEFAULT_CYCLE_DAYS


def _rows(subjects: pd.Series, rx_id: object, rule: str, details: pd.Series) -> pd.DataFrame:
    """Deviation rows of one subject-level rule (no course)."""
    return pd.DataFrame(
        {
            "subject_id": subjects.to_numpy(dtype=object),
            "course": None,
            "prescription": rx_id,
            "rule": rule,
            "detail": details.to_numpy(dtype=object),
        }
    )


def _iso(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d")


def _timing_deviations(
    courses: pd.DataFrame,
    exposures: pd.DataFrame | None,
    by_id: dict[str, RTPrescription],
    protocol: Protocol | None,
) -> pd.DataFrame:
    """Subject-level timing rules of each prescription (whole columns per prescription)."""
    parts = []
    for rx_id, group in courses.groupby("prescription"):
        timing = by_id[str(rx_id)].timing
        if timing is None:
            continue
        if timing.complete_within_days is not None:
            limit = timing.complete_within_days
            span = group.groupby("subject_id").agg(
                first=("start_date", "min"), last=("end_date", "max")
            )
            days = (span["last"] - span["first"]).dt.days
            late = days[days > limit]
            parts.append(
                _rows(
                    late.index.to_series(),
                    rx_id,
                    "complete_within_days",
                    "course took " + late.astype(str) + f" days (limit {limit})",
                )
            )
        if timing.starts_with_cycle is not None and exposures is not None:
            cycle = timing.starts_with_cycle
            starts = cycle_start_dates(exposures)
            first_rt = group.groupby("subject_id")["start_date"].min()
            day1 = starts.get(cycle, pd.Series(dtype="datetime64[ns]")).reindex(first_rt.index)
            next_day1 = starts.get(cycle + 1, pd.Series(dtype="datetime64[ns]")).reindex(
                first_rt.index
            )
            window_end = next_day1.fillna(day1 + pd.Timedelta(days=_cycle_days(protocol)))
            never = day1.isna()
            parts.append(
                _rows(
                    first_rt.index[never.to_numpy()].to_series(),
                    rx_id,
                    "starts_with_cycle",
                    "RT started " + _iso(first_rt[never]) + f" but cycle {cycle} was never given",
                )
            )
            outside = ~never & ((first_rt < day1) | (first_rt >= window_end))
            offset = (first_rt[outside] - day1[outside]).dt.days
            sign = np.where(offset.to_numpy() >= 0, "+", "")
            parts.append(
                _rows(
                    first_rt.index[outside.to_numpy()].to_series(),
                    rx_id,
                    "starts_with_cycle",
                    "RT started "
                    + _iso(first_rt[outside])
                    + ", "
                    + sign
                    + offset.astype(str)
                    + f" days from cycle {cycle} day 1 ("
                    + _iso(day1[outside])
                    + ")",
                )
            )
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame(columns=DEVIATION_FIELDS)
    return pd.concat(parts, ignore_index=True)


def _coverage_deviations(
    radiotherapy: pd.DataFrame,
    lesions: pd.DataFrame,
    covered: pd.DataFrame,
    by_id: dict[str, RTPrescription],
) -> pd.DataFrame:
    """Baseline lesions no course covers, for an all-visible-lesion prescription (seed 000);
    ``covered`` is what each course covers (:func:`_covered`)."""
    every = [rx_id for rx_id, rx in by_id.items() if "all_visible_lesions" in rx.targets]
    if not every:
        return pd.DataFrame(columns=DEVIATION_FIELDS)
    treated = covered[["subject_id", "lesion_id"]].drop_duplicates()
    baseline = lesions[
        lesions["role"].isin(["target", "non_target"])
        & lesions["subject_id"].isin(radiotherapy["subject_id"])
    ]
    merged = baseline.merge(treated.assign(hit=True), on=["subject_id", "lesion_id"], how="left")
    missed = merged[merged["hit"].isna()]
    return pd.DataFrame(
        {
            "subject_id": missed["subject_id"],
            "course": None,
            "prescription": every[0],
            "rule": "all_visible_lesions",
            "detail": "lesion " + missed["lesion_id"].astype(str) + " not irradiated",
        }
    )


def rt_start_from_cycle_day1(
    radiotherapy: FrameLike, exposures: FrameLike, cycle: int
) -> pd.Series:
    """Days from day 1 of ``cycle`` to the first RT fraction, per subject (seed 004: RT from cycle 3)."""
    radiotherapy = with_dates(radiotherapy, "radiotherapy", ["start_date"])
    first_rt = radiotherapy.groupby("subject_id")["start_date"].min()
    day1 = cycle_start_dates(exposures).get(cycle, pd.Series(dtype="datetime64[ns]"))
    return (first_rt - day1.reindex(first_rt.index)).dt.days.rename(
        f"rt_start_from_cycle{cycle}_day1"
    )
