"""RT compliance over whole columns agrees with a course-by-course reading of the same rules.

The reference below judges one course at a time, exactly as the rules are written in
:mod:`rtio.derive.rt_compliance` (target classes → fitting prescriptions → ranking by technique,
total-dose range and add-on; then each dose rule, each timing rule per subject, each missed
lesion). It runs on a simulated study of every shipped protocol, with some courses changed so that
every rule fires: doses scaled, techniques swapped to SBRT, lesion sites removed, starts moved.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtio.derive.populations import course_lesions
from rtio.derive.radiotherapy import course_doses
from rtio.derive.rt_compliance import (
    TARGET_FITS,
    TOLERANCE,
    cycle_start_dates,
    match_prescriptions,
    rt_compliance,
)
from rtio.io import load_study
from rtio.simulate.protocols import write_protocol_study

PROTOCOLS = ["ChiCTR2100046715", "NCT07164690", "NCT07235319"]
"""The shipped protocols whose studies hold RT courses and lesions (the cohort and induction
studies have no lesions table, so their courses are not matched to lesion classes)."""


def _in_range(value, bounds) -> bool:
    if bounds is None:
        return True
    low = -np.inf if bounds.min is None else bounds.min - TOLERANCE
    high = np.inf if bounds.max is None else bounds.max + TOLERANCE
    return bool(low <= value <= high)


def _reference_match(rt: pd.DataFrame, lesions: pd.DataFrame, prescriptions) -> list:
    covered = course_lesions(rt, lesions).merge(
        lesions[["subject_id", "lesion_id", "site"]], on=["subject_id", "lesion_id"]
    )
    found = {course: set(site.dropna()) for course, site in covered.groupby("course")["site"]}
    chosen = []
    for label, course in course_doses(rt, [10.0]).iterrows():
        sites = found.get(label) or {"primary"}
        allowed = set().union(*(TARGET_FITS.get(site, ()) for site in sites))
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
    return chosen


def _reference_compliance(rt, lesions, exposures, protocol) -> list[tuple]:
    prescriptions = list(protocol.radiotherapy)
    by_id = {p.id: p for p in prescriptions}
    courses = course_doses(rt, [10.0]).assign(
        prescription=_reference_match(rt, lesions, prescriptions)
    )
    rows = []
    for label, course in courses.iterrows():
        rx = by_id.get(course["prescription"])
        if rx is None:
            target = course["target"]
            rows.append(
                (
                    course["subject_id"],
                    label,
                    None,
                    "prescription",
                    f"no prescription covers target {target!r}",
                )
            )
            continue
        for rule, value, bounds, unit in (
            ("total_dose", course["total_dose_gy"], rx.total_dose_gy, "Gy"),
            ("fractions", course["fractions"], rx.fractions, "fractions"),
            ("dose_per_fraction", course["dose_per_fraction_gy"], rx.dose_per_fraction_gy, "Gy"),
        ):
            if not _in_range(value, bounds):
                text = f"{value:g} {unit} outside {bounds.min:g}–{bounds.max:g} {unit}"
                rows.append((course["subject_id"], label, rx.id, rule, text))
    for rx_id, group in courses.groupby("prescription"):
        timing = by_id[rx_id].timing
        if timing is None:
            continue
        if timing.complete_within_days is not None:
            span = group.groupby("subject_id").agg(
                first=("start_date", "min"), last=("end_date", "max")
            )
            days = (span["last"] - span["first"]).dt.days
            for subject, d in days[days > timing.complete_within_days].items():
                text = f"course took {d} days (limit {timing.complete_within_days})"
                rows.append((subject, None, rx_id, "complete_within_days", text))
        if timing.starts_with_cycle is not None and exposures is not None:
            cycle = timing.starts_with_cycle
            starts = cycle_start_dates(exposures)
            first_rt = group.groupby("subject_id")["start_date"].min()
            day1 = starts[cycle].reindex(first_rt.index)
            next_day1 = starts[cycle + 1].reindex(first_rt.index)
            window_end = next_day1.fillna(day1 + pd.Timedelta(days=21))
            for subject, start in first_rt[day1.isna()].items():
                text = f"RT started {start.date()} but cycle {cycle} was never given"
                rows.append((subject, None, rx_id, "starts_with_cycle", text))
            for subject in first_rt.index[
                day1.notna() & ((first_rt < day1) | (first_rt >= window_end))
            ]:
                offset = (first_rt[subject] - day1[subject]).days
                text = (
                    f"RT started {first_rt[subject].date()}, {offset:+d} days from cycle {cycle} "
                    f"day 1 ({day1[subject].date()})"
                )
                rows.append((subject, None, rx_id, "starts_with_cycle", text))
    every = [p.id for p in prescriptions if "all_visible_lesions" in p.targets]
    if every:
        treated = set(
            map(tuple, course_lesions(rt, lesions)[["subject_id", "lesion_id"]].to_numpy())
        )
        given = set(rt["subject_id"])
        for subject, lesion, role in lesions[["subject_id", "lesion_id", "role"]].to_numpy():
            if (
                role in ("target", "non_target")
                and subject in given
                and (subject, lesion) not in treated
            ):
                rows.append(
                    (
                        subject,
                        None,
                        every[0],
                        "all_visible_lesions",
                        f"lesion {lesion} not irradiated",
                    )
                )
    return rows


def _changed(
    rt: pd.DataFrame, lesions: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Courses changed so that every rule fires on some of them."""
    rng = np.random.default_rng(seed)
    rt, lesions = rt.copy(), lesions.copy()
    n = len(rt)
    scale = rng.choice([0.5, 1.0, 1.0, 1.0, 1.5, 4.0], size=n)
    rt["dose_per_fraction_gy"] = (rt["dose_per_fraction_gy"] * scale).round(2)
    rt.loc[rng.random(n) < 0.15, "technique"] = "SBRT"
    rt["start_date"] = rt["start_date"] + pd.to_timedelta(
        rng.choice([0, 0, -30, 40], size=n), unit="D"
    )
    rt["end_date"] = rt["end_date"] + pd.to_timedelta(rng.choice([0, 0, 0, 9], size=n), unit="D")
    moved = rng.random(n) < 0.1
    first = lesions.drop_duplicates("subject_id").set_index("subject_id")["lesion_id"]
    rt.loc[moved, "target"] = rt.loc[moved, "subject_id"].map(first).fillna("L1").to_numpy()
    distant = lesions["lesion_id"].isin(first) & lesions["subject_id"].isin(
        rt.loc[moved, "subject_id"]
    )
    lesions.loc[distant.to_numpy(), "site"] = "distant_organ"
    lesions.loc[rng.random(len(lesions)) < 0.1, "site"] = None
    return rt, lesions


