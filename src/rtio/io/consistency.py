"""Checks across rows and tables: keys, references, date order, and rules between columns.

Each check is one function over whole columns. Rows are reported in the file a person opens
(see :class:`rtio.io.readers.RowLocator`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from rtio.io.checked import CheckedStudy
from rtio.io.issues import Collector, as_text
from rtio.io.parsing import ParsedTable
from rtio.io.schema import SCHEMAS
from rtio.lookup import row_codes
from rtio.vocabulary import DAYS_PER_YEAR, LesionRole, MeasurementStatus

__all__ = [
    "DATED_COLUMNS",
    "check_dates_after_death",
    "check_dates_before_birth",
    "check_duplicate_timepoints",
    "check_end_after_start",
    "check_has_subjects",
    "check_keys",
    "check_measurement_status",
    "check_planned_fractions",
    "check_references",
    "check_screening",
    "check_subject_dates",
    "key_values_text",
]

DATED_COLUMNS: dict[str, tuple[str, ...]] = {
    "measurements": ("assessment_date",),
    "responses": ("assessment_date",),
    "adverse_events": ("start_date", "end_date"),
    "labs": ("date",),
    "exposures": ("date",),
    "radiotherapy": ("start_date", "end_date"),
    "biomarkers": (),
    "events": ("date",),
    "surgery": ("date",),
}
"""Date columns of the records of a subject (compared with death, birth and the cut-off)."""


def key_values_text(frame: pd.DataFrame, columns: list[str], mask: np.ndarray) -> pd.Series:
    """ "a / b" texts of the key columns, built only for the flagged rows (for messages)."""
    text = pd.Series(None, index=frame.index, dtype=object)
    flagged = frame.loc[np.asarray(mask, dtype=bool), columns]
    if len(flagged):
        parts = [flagged[c].map(as_text) for c in columns]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined + " / " + part
        text.loc[flagged.index] = joined
    return text


def _cleaned(study: CheckedStudy, table: ParsedTable, columns: tuple[str, ...]) -> pd.DataFrame:
    """Key columns with identifiers cleaned (other kinds as typed)."""
    out = {}
    for column in columns:
        kind = SCHEMAS[table.raw.name].column(column).kind
        out[column] = study.key(table.raw.name, column) if kind == "str" else table.frame[column]
    return pd.DataFrame(out, index=table.frame.index)


def check_has_subjects(study: CheckedStudy, collect: Collector) -> None:
    """A study has at least one subject."""
    subjects = study.parsed.get("subjects")
    if subjects is not None and subjects.frame.empty:
        collect.add(
            "error",
            subjects.raw.file,
            "no_subjects",
            "the subjects table has no rows: a study needs at least one subject",
        )


def check_keys(study: CheckedStudy, collect: Collector) -> None:
    """Rows that repeat their table's key (e.g. the same lesion measured twice on one date)."""
    for name, schema in SCHEMAS.items():
        if not schema.key:
            continue
        table = study.table(name, *schema.key)
        if table is None:
            continue
        keys = _cleaned(study, table, schema.key)
        duplicated = keys.duplicated(keep="first").to_numpy() & keys.notna().all(axis=1).to_numpy()
        label = " + ".join(schema.key)
        collect.add_rows(
            "error",
            table.raw.locator,
            duplicated,
            label,
            key_values_text(table.frame, list(schema.key), duplicated),
            "duplicate_key",
            f"duplicate {label}: already on an earlier row",
        )


def _rows_in(keys: pd.DataFrame, known: pd.DataFrame) -> np.ndarray:
    """Whether each row of ``keys`` is a row of ``known`` (same number of columns, compared
    position by position): one integer per row over both frames at once
    (:func:`rtio.lookup.row_codes`), then one ``isin`` over whole columns."""
    combined = row_codes(
        [
            np.concatenate(
                [keys[mine].to_numpy(dtype=object), known[theirs].to_numpy(dtype=object)]
            )
            for mine, theirs in zip(keys.columns, known.columns, strict=True)
        ],
        len(keys) + len(known),
    )
    return np.isin(combined[: len(keys)], combined[len(keys) :])


