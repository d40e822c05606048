"""SDTM -> study folder: ``rtio import sdtm DIR --protocol ID --out STUDY``.

Reads the domains of :data:`rtio.interop.sdtm.source.READ_DOMAINS` (XPT v5 or v8, Dataset-JSON
v1.1, CSV), merges their SUPP-- qualifiers, builds the study tables, and accounts for every source
record in ``import-report.json``: placed in a table, or rejected with file, record, variable and
reason. Rows of the built tables that the study format cannot hold (a repeated key, a measurement
of an unknown lesion) are rejected the same way, naming the source records they came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rtio.interop.report import ImportReport
from rtio.interop.sdtm.context import Context, drop_rows
from rtio.interop.sdtm.safety import read_adverse_events, read_labs
from rtio.interop.sdtm.source import Imputation, count_supp, read_sdtm_folder
from rtio.interop.sdtm.subjects import read_events, read_settings, read_subjects, read_visits
from rtio.interop.sdtm.treatment import read_exposures, read_procedures
from rtio.interop.sdtm.tumour import read_lesions, read_measurements, read_responses
from rtio.interop.studyfolder import check_output, write_study_folder
from rtio.io import SCHEMAS

_TABLE_SOURCES = {
    "subjects": "DM",
    "screening": "DM",
    "events": "DS",
    "adverse_events": "AE",
    "labs": "LB",
    "biomarkers": "LB",
    "lesions": "TU",
    "measurements": "TR",
    "responses": "RS",
    "radiotherapy": "PR",
    "surgery": "PR",
}


def _drop_duplicate_keys(ctx: Context, name: str, table: pd.DataFrame, source: str) -> pd.DataFrame:
    """Rows repeating a table's key (kept: the first) are rejected."""
    key = list(SCHEMAS[name].key)
    if not key or not set(key) <= set(table.columns):
        return table
    repeat = table.duplicated(key, keep="first").to_numpy()
    label = " + ".join(key)
    return drop_rows(
        ctx.domains[source], table, repeat, label, f"the same {label} as an earlier record"
    )


def _fill_last_alive(ctx: Context, tables: dict[str, pd.DataFrame | None]) -> None:
    """last_known_alive_date where the source gave neither SUPPDM.LSTALVDT nor RFPENDTC: the latest
    date of the subject's records (as ADaM's LSTALVDT is derived), for subjects without a death date."""
    subjects = tables["subjects"]
    assert subjects is not None
    missing = subjects["last_known_alive_date"].isna() & subjects["death_date"].isna()
    if not missing.any():
        return
    dated = [subjects[["subject_id", "start_date"]].rename(columns={"start_date": "d"})]
    for name, frame in tables.items():
        if frame is None or name in ("subjects", "screening"):
            continue
        for column in ("date", "start_date", "end_date", "assessment_date"):
            if column in frame.columns:
                dated.append(frame[["subject_id", column]].rename(columns={column: "d"}))
    latest = pd.concat(dated).groupby("subject_id")["d"].max()
    fill = subjects.loc[missing, "subject_id"].map(latest)
    subjects.loc[missing, "last_known_alive_date"] = fill
    ctx.report.derivations.append(
        f"subjects.last_known_alive_date: the latest dated record for {int(missing.sum())} living "
        "subjects without SUPPDM.LSTALVDT or DM.RFPENDTC"
    )


