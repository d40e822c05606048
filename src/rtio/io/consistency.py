"""Checks across rows and tables: references, date order, and rules between columns.

Each check is one function over whole columns. Rows are reported in the file a person opens
(see :class:`rtio.io.readers.RowLocator`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rtio.io.readers import RawTable
from rtio.io.schema import SCHEMAS
from rtio.io.validate import ParsedStudy, _Collector, key_values_text

DATED_COLUMNS: dict[str, tuple[str, ...]] = {
    "measurements": ("assessment_date",),
    "responses": ("assessment_date",),
    "adverse_events": ("start_date", "end_date"),
    "labs": ("date",),
    "exposures": ("date",),
    "radiotherapy": ("start_date", "end_date"),
    "events": ("date",),
    "surgery": ("date",),
}
"""Date columns that cannot lie after the subject's death (and are compared with the cut-off)."""


def check_references(study: ParsedStudy, collect: _Collector) -> None:
    """Every row refers to a subject (and lesion) that exists."""
    for name, frame in study.tables.items():
        for ref in SCHEMAS[name].references:
            target = study.tables.get(ref.target)
            if target is None or not set(ref.columns) <= set(frame.columns):
                continue
            if not set(ref.target_columns) <= set(target.columns):
                continue
            keys = frame[list(ref.columns)]
            has_key = keys.notna().all(axis=1).to_numpy()
            known = pd.MultiIndex.from_frame(target[list(ref.target_columns)].astype(object))
            found = pd.MultiIndex.from_frame(keys.astype(object)).isin(known)
            label = " + ".join(ref.columns)
            unknown = has_key & ~found
            collect.add_rows(
                "error",
                study.raw[name],
                unknown,
                label,
                key_values_text(frame, list(ref.columns), unknown),
                "unknown_reference",
                f"{label} not found in the {ref.target} table",
            )


def check_subject_dates(study: ParsedStudy, collect: _Collector) -> None:
    """Death and last-known-alive dates are ordered after start, and consistent with each other."""
    subjects = study.tables.get("subjects")
    if subjects is None or not {"start_date", "death_date", "last_known_alive_date"} <= set(
        subjects
    ):
        return
    raw = study.raw["subjects"]
    start, death, alive = (
        subjects["start_date"],
        subjects["death_date"],
        subjects["last_known_alive_date"],
    )
    collect.add_rows(
        "error",
        raw,
        (death < start).to_numpy(),
        "death_date",
        death,
        "date_order",
        "death before start_date",
    )
    collect.add_rows(
        "error",
        raw,
        (alive < start).to_numpy(),
        "last_known_alive_date",
        alive,
        "date_order",
        "last_known_alive_date before start_date",
    )
    collect.add_rows(
        "error",
        raw,
        (alive > death).to_numpy(),
        "last_known_alive_date",
        alive,
        "date_order",
        "subject is dead but known alive after the death_date",
    )
    collect.add_rows(
        "error",
        raw,
        (alive.isna() & death.isna()).to_numpy(),
        "last_known_alive_date",
        None,
        "empty_value",
        "a subject without a death_date needs a last_known_alive_date",
    )


def _with_subject_column(study: ParsedStudy, frame: pd.DataFrame, column: str) -> pd.Series:
    subjects = study.tables["subjects"].drop_duplicates("subject_id").set_index("subject_id")
    return frame["subject_id"].map(subjects[column])


def check_dates_after_death(study: ParsedStudy, collect: _Collector) -> None:
    """Nothing is measured, given or started after the subject's death."""
    subjects = study.tables.get("subjects")
    if subjects is None or "death_date" not in subjects:
        return
    for name, columns in DATED_COLUMNS.items():
        frame = study.tables.get(name)
        if frame is None or "subject_id" not in frame:
            continue
        death = _with_subject_column(study, frame, "death_date")
        for column in columns:
            if column not in frame:
                continue
            late = (frame[column] > death).to_numpy()
            collect.add_rows(
                "error",
                study.raw[name],
                late,
                column,
                frame[column],
                "date_order",
                lambda pos, d=death: (
                    f"after the subject's death_date {d.iloc[pos].date().isoformat()}"
                ),
            )