def check_references(study: CheckedStudy, collect: Collector) -> None:
    """Every row refers to a subject (and lesion) that exists."""
    for name, table in study.parsed.items():
        for ref in SCHEMAS[name].references:
            target = study.table(ref.target, *ref.target_columns)
            if target is None or not table.has(*ref.columns):
                continue
            if ref.target == "subjects" and target.frame.empty:
                continue  # reported once as no_subjects
            keys = _cleaned(study, table, ref.columns)
            known = _cleaned(study, target, ref.target_columns)
            has_key = keys.notna().all(axis=1).to_numpy()
            found = _rows_in(keys, known)
            label = " + ".join(ref.columns)
            unknown = has_key & ~found
            collect.add_rows(
                "error",
                table.raw.locator,
                unknown,
                label,
                key_values_text(table.frame, list(ref.columns), unknown),
                "unknown_reference",
                f"{label} not found in the {ref.target} table",
            )


def check_duplicate_timepoints(study: CheckedStudy, collect: Collector) -> None:
    """A lesion is measured once per timepoint: scans sharing a ``visit`` are one timepoint
    (DESIGN), so the same lesion twice in one visit cannot be summed."""
    table = study.table("measurements", "subject_id", "lesion_id", "visit")
    if table is None:
        return
    visit = table.frame["visit"]
    given = visit.notna().to_numpy() & (visit.astype("string").str.strip() != "").to_numpy(
        dtype=bool, na_value=False
    )
    keys = _cleaned(study, table, ("subject_id", "lesion_id")).assign(
        visit=visit.astype("string").str.strip()
    )
    repeated = given & keys.duplicated(keep="first").to_numpy()
    collect.add_rows(
        "error",
        table.raw.locator,
        repeated,
        "visit",
        visit,
        "duplicate_timepoint",
        "this lesion is already measured at this visit on an earlier row (a timepoint sums each "
        "lesion once)",
    )


def check_subject_dates(study: CheckedStudy, collect: Collector) -> None:
    """Death and last-known-alive dates are ordered after start, and consistent with each other."""
    table = study.table("subjects", "start_date", "death_date", "last_known_alive_date")
    if table is None:
        return
    subjects, locator = table.frame, table.raw.locator
    start, death, alive = (
        subjects["start_date"],
        subjects["death_date"],
        subjects["last_known_alive_date"],
    )
    for mask, column, values, rule, message in (
        (death < start, "death_date", death, "date_order", "death before start_date"),
        (
            alive < start,
            "last_known_alive_date",
            alive,
            "date_order",
            "last_known_alive_date before start_date",
        ),
        (
            alive > death,
            "last_known_alive_date",
            alive,
            "date_order",
            "subject is dead but known alive after the death_date",
        ),
    ):
        collect.add_rows("error", locator, mask.to_numpy(), column, values, rule, message)
    collect.add_rows(
        "error",
        locator,
        (alive.isna() & death.isna()).to_numpy(),
        "last_known_alive_date",
        None,
        "empty_value",
        "a subject without a death_date needs a last_known_alive_date",
    )


def _after_death(death: pd.Series) -> Callable[[int], str]:
    return lambda pos: f"after the subject's death_date {as_text(death.iloc[pos])}"


def _before_birth(start: pd.Series, age: pd.Series) -> Callable[[int], str]:
    return lambda pos: (
        f"before the subject was born (start_date {as_text(start.iloc[pos])}, age "
        f"{age.iloc[pos]}): a typing slip in the year?"
    )


def check_dates_after_death(study: CheckedStudy, collect: Collector) -> None:
    """Nothing is measured, given or started after the subject's death."""
    for name, columns in DATED_COLUMNS.items():
        table = study.table(name, "subject_id")
        if table is None:
            continue
        death = study.subject_values(table, "death_date")
        if death is None:
            continue
        for column in columns:
            if not table.has(column):
                continue
            values = table.frame[column]
            collect.add_rows(
                "error",
                table.raw.locator,
                (values > death).to_numpy(),
                column,
                values,
                "date_order",
                _after_death(death),
            )


def check_dates_before_birth(study: CheckedStudy, collect: Collector) -> None:
    """No record predates the subject's birth (start_date − age − 1 years): a typing slip in
    the year would otherwise drop the record from the analysis without a word."""
    for name, columns in DATED_COLUMNS.items():
        table = study.table(name, "subject_id")
        if table is None:
            continue
        start = study.subject_values(table, "start_date")
        age = study.subject_values(table, "age")
        if start is None or age is None:
            continue
        years = pd.to_numeric(age, errors="coerce").to_numpy(dtype=float)
        years = np.where((years >= 0) & (years <= 130), years + 1, np.nan)
        before = (years * DAYS_PER_YEAR * 86_400e9).round()  # whole ns: quarter days are exact
        offset = np.where(
            np.isnan(before),
            np.timedelta64("NaT", "ns"),
            np.nan_to_num(before).astype(np.int64).astype("timedelta64[ns]"),
        )
        birth = pd.to_datetime(start).to_numpy(dtype="datetime64[ns]") - offset
        for column in columns:
            if not table.has(column):
                continue
            values = table.frame[column]
            collect.add_rows(
                "error",
                table.raw.locator,
                values.to_numpy(dtype="datetime64[ns]") < birth,
                column,
                values,
                "before_birth",
                _before_birth(start, age),
            )


