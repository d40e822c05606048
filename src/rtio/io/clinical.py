"""Checks against the protocol and the clinical vocabularies: arms, CTCAE terms and grades, lab
units, what radiotherapy courses target, and protocol deviations.

The CTCAE terms, their allowed grades and the accepted lab units are read from the data that
grading uses (:func:`rtio.derive.ctcae.adverse_event_terms`, :func:`rtio.derive.ctcae.lab_units`),
so validation and derivation can never disagree on them. Protocol deviations (an LDRT course
longer than its week, RT that does not start with its cycle) are warnings, never errors: a study
with deviations is analysed, and its deviations are listed (DESIGN, round 2).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from rtio.derive.ctcae import VERSIONS, adverse_event_terms, lab_units
from rtio.derive.populations import REGION_TARGETS
from rtio.derive.rt_compliance import rt_compliance
from rtio.io.checked import CheckedStudy
from rtio.io.issues import Collector

__all__ = [
    "DEVIATION_COLUMNS",
    "check_arms",
    "check_ctcae_terms",
    "check_ctcae_version",
    "check_deviations",
    "check_lab_units",
    "check_rt_targets",
    "protocol_arms",
]

DEVIATION_COLUMNS = {
    "total_dose": "fractions",
    "fractions": "fractions",
    "dose_per_fraction": "dose_per_fraction_gy",
    "starts_with_cycle": "start_date",
    "complete_within_days": "end_date",
    "all_visible_lesions": "target",
    "prescription": "target",
}
"""The radiotherapy column each deviation rule of :func:`rtio.derive.rt_compliance.rt_compliance`
is reported on."""


def protocol_arms(protocol: object) -> dict[str, str]:
    """{accepted text: arm id}: each arm's label and id, trimmed (DESIGN, round 2)."""
    accepted: dict[str, str] = {}
    for arm in getattr(protocol, "arms", None) or []:
        accepted[str(arm.label).strip()] = arm.id
        accepted[str(arm.id).strip()] = arm.id
    return accepted


def check_arms(study: CheckedStudy, collect: Collector) -> None:
    """``subjects.arm`` holds a protocol arm's label or id (after trimming); anything else would
    make a new arm of its own and is an error."""
    table = study.table("subjects", "arm")
    accepted = protocol_arms(study.protocol)
    if table is None or not accepted:
        return
    arm = table.frame["arm"]
    trimmed = arm.astype("string").str.strip()
    unknown = arm.notna().to_numpy() & ~trimmed.isin(list(accepted)).to_numpy(dtype=bool)
    folded = {text.casefold(): text for text in accepted}
    listed = "; ".join(
        f"{a.label!r} (id {a.id!r})" for a in getattr(study.protocol, "arms", None) or []
    )

    def message(pos: int) -> str:
        hint = folded.get(str(trimmed.iloc[pos]).casefold())
        base = f"not an arm of the protocol; its arms are {listed}"
        return f"{base} (did you mean {hint!r}?)" if hint else base

    collect.add_rows("error", table.raw.locator, unknown, "arm", arm, "arm", message)


def check_ctcae_version(study: CheckedStudy, collect: Collector) -> None:
    """The study's CTCAE version is one rtio grades with."""
    settings = study.settings
    if settings is not None and settings.ctcae_version not in VERSIONS:
        collect.add(
            "error",
            "study.yaml",
            "settings",
            f"CTCAE version {settings.ctcae_version!r} is not available; versions: "
            f"{', '.join(VERSIONS)}",
            column="ctcae_version",
            value=settings.ctcae_version,
        )


def check_ctcae_terms(study: CheckedStudy, collect: Collector) -> None:
    """Each AE term is a CTCAE term (after the study's ``term_map``) and its grade is one the
    term allows (e.g. no grade 5 for lymphocyte count decreased)."""
    table = study.table("adverse_events", "term")
    settings = study.settings
    version = settings.ctcae_version if settings is not None else "5.0"
    if table is None or version not in VERSIONS:
        return
    term_map = settings.term_map if settings is not None else {}
    known = adverse_event_terms(version).set_index("term")
    raw_terms = table.frame["term"]
    terms = raw_terms.map(lambda t: term_map.get(t, t), na_action="ignore")
    unknown = raw_terms.notna().to_numpy() & ~terms.isin(known.index).to_numpy()
    folded = {str(t).casefold(): t for t in known.index}

    def unknown_message(pos: int) -> str:
        term = str(terms.iloc[pos])
        hint = folded.get(term.strip().casefold())
        mapped = f" (mapped from {raw_terms.iloc[pos]!r})" if term != raw_terms.iloc[pos] else ""
        base = (
            f"{term!r}{mapped} is not a CTCAE v{version} term known to rtio; correct it or map "
            "the verbatim label in study.yaml term_map"
        )
        return f"{base} (did you mean {hint!r}?)" if hint else base

    collect.add_rows(
        "error", table.raw.locator, unknown, "term", raw_terms, "ctcae_term", unknown_message
    )
    if not table.has("grade"):
        return
    grade = pd.to_numeric(table.frame["grade"], errors="coerce").to_numpy(dtype=float)
    low = terms.map(known["min_grade"]).to_numpy(dtype=float)
    high = terms.map(known["max_grade"]).to_numpy(dtype=float)
    outside = ~unknown & ((grade < low) | (grade > high))
    collect.add_rows(
        "error",
        table.raw.locator,
        outside,
        "grade",
        table.frame["grade"],
        "ctcae_grade",
        lambda pos: (
            f"grade {grade[pos]:g} is not a grade of {terms.iloc[pos]!r} in CTCAE v{version} "
            f"(grades {low[pos]:.0f}–{high[pos]:.0f})"
        ),
    )