def check_end_after_start(study: ParsedStudy, collect: _Collector) -> None:
    """An AE or an RT course does not end before it starts."""
    for name in ("adverse_events", "radiotherapy"):
        frame = study.tables.get(name)
        if frame is None or not {"start_date", "end_date"} <= set(frame):
            continue
        collect.add_rows(
            "error",
            study.raw[name],
            (frame["end_date"] < frame["start_date"]).to_numpy(),
            "end_date",
            frame["end_date"],
            "date_order",
            "end_date before start_date",
        )


def check_measurement_status(study: ParsedStudy, collect: _Collector) -> None:
    """Diameters agree with lesion role and status (RECIST 1.1 §3: targets are measured)."""
    measurements, lesions = study.tables.get("measurements"), study.tables.get("lesions")
    if measurements is None or not {"diameter_mm", "status", "lesion_id"} <= set(measurements):
        return
    raw = study.raw["measurements"]
    diameter, status = measurements["diameter_mm"], measurements["status"]
    collect.add_rows(
        "error",
        raw,
        ((status == "absent") & (diameter > 0)).to_numpy(),
        "diameter_mm",
        diameter,
        "diameter_status",
        "status is 'absent' but the diameter is above 0 mm",
    )
    if lesions is None or not {"role", "lesion_id"} <= set(lesions):
        return
    roles = lesions[["subject_id", "lesion_id", "role"]].drop_duplicates(
        ["subject_id", "lesion_id"]
    )
    role = measurements[["subject_id", "lesion_id"]].merge(
        roles, how="left", on=["subject_id", "lesion_id"]
    )
    role = pd.Series(role["role"].to_numpy(), index=measurements.index)
    collect.add_rows(
        "error",
        raw,
        ((role == "target") & (status == "present") & diameter.isna()).to_numpy(),
        "diameter_mm",
        diameter,
        "diameter_status",
        "a target lesion that is present needs a diameter",
    )
    collect.add_rows(
        "warning",
        raw,
        (role.isin(["non_target", "new"]) & diameter.notna()).to_numpy(),
        "diameter_mm",
        diameter,
        "diameter_status",
        "non-target and new lesions are not measured; the diameter is ignored",
    )


def check_planned_fractions(study: ParsedStudy, collect: _Collector) -> None:
    """A course cannot deliver more fractions than it planned."""
    frame = study.tables.get("radiotherapy")
    if frame is None or not {"planned_fractions", "fractions"} <= set(frame):
        return
    collect.add_rows(
        "error",
        study.raw["radiotherapy"],
        (frame["planned_fractions"] < frame["fractions"]).fillna(False).to_numpy(dtype=bool),
        "planned_fractions",
        frame["planned_fractions"],
        "fractions",
        "fewer fractions planned than delivered",
    )


def check_screening(study: ParsedStudy, collect: _Collector) -> None:
    """An excluded candidate has a reason; an enrolled one names its subject when given."""
    frame = study.tables.get("screening")
    if frame is None or not {"outcome", "reason"} <= set(frame):
        return
    collect.add_rows(
        "error",
        study.raw["screening"],
        ((frame["outcome"] == "excluded") & frame["reason"].isna()).to_numpy(),
        "reason",
        None,
        "empty_value",
        "an excluded candidate needs a reason",
    )


def check_data_cutoff(study: ParsedStudy, cutoff: dt.date | None, collect: _Collector) -> None:
    """Dates after the data cut-off are reported (analyses ignore them)."""
    if cutoff is None:
        return
    limit = pd.Timestamp(cutoff)
    for name, columns in {
        **DATED_COLUMNS,
        "subjects": ("death_date", "last_known_alive_date"),
    }.items():
        frame = study.tables.get(name)
        if frame is None:
            continue
        raw: RawTable = study.raw[name]
        for column in columns:
            if column in frame:
                collect.add_rows(
                    "warning",
                    raw,
                    (frame[column] > limit).to_numpy(),
                    column,
                    frame[column],
                    "after_cutoff",
                    f"after the data cut-off {cutoff.isoformat()}; ignored by analyses",
                )


def check_consistency(study: ParsedStudy, collect: _Collector) -> None:
    """Run every cross-row and cross-table check."""
    check_references(study, collect)
    check_subject_dates(study, collect)
    check_dates_after_death(study, collect)
    check_end_after_start(study, collect)
    check_measurement_status(study, collect)
    check_planned_fractions(study, collect)
    check_screening(study, collect)
    check_data_cutoff(study, study.settings.data_cutoff if study.settings else None, collect)