def check_end_after_start(study: CheckedStudy, collect: Collector) -> None:
    """An AE or an RT course does not end before it starts."""
    for name in ("adverse_events", "radiotherapy"):
        table = study.table(name, "start_date", "end_date")
        if table is None:
            continue
        frame = table.frame
        collect.add_rows(
            "error",
            table.raw.locator,
            (frame["end_date"] < frame["start_date"]).to_numpy(),
            "end_date",
            frame["end_date"],
            "date_order",
            "end_date before start_date",
        )


def lesion_roles(study: CheckedStudy, table: ParsedTable) -> pd.Series | None:
    """The role (lesions.role) of the lesion of each row of ``table``."""
    lesions = study.table("lesions", "subject_id", "lesion_id", "role")
    if lesions is None or not table.has("subject_id", "lesion_id"):
        return None
    known = pd.DataFrame(
        {
            "subject_id": study.key("lesions", "subject_id"),
            "lesion_id": study.key("lesions", "lesion_id"),
            "role": lesions.frame["role"],
        }
    ).drop_duplicates(["subject_id", "lesion_id"])
    rows = pd.DataFrame(
        {
            "subject_id": study.key(table.raw.name, "subject_id"),
            "lesion_id": study.key(table.raw.name, "lesion_id"),
        }
    )
    merged = rows.merge(known, how="left", on=["subject_id", "lesion_id"])
    return pd.Series(merged["role"].to_numpy(), index=table.frame.index)


def check_measurement_status(study: CheckedStudy, collect: Collector) -> None:
    """Diameters agree with lesion role and status (RECIST 1.1 §3: targets are measured)."""
    table = study.table("measurements", "diameter_mm", "status")
    if table is None:
        return
    locator = table.raw.locator
    diameter, status = table.frame["diameter_mm"], table.frame["status"]
    collect.add_rows(
        "error",
        locator,
        ((status == MeasurementStatus.ABSENT) & (diameter > 0)).to_numpy(),
        "diameter_mm",
        diameter,
        "diameter_status",
        "status is 'absent' but the diameter is above 0 mm",
    )
    role = lesion_roles(study, table)
    if role is None:
        return
    collect.add_rows(
        "error",
        locator,
        (
            (role == LesionRole.TARGET) & (status == MeasurementStatus.PRESENT) & diameter.isna()
        ).to_numpy(),
        "diameter_mm",
        diameter,
        "diameter_status",
        "a target lesion that is present needs a diameter",
    )
    collect.add_rows(
        "warning",
        locator,
        (role.isin([LesionRole.NON_TARGET, LesionRole.NEW]) & diameter.notna()).to_numpy(),
        "diameter_mm",
        diameter,
        "diameter_status",
        "non-target and new lesions are not measured; the diameter is ignored",
    )


def check_planned_fractions(study: CheckedStudy, collect: Collector) -> None:
    """A course cannot deliver more fractions than it planned."""
    table = study.table("radiotherapy", "planned_fractions", "fractions")
    if table is None:
        return
    frame = table.frame
    collect.add_rows(
        "error",
        table.raw.locator,
        (frame["planned_fractions"] < frame["fractions"]).to_numpy(dtype=bool, na_value=False),
        "planned_fractions",
        frame["planned_fractions"],
        "fractions",
        "fewer fractions planned than delivered",
    )


def check_screening(study: CheckedStudy, collect: Collector) -> None:
    """An excluded candidate has a reason."""
    table = study.table("screening", "outcome", "reason")
    if table is None:
        return
    frame = table.frame
    collect.add_rows(
        "error",
        table.raw.locator,
        ((frame["outcome"] == "excluded") & frame["reason"].isna()).to_numpy(),
        "reason",
        None,
        "empty_value",
        "an excluded candidate needs a reason",
    )
