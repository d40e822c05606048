"""A REDCap records export -> study folder: ``rtio import redcap RECORDS.csv --dictionary DICT.csv``.

The records (raw CSV export: codes, not labels) are decoded through the project's own data
dictionary: drop-down and radio codes to their labels, yes/no and true/false to booleans. An
optional mapping file lets a project with other names be read:

.. code-block:: yaml

    record_id: study_id            # the project's record id field (default: the first field)
    instruments: {ae_log: adverse_events}      # project instrument -> rtio instrument
    fields: {pt_sex: sex, ae_ctcae: ae_term}   # project field -> rtio field
    values: {sex: {Male: M, Female: F}}        # rtio field -> {project value: study value}

Non-repeating rows (several per record in a longitudinal project) make the subject and its
screening row; each repeating instrument's rows make rows of its table. Every row is placed or
listed in the import report with its reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from rtio.interop.redcap.dictionary import (
    ELIGIBILITY_PREFIX,
    INSTRUMENTS,
    RECORD_ID,
    Instrument,
    field_name,
)
from rtio.interop.report import ImportReport, Rejector
from rtio.interop.sdtm.source import Imputation
from rtio.interop.studyfolder import check_output, write_study_folder
from rtio.interop.tablebuild import typed_table

_MAPPING_KEYS = {"record_id", "instruments", "fields", "values"}
_BOOLEAN_TYPES = {"yesno": {"1": "true", "0": "false"}, "truefalse": {"1": "true", "0": "false"}}
_CODED_TYPES = {"dropdown", "radio"}


def read_mapping(path: Path | None) -> dict[str, Any]:
    """The mapping file (empty without one); unknown keys are an error naming them."""
    if path is None:
        return {}
    content = yaml.safe_load(path.read_text()) or {}
    if not isinstance(content, dict) or set(content) - _MAPPING_KEYS:
        unknown = (
            ", ".join(sorted(set(content) - _MAPPING_KEYS))
            if isinstance(content, dict)
            else "not a mapping"
        )
        raise ValueError(
            f"{path.name}: unknown keys ({unknown}); a REDCap mapping has {', '.join(sorted(_MAPPING_KEYS))}"
        )
    return content


def _choices(text: str) -> dict[str, str]:
    codes = {}
    for part in str(text).split("|"):
        code, _, label = part.strip().partition(",")
        if code.strip():
            codes[code.strip()] = label.strip()
    return codes


def _decode(records: pd.DataFrame, dictionary: pd.DataFrame) -> pd.DataFrame:
    """Codes to labels (drop-down, radio) and booleans to true / false, by the project dictionary."""
    out = records.copy()
    for row in dictionary.itertuples(index=False):
        name, kind, choices = row[0], str(row[3]).strip().lower(), row[5]
        if name not in out.columns:
            continue
        text = out[name].astype(str).str.strip()
        if kind in _CODED_TYPES:
            codes = _choices(choices)
            out[name] = text.map(lambda v, c=codes: c.get(v, v))
        elif kind in _BOOLEAN_TYPES:
            out[name] = text.map(lambda v, c=_BOOLEAN_TYPES[kind]: c.get(v, v))
    return out


def _canonical_fields() -> dict[str, tuple[Instrument, str]]:
    """rtio field -> (instrument, study column)."""
    return {field_name(i, c): (i, c) for i in INSTRUMENTS for c in i.columns}


class _RedcapImport:
    def __init__(
        self,
        records_path: Path,
        dictionary_path: Path,
        protocol: Any,
        mapping: Mapping[str, Any],
        imputation: Imputation,
        report: ImportReport,
    ) -> None:
        self.file = records_path.name
        self.protocol = protocol
        self.mapping = mapping
        self.imputation = imputation
        self.report = report
        records = pd.read_csv(records_path, dtype=str, keep_default_na=False, na_values=[])
        dictionary = pd.read_csv(dictionary_path, dtype=str, keep_default_na=False, na_values=[])
        if dictionary.shape[1] < 6:
            raise ValueError(
                f"{dictionary_path.name}: not a REDCap data dictionary (fewer than 6 columns)"
            )
        record_id = str(mapping.get("record_id") or dictionary.iloc[0, 0])
        if record_id not in records.columns:
            raise ValueError(
                f"{self.file}: no record id column {record_id!r} (give record_id in the mapping)"
            )
        self.original = {}
        decoded = _decode(records, dictionary)
        renames = {str(k): str(v) for k, v in (mapping.get("fields") or {}).items()}
        renames[str(record_id)] = RECORD_ID
        self.original = {v: k for k, v in renames.items()}
        decoded = decoded.rename(columns=renames)
        instruments = {str(k): str(v) for k, v in (mapping.get("instruments") or {}).items()}
        if "redcap_repeat_instrument" in decoded:
            decoded["redcap_repeat_instrument"] = decoded["redcap_repeat_instrument"].map(
                lambda v: instruments.get(v, v)
            )
        else:
            decoded["redcap_repeat_instrument"] = ""
        for field, values in (mapping.get("values") or {}).items():
            if field in decoded.columns:
                decoded[field] = decoded[field].map(
                    lambda v, m=values: str(m.get(v, v)) if v != "" else v
                )
        decoded["_record"] = np.arange(1, len(decoded) + 1)
        decoded["_subject"] = decoded[RECORD_ID].astype(str)
        self.records = decoded
        canonical = _canonical_fields()
        unused = [
            c
            for c in records.columns
            if renames.get(c, c) not in canonical
            and renames.get(c, c)
            not in (
                RECORD_ID,
                "redcap_repeat_instrument",
                "redcap_repeat_instance",
                "redcap_event_name",
            )
            and not c.endswith("_complete")
            and not renames.get(c, c).startswith(ELIGIBILITY_PREFIX)
        ]
        if unused:
            report.derivations.append(
                "project fields rtio has no column for (not imported): " + ", ".join(unused)
            )
        answered = [
            c
            for c in decoded.columns
            if c.startswith(ELIGIBILITY_PREFIX) and (decoded[c] != "").any()
        ]
        if answered:
            report.derivations.append(
                f"eligibility criteria answers ({', '.join(answered)}) are not kept: the study format has no per-criterion table"
            )

    def source(self, name: str) -> Rejector:
        return Rejector(self.report, name, self.file)

    def _columns(
        self, rows: pd.DataFrame, instrument: Instrument
    ) -> tuple[pd.DataFrame, dict[str, str]]:
        """The instrument's fields as study columns (text), and column -> project field."""
        frame = rows[["_record", "_subject"]].copy()
        sources = {}
        for column in instrument.columns:
            name = field_name(instrument, column)
            if name in rows.columns:
                frame[column] = rows[name].astype(str)
                sources[column] = self.original.get(name, name)
        return frame, sources

    def subjects(self) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        """Subjects and screening rows from the non-repeating rows (one record each)."""
        rejector = self.source("records")
        all_rows = self.records[
            self.records["redcap_repeat_instrument"].astype(str).str.strip() == ""
        ]
        rows, members = self._merge_events(all_rows, rejector)
        columns: list[pd.DataFrame] = []
        sources: dict[str, str] = {}
        for instrument in (i for i in INSTRUMENTS if i.table == "subjects"):
            frame, named = self._columns(rows, instrument)
            columns.append(frame.drop(columns=["_record", "_subject"]))
            sources |= named
        subject_frame = pd.concat([rows[["_record", "_subject"]], *columns], axis=1)
        has_subject = (
            (subject_frame.drop(columns=["_record", "_subject"]) != "").any(axis=1).to_numpy()
        )
        subject_frame["subject_id"] = rows[RECORD_ID].astype(str)
        subjects = typed_table(
            "subjects",
            subject_frame[has_subject],
            rejector,
            sources | {"subject_id": RECORD_ID},
            self.imputation,
        )
        screening = self._screening(rows, rejector)
        screened = (
            np.zeros(len(rows), bool)
            if screening is None
            else rows["_record"].isin(screening["_record"]).to_numpy()
        )
        rejector.reject(
            rows,
            ~has_subject & ~screened,
            RECORD_ID,
            "a record with neither baseline nor screening data",
            kind="not_imported",
        )
        gone = members[
            members["first"].isin(rejector.rejected) & ~members["_record"].isin(rejector.rejected)
        ]
        rejector.reject(
            gone,
            np.ones(len(gone), bool),
            RECORD_ID,
            "another row of this record was rejected (see it)",
            kind="not_imported",
        )
        subjects = subjects[~subjects["_record"].isin(rejector.rejected)]
        if screening is not None:
            screening = screening[~screening["_record"].isin(rejector.rejected)]
            unlinked = screening["subject_id"].notna() & ~screening["subject_id"].isin(
                subjects["subject_id"]
            )
            screening = screening.assign(subject_id=screening["subject_id"].where(~unlinked, None))
        self.report.count(
            "records", self.file, len(all_rows), len(all_rows) - len(rejector.rejected)
        )
        return subjects, screening

    def _screening(self, rows: pd.DataFrame, rejector: Rejector) -> pd.DataFrame | None:
        frame, sources = self._columns(rows, INSTRUMENTS[0])
        screened = (frame.drop(columns=["_record", "_subject"]) != "").any(axis=1).to_numpy()
        if not screened.any():
            return None
        frame = frame[screened]
        record = rows.loc[screened, RECORD_ID].astype(str)
        candidate = (
            frame["candidate_id"] if "candidate_id" in frame else pd.Series("", index=frame.index)
        )
        frame["candidate_id"] = candidate.where(candidate != "", record)
        enrolled = (
            frame["outcome"] == "enrolled"
            if "outcome" in frame
            else pd.Series(False, index=frame.index)
        )
        frame["subject_id"] = record.where(enrolled, "")
        return typed_table("screening", frame, rejector, sources, self.imputation)

    def _merge_events(
        self, rows: pd.DataFrame, rejector: Rejector
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """One row per record: the non-empty values of its rows (a longitudinal project exports
        one row per event); a field with two different values rejects the record's later rows.
        Also returns each source row's record (``_record``) and the first row of its record."""
        first = rows.groupby(RECORD_ID, sort=False)["_record"].transform("first")
        members = pd.DataFrame(
            {"_record": rows["_record"], "_subject": rows["_subject"], "first": first}
        )
        members = members[members["_record"] != members["first"]]
        if members.empty:
            return rows, members
        fields = [c for c in rows.columns if not c.startswith(("_", "redcap_"))]
        values = rows[fields].where(rows[fields] != "")
        counts = values.groupby(rows[RECORD_ID], sort=False).nunique()
        conflicted = counts.gt(1)
        for record in conflicted.index[conflicted.any(axis=1).to_numpy()]:
            column = conflicted.columns[conflicted.loc[record].to_numpy()][0]
            later = rows[(rows[RECORD_ID] == record).to_numpy()].iloc[1:]
            rejector.reject(
                later,
                np.ones(len(later), bool),
                self.original.get(column, column),
                f"a second value of {column} for record {record}",
            )
        standing = rows[~rows["_record"].isin(rejector.rejected)]
        merged = (
            standing[fields]
            .where(standing[fields] != "")
            .groupby(standing[RECORD_ID], sort=False)
            .first()
            .fillna("")
        )
        merged = (
            merged.reset_index(drop=False)
            if RECORD_ID not in merged.columns
            else merged.reset_index(drop=True)
        )
        keys = (
            standing.groupby(RECORD_ID, sort=False)[["_record", "_subject"]]
            .first()
            .reset_index(drop=True)
        )
        merged = pd.concat([merged.reset_index(drop=True), keys], axis=1)
        merged["redcap_repeat_instrument"] = ""
        return merged, members

    def repeating(self, subject_ids: set[str]) -> dict[str, pd.DataFrame | None]:
        tables: dict[str, pd.DataFrame | None] = {}
        rows = self.records[self.records["redcap_repeat_instrument"].astype(str).str.strip() != ""]
        forms = {i.form: i for i in INSTRUMENTS if i.repeating}
        unknown = ~rows["redcap_repeat_instrument"].isin(forms)
        for form, group in rows[unknown.to_numpy()].groupby("redcap_repeat_instrument"):
            rejector = self.source(str(form))
            rejector.reject(
                group,
                np.ones(len(group), bool),
                "redcap_repeat_instrument",
                f"instrument {form!r} is not one rtio reads (map it with instruments: in the mapping file)",
                kind="not_imported",
            )
            self.report.count(str(form), self.file, len(group), 0)
        for form, instrument in forms.items():
            group = rows[(rows["redcap_repeat_instrument"] == form).to_numpy()]
            if group.empty:
                continue
            rejector = self.source(form)
            no_subject = ~group[RECORD_ID].astype(str).isin(subject_ids)
            rejector.reject(
                group,
                no_subject.to_numpy(),
                RECORD_ID,
                "the record is not an imported subject (no baseline data, or its baseline row was rejected)",
            )
            frame, sources = self._columns(group, instrument)
            frame["subject_id"] = group[RECORD_ID].astype(str)
            table = typed_table(instrument.table, frame, rejector, sources, self.imputation)
            tables[instrument.table] = table
            self.report.count(form, self.file, len(group), len(table))
        return tables


def import_redcap(
    records: str | Path,
    dictionary: str | Path,
    protocol: Any,
    out: str | Path,
    *,
    mapping: Path | None = None,
    imputation: Imputation = Imputation(),
    cutoff: dt.date | None = None,
    fmt: str = "csv",
    protocol_file: Path | None = None,
    overwrite: bool = False,
) -> ImportReport:
    """Import a REDCap records export (with its data dictionary) into the study folder ``out``."""
    records, dictionary, out = Path(records), Path(dictionary), Path(out)
    check_output(out, [records, dictionary], overwrite)
    report = ImportReport("redcap", str(records), protocol.id)
    content = read_mapping(mapping)
    report.options = {
        "dictionary": str(dictionary),
        "mapping": str(mapping) if mapping else None,
        "impute": imputation.rule,
        "cutoff": cutoff.isoformat() if cutoff else None,
    }
    job = _RedcapImport(records, dictionary, protocol, content, imputation, report)
    subjects, screening = job.subjects()
    tables: dict[str, pd.DataFrame | None] = {"subjects": subjects, "screening": screening}
    tables |= job.repeating(
        set(subjects["subject_id"].astype(str)) if subjects is not None else set()
    )
    settings = {
        "protocol": protocol.id,
        "data_cutoff": cutoff.isoformat() if cutoff else None,
        "ctcae_version": "5.0",
        "notes": [f"Imported from the REDCap records export {records.name} by rtio import redcap."],
    }
    write_study_folder(
        out, tables, settings, report, fmt=fmt, protocol_file=protocol_file, overwrite=overwrite
    )
    return report
