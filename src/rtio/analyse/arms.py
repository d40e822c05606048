"""The arms of a study as the protocol declares them, and the reference of every comparison.

``subjects.arm`` holds a protocol arm's ``label`` or ``id`` (matched after trimming). The
reference arm is the one whose ``Arm.type`` is ``active_comparator`` (randomized) or
``comparator_cohort`` (cohort); comparisons are always the other arm versus it, never decided by
the names' sort order.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from rtio.analyse.results import ArmInfo
from rtio.io import Study

REFERENCE_TYPES = ("active_comparator", "comparator_cohort")


@dataclass(frozen=True)
class StudyArms:
    """Each subject's arm label (protocol labels), the arms in protocol order, the reference arm
    and the arm compared with it; ``problem`` says why arms cannot be compared."""

    of_subject: pd.Series
    labels: tuple[str, ...]
    reference: str | None
    group: str | None
    problem: str | None
    info: tuple[ArmInfo, ...]

    @property
    def comparable(self) -> bool:
        """Two arms, one of them declared the reference."""
        return self.problem is None and self.reference is not None and self.group is not None


def study_arms(study: Study) -> StudyArms:
    """Resolve ``subjects.arm`` to the protocol's arms (label or id, trimmed) for a randomized
    trial; single-arm studies and cohorts have no arm comparison (cohort groups come from the
    protocol's exposure rule)."""
    subjects = study.tables["subjects"]
    ids = subjects["subject_id"].astype(str).to_numpy()
    none = pd.Series(dtype=object)
    if study.protocol.design.type != "randomized":
        return StudyArms(none, (), None, None, "not a randomized trial", ())
    arms = study.protocol.arms
    by_name = {a.label.strip(): a for a in arms} | {a.id.strip(): a for a in arms}
    raw = subjects["arm"].astype("string").str.strip()
    label = raw.map({name: arm.label for name, arm in by_name.items()})
    unknown = sorted(raw[label.isna()].dropna().unique().tolist()) + (
        ["(empty)"] if raw.isna().any() else []
    )
    of_subject = pd.Series(label.to_numpy(dtype=object), index=ids, name="arm")
    present = [a for a in arms if (of_subject == a.label).any()]
    references = [a for a in arms if a.type in REFERENCE_TYPES]
    info = tuple(
        ArmInfo(
            id=a.id,
            label=a.label,
            type=a.type,
            n=int((of_subject == a.label).sum()),
            reference=a.type in REFERENCE_TYPES,
        )
        for a in arms
    )
    labels = tuple(a.label for a in present)
    problem = None
    if unknown:
        problem = (
            f"subjects.arm values {unknown} are not arms of protocol {study.protocol.id} "
            f"(labels or ids: {', '.join(repr(a.label) for a in arms)})"
        )
        of_subject = pd.Series(raw.fillna("(empty)").to_numpy(dtype=object), index=ids, name="arm")
        labels = tuple(sorted(of_subject.unique()))
    elif len(references) != 1:
        problem = (
            f"protocol {study.protocol.id} declares {len(references)} reference arms "
            "(Arm.type active_comparator); comparisons need exactly one"
        )
    elif len(present) != 2:
        problem = f"{len(present)} arm(s) have patients; comparisons need two"
    reference = references[0].label if len(references) == 1 else None
    others = [a.label for a in present if a.label != reference]
    group = others[0] if problem is None and len(others) == 1 else None
    return StudyArms(of_subject, labels, reference, group, problem, info)