def check_lab_units(study: CheckedStudy, collect: Collector) -> None:
    """A lab test that CTCAE grades by absolute values has a unit rtio converts exactly; an
    unknown unit is never guessed."""
    table = study.table("labs", "test", "unit")
    if table is None:
        return
    units = lab_units()
    accepted = units.groupby("test")["unit"].agg(list)
    frame = table.frame
    graded = frame["test"].isin(accepted.index).to_numpy()
    pairs = pd.MultiIndex.from_frame(units[["test", "unit"]])
    found = pd.MultiIndex.from_arrays([frame["test"], frame["unit"]]).isin(pairs)
    unknown = graded & ~found & frame["unit"].notna().to_numpy()
    collect.add_rows(
        "error",
        table.raw.locator,
        unknown,
        "unit",
        frame["unit"],
        "lab_unit",
        lambda pos: (
            f"not a unit rtio accepts for {frame['test'].iloc[pos]} "
            f"({', '.join(accepted[frame['test'].iloc[pos]])}); values are never converted by "
            "guess"
        ),
    )


def check_rt_targets(study: CheckedStudy, collect: Collector) -> None:
    """Each target of an RT course is a lesion of that subject or a region rtio maps to lesions
    (primary, locoregional): any other target covers no lesion, which changes who counts as
    having had every lesion irradiated."""
    rt = study.table("radiotherapy", "subject_id", "target")
    lesions = study.table("lesions", "subject_id", "lesion_id")
    if rt is None or lesions is None:
        return
    tokens = pd.DataFrame(
        {
            "row": np.arange(len(rt.frame)),
            "subject_id": study.key("radiotherapy", "subject_id").to_numpy(),
            "token": rt.frame["target"].astype("string").str.split(";").to_numpy(),
        }
    ).explode("token")
    tokens = tokens[tokens["token"].notna()]
    tokens["token"] = tokens["token"].astype(str).str.strip()
    tokens = tokens[tokens["token"] != ""]
    known = pd.MultiIndex.from_arrays(
        [study.key("lesions", "subject_id"), study.key("lesions", "lesion_id")]
    )
    is_lesion = pd.MultiIndex.from_arrays([tokens["subject_id"], tokens["token"]]).isin(known)
    regions = set(REGION_TARGETS) if lesions.has("site") else set()
    is_region = tokens["token"].str.lower().isin(regions).to_numpy()
    stray = tokens[~is_lesion & ~is_region]
    if stray.empty:
        return
    names = stray.groupby("row")["token"].agg(list)
    mask = np.zeros(len(rt.frame), dtype=bool)
    mask[names.index.to_numpy(dtype=int)] = True
    regions_text = ", ".join(sorted(regions)) or "none: the lesions table has no site column"
    collect.add_rows(
        "warning",
        rt.raw.locator,
        mask,
        "target",
        rt.frame["target"],
        "rt_target",
        lambda pos: (
            f"{', '.join(repr(t) for t in names[pos])} is neither a lesion of this subject nor a "
            f"region rtio maps to lesions ({regions_text}): it covers no lesion"
        ),
    )


def _tables_clean(study: CheckedStudy, names: tuple[str, ...]) -> bool:
    files = {
        f for name in names if name in study.parsed for f in study.parsed[name].raw.locator.files
    }
    return not any(i.file in files for i in study.report.errors)


def _deviation(rule: str, details: dict[int, list[str]]) -> Callable[[int], str]:
    return lambda pos: f"protocol deviation ({rule}): {'; '.join(details[pos])}"


def check_deviations(study: CheckedStudy, collect: Collector) -> None:
    """Deviations from the protocol's radiotherapy prescriptions (dose, fractions, timing such as
    seed 000's one-week LDRT or seed 004's RT from cycle 3, every visible lesion irradiated) are
    warnings. They are judged on tables without errors only."""
    rt = study.table("radiotherapy")
    lesions = study.table("lesions")
    if rt is None or lesions is None or not getattr(study.protocol, "radiotherapy", None):
        return
    if rt.frame.empty or not _tables_clean(
        study, ("subjects", "radiotherapy", "lesions", "exposures")
    ):
        return
    exposures = study.table("exposures")
    lesion_frame = lesions.frame if "site" in lesions.frame else lesions.frame.assign(site=None)
    deviations = rt_compliance(
        rt.frame,
        lesion_frame,
        None if exposures is None else exposures.frame,
        study.protocol,
    )
    if deviations.empty:
        return
    subjects = rt.frame["subject_id"].astype(str)
    first_course = pd.Series(np.arange(len(rt.frame)), index=subjects).groupby(level=0).min()
    course = pd.to_numeric(deviations["course"], errors="coerce")
    position = course.where(course.notna(), deviations["subject_id"].astype(str).map(first_course))
    for rule, group in deviations.assign(position=position).groupby("rule", sort=False):
        mask = np.zeros(len(rt.frame), dtype=bool)
        details: dict[int, list[str]] = {}
        for pos, detail in zip(group["position"], group["detail"], strict=True):
            if pd.isna(pos):
                continue
            mask[int(pos)] = True
            details.setdefault(int(pos), []).append(str(detail))
        column = DEVIATION_COLUMNS.get(str(rule), "target")
        collect.add_rows(
            "warning",
            rt.raw.locator,
            mask,
            column,
            rt.frame.get(column),
            "deviation",
            _deviation(str(rule), details),
        )