def _settle(
    ctx: Context, tables: dict[str, pd.DataFrame | None], exposure_source: str | None
) -> None:
    """Place the records of the final tables, reject what is left, and count every domain."""
    sources = dict(_TABLE_SOURCES)
    if exposure_source:
        sources["exposures"] = exposure_source
    for name, table in tables.items():
        if table is None:
            continue
        domain = ctx.domains[sources[name]]
        if "_records" in table:
            domain.place(
                np.concatenate(
                    [np.asarray(r, dtype=int) for r in table["_records"]] or [np.array([], int)]
                )
            )
        else:
            domain.place(table.loc[table["_record"] >= 0, "_record"])
    for domain in ctx.domains.values():
        untouched = ~domain.frame["_record"].isin(domain.placed | domain.rejector.rejected)
        reasons = domain.frame["_subject"].map(
            lambda u: (
                "rtio found no study-table place for this record"
                if u in ctx.subject_ids
                else ctx.absence(u)
            )
        )
        domain.rejector.reject(
            domain.frame, untouched.to_numpy(), "USUBJID", reasons, kind="not_imported"
        )
        read = len(domain.frame)
        ctx.report.count(domain.name, domain.file, read, read - len(domain.rejector.rejected))
        count_supp(domain, domain.placed - domain.rejector.rejected, ctx.report)


def build_study_tables(
    folder: Path,
    protocol: Any,
    report: ImportReport,
    *,
    imputation: Imputation = Imputation(),
    term_map: Mapping[str, str] | None = None,
    ctcae_version: str = "5.0",
) -> tuple[dict[str, pd.DataFrame | None], dict[str, Any]]:
    """The study tables and settings of an SDTM folder (the report records every source row)."""
    ctx = Context(read_sdtm_folder(folder, report), report, imputation, protocol, ctcae_version)
    read_settings(ctx)
    read_visits(ctx)
    subjects, screening = read_subjects(ctx)
    tables: dict[str, pd.DataFrame | None] = {"subjects": subjects, "screening": screening}
    events, randomized = read_events(ctx, subjects)
    if len(randomized):
        subjects["randomization_date"] = subjects["subject_id"].map(randomized)
    tables["events"] = events
    exposure_source, tables["exposures"] = read_exposures(ctx)
    tables["radiotherapy"], tables["surgery"] = read_procedures(ctx)
    tables["adverse_events"] = read_adverse_events(ctx, term_map or {})
    tables["labs"], tables["biomarkers"] = read_labs(ctx)
    tables["lesions"] = read_lesions(ctx)
    tables["measurements"] = read_measurements(ctx, tables["lesions"])
    tables["responses"] = read_responses(ctx)
    for name, table in tables.items():
        if table is not None:
            source = exposure_source if name == "exposures" else _TABLE_SOURCES[name]
            tables[name] = _drop_duplicate_keys(ctx, name, table, source or "EX")
    _fill_last_alive(ctx, tables)
    _settle(ctx, tables, exposure_source)
    return tables, ctx.settings


def import_sdtm(
    folder: str | Path,
    protocol: Any,
    out: str | Path,
    *,
    imputation: Imputation = Imputation(),
    cutoff: dt.date | None = None,
    term_map: Mapping[str, str] | None = None,
    fmt: str = "csv",
    protocol_file: Path | None = None,
    overwrite: bool = False,
) -> ImportReport:
    """Import an SDTM folder into the study folder ``out``; returns the import report (also
    written as ``out/import-report.json``). ``cutoff`` overrides the TS data cut-off."""
    folder, out = Path(folder), Path(out)
    check_output(out, [folder], overwrite)
    report = ImportReport("sdtm", str(folder), protocol.id)
    report.options = {
        "impute": imputation.rule,
        "impute_highest": imputation.highest if imputation.rule else None,
        "cutoff": cutoff.isoformat() if cutoff else None,
        "term_map": dict(term_map or {}),
    }
    tables, found = build_study_tables(
        folder, protocol, report, imputation=imputation, term_map=term_map
    )
    settings = {
        "protocol": protocol.id,
        "data_cutoff": (cutoff or found.get("data_cutoff") or None),
        "ctcae_version": "5.0",
        "term_map": dict(term_map or {}),
        "notes": [f"Imported from the SDTM folder {folder.name} by rtio import sdtm."],
    }
    if settings["data_cutoff"] is not None:
        settings["data_cutoff"] = settings["data_cutoff"].isoformat()
    write_study_folder(
        out, tables, settings, report, fmt=fmt, protocol_file=protocol_file, overwrite=overwrite
    )
    return report