@pytest.fixture(scope="module", params=PROTOCOLS)
def study(request, tmp_path_factory):
    folder = write_protocol_study(
        tmp_path_factory.mktemp(request.param) / "s", request.param, 300, 11
    )
    return load_study(folder)


@pytest.mark.parametrize("changed", [False, True], ids=["as simulated", "changed"])
def test_whole_columns_agree_with_course_by_course(study, changed: bool) -> None:
    rt, lesions = study.tables["radiotherapy"], study.tables["lesions"]
    exposures = study.tables.get("exposures")
    if changed:
        rt, lesions = _changed(rt, lesions, 3)
    prescriptions = list(study.protocol.radiotherapy)
    assert match_prescriptions(rt, lesions, prescriptions).tolist() == _reference_match(
        rt, lesions, prescriptions
    )
    found = rt_compliance(rt, lesions, exposures, study.protocol)
    reference = _reference_compliance(rt, lesions, exposures, study.protocol)
    assert list(found.itertuples(index=False, name=None)) == reference
    if changed:
        assert {row[3] for row in reference} >= EXPECTED[study.settings.protocol]


EXPECTED = {
    "ChiCTR2100046715": {"total_dose", "fractions", "starts_with_cycle"},
    "NCT07164690": {"total_dose", "dose_per_fraction", "complete_within_days"},
    "NCT07235319": {"prescription"},
}
"""Rules the changed courses break (each protocol's prescriptions say which can)."""
