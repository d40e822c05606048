"""Radiotherapy protocol deviations (not errors: DESIGN, round 2) and their consequence.

Each RT course is checked against the protocol's prescriptions by
:func:`rtio.derive.rt_compliance.rt_compliance` (dose, fractions, dose per fraction, the course
completed within its window — seed 000: every lesion within 7 days —, RT starting with its cycle —
seed 004: cycle 3 —, every visible lesion irradiated). A patient with a deviation did not receive
RT as the protocol prescribes: such a course does not count as completed RT, and the patient is
left out of a per-protocol population (:func:`rtio.analyse.populations.analysis_populations`).
"""

from __future__ import annotations

import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.results import Deviation, Deviations
from rtio.analyse.rows import records
from rtio.derive.rt_compliance import rt_compliance
from rtio.io import Study

RULES = {
    "total_dose": "total dose outside the prescription",
    "fractions": "number of fractions outside the prescription",
    "dose_per_fraction": "dose per fraction outside the prescription",
    "complete_within_days": "course not completed within the protocol's window",
    "starts_with_cycle": "RT did not start with the protocol's cycle",
    "all_visible_lesions": "a visible lesion was not irradiated",
    "prescription": "no prescription covers the course's target",
}
NOT_COMPLETED = ("complete_within_days", "all_visible_lesions")
"""Rules whose breach means RT was not completed as the protocol prescribes."""


def rt_deviations(study: Study, arms: StudyArms) -> Deviations | None:
    """The deviations table; None when the study has no RT courses or the protocol no RT
    prescription."""
    radiotherapy = study.table("radiotherapy")
    if radiotherapy is None or radiotherapy.empty or not study.protocol.radiotherapy:
        return None
    lesions = study.table("lesions")
    if lesions is None:
        lesions = pd.DataFrame(
            {
                "subject_id": pd.Series(dtype=str),
                "lesion_id": pd.Series(dtype=str),
                "role": pd.Series(dtype=str),
                "site": pd.Series(dtype=str),
            }
        )
    found = rt_compliance(radiotherapy, lesions, study.table("exposures"), study.protocol)
    found = found.assign(
        subject_id=found["subject_id"].astype(str),
        arm=found["subject_id"].astype(str).map(arms.of_subject) if arms.labels else None,
        description=found["rule"].map(RULES).fillna(found["rule"]),
    )
    subjects = sorted(found["subject_id"].unique())
    not_completed = sorted(found.loc[found["rule"].isin(NOT_COMPLETED), "subject_id"].unique())
    return Deviations(
        rows=records(found, Deviation),
        by_rule={
            str(k): int(v)
            for k, v in found.drop_duplicates(["subject_id", "rule"])["rule"].value_counts().items()
        },
        subjects=subjects,
        rt_not_completed=not_completed,
        consequence=(
            f"{len(subjects)} patient(s) deviated from the RT prescription"
            + (
                f"; {len(not_completed)} of them did not complete RT as prescribed and are not "
                "counted as having completed RT in the trial profile"
                if not_completed
                else ""
            )
            + "."
            if subjects
            else "No patient deviated from the RT prescription."
        ),
    )
