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

from collections.abc import Hashable
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


def _course_sites(radiotherapy: pd.DataFrame, lesions: pd.DataFrame) -> dict[Hashable, set[str]]:
    """The lesion classes each course treats (a set per course; region targets count as primary)."""
    covered = course_lesions(radiotherapy, lesions).merge(
        lesions[["subject_id", "lesion_id", "site"]], on=["subject_id", "lesion_id"]
    )
    found = {course: set(site.dropna()) for course, site in covered.groupby("course")["site"]}
    return {label: found.get(label) or {"primary"} for label in radiotherapy.index}


def _in_range(value: float, bounds: Range | None) -> bool:
    if bounds is None:
        return True
    low = -np.inf if bounds.min is None else bounds.min - TOLERANCE
    high = np.inf if bounds.max is None else bounds.max + TOLERANCE
    return low <= value <= high


def match_prescriptions(
    radiotherapy: pd.DataFrame, lesions: pd.DataFrame, prescriptions: list[RTPrescription]
) -> pd.Series:
    """The prescription id each course is judged against (None when no prescription fits)."""
    courses = course_doses(radiotherapy, [10.0])
    sites = _course_sites(radiotherapy, lesions)
    chosen = []
    for label, course in courses.iterrows():
        allowed = set().union(*(TARGET_FITS.get(site, ()) for site in sites[label]))
        fits = [p for p in prescriptions if set(p.targets) & allowed]
        sbrt = "SBRT" in str(course["technique"]).upper()
        ranked = sorted(
            fits,
            key=lambda p: (
                sbrt != any("SBRT" in t.upper() for t in p.technique),
                not _in_range(course["total_dose_gy"], p.total_dose_gy),
                p.add_on,
            ),
        )
        chosen.append(ranked[0].id if ranked else None)
    return pd.Series(chosen, index=radiotherapy.index, name="prescription")


def rt_compliance(
    radiotherapy: pd.DataFrame,
    lesions: pd.DataFrame,
    exposures: pd.DataFrame | None,
    protocol: Protocol | None,
) -> pd.DataFrame:
    """Deviations from the protocol's RT prescriptions: subject_id, course, prescription, rule, detail."""
    prescriptions = list(getattr(protocol, "radiotherapy", None) or [])
    courses = course_doses(radiotherapy, [10.0]).assign(
        prescription=match_prescriptions(radiotherapy, lesions, prescriptions)
    )
    by_id = {p.id: p for p in prescriptions}
    rows = []
    for label, course in courses.iterrows():
        rx = by_id.get(course["prescription"])
        if rx is None:
            rows.append(
                (
                    course["subject_id"],
                    label,
                    None,
                    "prescription",
                    f"no prescription covers target {course['target']!r}",
                )
            )
            continue
        for rule, value, bounds, unit in (
            ("total_dose", course["total_dose_gy"], rx.total_dose_gy, "Gy"),
            ("fractions", course["fractions"], rx.fractions, "fractions"),
            ("dose_per_fraction", course["dose_per_fraction_gy"], rx.dose_per_fraction_gy, "Gy"),
        ):
            if not _in_range(value, bounds):
                rows.append(
                    (
                        course["subject_id"],
                        label,
                        rx.id,
                        rule,
                        f"{value:g} {unit} outside {bounds.min:g}–{bounds.max:g} {unit}",
                    )
                )
    deviations = pd.DataFrame(
        rows, columns=["subject_id", "course", "prescription", "rule", "detail"]
    )
    return pd.concat(
        [
            deviations,
            _timing_deviations(courses, exposures, by_id, protocol),
            _coverage_deviations(radiotherapy, lesions, courses, by_id),
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


def _timing_deviations(
    courses: pd.DataFrame,
    exposures: pd.DataFrame | None,
    by_id: dict[str, RTPrescription],
    protocol: Protocol | None,
) -> pd.DataFrame:
    rows = []
    for rx_id, group in courses.groupby("prescription"):
        timing = by_id[str(rx_id)].timing
        if timing is None:
            continue
        if timing.complete_within_days is not None:
            span = group.groupby("subject_id").agg(
                first=("start_date", "min"), last=("end_date", "max")
            )
            days = (span["last"] - span["first"]).dt.days
            for subject, d in days[days > timing.complete_within_days].items():
                rows.append(
                    (
                        subject,
                        None,
                        rx_id,
                        "complete_within_days",
                        f"course took {d} days (limit {timing.complete_within_days})",
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
            for subject, start in first_rt[never].items():
                rows.append(
                    (
                        subject,
                        None,
                        rx_id,
                        "starts_with_cycle",
                        f"RT started {start.date()} but cycle {cycle} was never given",
                    )
                )
            outside = ~never & ((first_rt < day1) | (first_rt >= window_end))
            offset = (first_rt - day1).dt.days
            for subject in first_rt.index[outside]:
                rows.append(
                    (
                        subject,
                        None,
                        rx_id,
                        "starts_with_cycle",
                        f"RT started {first_rt[subject].date()}, {offset[subject]:+d} days from cycle {cycle} day 1 "
                        f"({day1[subject].date()})",
                    )
                )
    return pd.DataFrame(rows, columns=["subject_id", "course", "prescription", "rule", "detail"])


def _coverage_deviations(
    radiotherapy: pd.DataFrame,
    lesions: pd.DataFrame,
    courses: pd.DataFrame,
    by_id: dict[str, RTPrescription],
) -> pd.DataFrame:
    every = [rx_id for rx_id, rx in by_id.items() if "all_visible_lesions" in rx.targets]
    if not every:
        return pd.DataFrame(columns=["subject_id", "course", "prescription", "rule", "detail"])
    treated = course_lesions(radiotherapy, lesions)
    baseline = lesions[
        lesions["role"].isin(["target", "non_target"])
        & lesions["subject_id"].isin(radiotherapy["subject_id"])
    ]
    merged = baseline.merge(
        treated.drop(columns="course").drop_duplicates().assign(hit=True),
        on=["subject_id", "lesion_id"],
        how="left",
    )
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
