"""Reading an SDTM folder: the domain files, their supplemental qualifiers, and strict values.

Every value is read as text (:func:`rtio.interop.datasets.read_dataset`); numbers, dates and flags
are parsed here, per variable, and a value that does not parse rejects its row with the file,
record and variable named. Dates go through :mod:`rtio.dates` only: a complete ISO 8601 date
(a time part is dropped), or a partial date completed by the imputation rule the user chose, with
its ADaM ``--DTF`` flag kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rtio.dates import DateFormatError, ImputationLevel, ImputationRule, impute_partial_dates
from rtio.interop.datasets import Dataset, find_datasets, read_dataset
from rtio.interop.report import ImportReport, Rejector

READ_DOMAINS = ("DM", "DS", "EX", "EC", "AE", "LB", "TU", "TR", "RS", "PR", "SV", "IE", "TS")
"""The domains rtio reads (SUPP-- of each are merged into their parent records)."""


@dataclass(frozen=True)
class Imputation:
    """The partial-date rule chosen on the command line (None: partial dates are rejected)."""

    rule: ImputationRule | None = None
    highest: ImputationLevel = "M"


@dataclass
class Supplement:
    """A SUPP-- dataset merged into its parent domain (settled by :func:`count_supp`)."""

    source: str
    file: str
    frame: pd.DataFrame
    rejector: Rejector


@dataclass
class Domain:
    """One SDTM domain as read: text values, ``_record`` (1-based) and ``_subject`` columns, and
    its supplemental qualifiers merged as ``Q.<QNAM>`` columns."""

    name: str
    file: str
    frame: pd.DataFrame
    rejector: Rejector
    qualifiers: dict[str, str] = field(default_factory=dict)
    supplement: Supplement | None = None
    placed: set[int] = field(default_factory=set)

    def place(self, records: object) -> None:
        """Mark source records as placed in the study folder."""
        self.placed.update(int(r) for r in np.asarray(records).ravel())

    def has(self, variable: str) -> bool:
        return variable in self.frame.columns

    def text(self, variable: str, frame: pd.DataFrame | None = None) -> pd.Series:
        """The variable's text ("" where the domain lacks it)."""
        frame = self.frame if frame is None else frame
        if variable in frame.columns:
            return frame[variable].astype(str)
        return pd.Series("", index=frame.index, dtype=object)


def _with_keys(dataset: Dataset) -> pd.DataFrame:
    frame = dataset.frame.reset_index(drop=True)
    frame["_record"] = np.arange(1, len(frame) + 1)
    subject = frame["USUBJID"] if "USUBJID" in frame.columns else pd.Series("", index=frame.index)
    frame["_subject"] = subject.astype(str)
    return frame


def read_sdtm_folder(folder: Path, report: ImportReport) -> dict[str, Domain]:
    """Read the domains rtio imports from ``folder`` and merge their SUPP-- datasets.

    Datasets rtio does not read are listed in the report with their row count and the reason;
    a SUPP-- record whose parent record does not exist is rejected."""
    files = find_datasets(folder)
    domains: dict[str, Domain] = {}
    supps: dict[str, Dataset] = {}
    for name, path in files.items():
        dataset = read_dataset(path)
        if name.startswith("SUPP") and name[4:] in READ_DOMAINS:
            supps[name[4:]] = dataset
            continue
        if name not in READ_DOMAINS:
            report.skipped_sources.append(
                {
                    "file": path.name,
                    "dataset": name,
                    "rows": len(dataset.frame),
                    "reason": f"rtio does not read the {name} dataset (it reads "
                    + ", ".join(READ_DOMAINS)
                    + " and their SUPP--)",
                }
            )
            continue
        if "USUBJID" not in dataset.frame.columns and name != "TS":
            raise ValueError(f"{path.name}: no USUBJID variable")
        domains[name] = Domain(
            name, path.name, _with_keys(dataset), Rejector(report, name, path.name)
        )
    for parent, dataset in supps.items():
        source = f"SUPP{parent}"
        rejector = Rejector(report, source, dataset.file)
        supp = _with_keys(dataset)
        if parent not in domains:
            rejector.reject(
                supp, np.ones(len(supp), bool), "RDOMAIN", f"no {parent} dataset to qualify"
            )
            report.count(source, dataset.file, len(supp), 0)
            continue
        domains[parent].qualifiers = _merge_supp(domains[parent], supp, rejector)
        domains[parent].supplement = Supplement(source, dataset.file, supp, rejector)
    return {name: domains[name] for name in READ_DOMAINS if name in domains}


def _merge_supp(domain: Domain, supp: pd.DataFrame, rejector: Rejector) -> dict[str, str]:
    """Pivot SUPP-- records onto their parent records as ``Q.<QNAM>`` columns (text).

    A record is matched by USUBJID and IDVAR = IDVARVAL (no IDVAR: the subject's DM record).
    Unmatched records and repeats of a QNAM on one parent record are rejected. Returns
    QNAM -> QLABEL."""
    for variable in ("QNAM", "QVAL"):
        if variable not in supp.columns:
            raise ValueError(f"SUPP{domain.name}: no {variable} variable")
    idvar = (
        supp["IDVAR"].astype(str).str.strip().str.upper()
        if "IDVAR" in supp
        else pd.Series("", index=supp.index)
    )
    idval = (
        supp["IDVARVAL"].astype(str).str.strip()
        if "IDVARVAL" in supp
        else pd.Series("", index=supp.index)
    )
    parent = domain.frame
    supp["_parent"] = -1
    for var in idvar.unique():
        rows = idvar == var
        if var == "":
            keys = parent.groupby("USUBJID")["_record"].first()
            found = supp.loc[rows, "USUBJID"].map(keys)
        elif var in parent.columns:
            keys = parent.drop_duplicates(["USUBJID", var]).set_index(["USUBJID", var])["_record"]
            index = pd.MultiIndex.from_arrays([supp.loc[rows, "USUBJID"], idval[rows]])
            found = pd.Series(keys.reindex(index).to_numpy(), index=supp.index[rows])
        else:
            rejector.reject(supp, rows, "IDVAR", f"{domain.name} has no variable {var}")
            continue
        supp.loc[rows, "_parent"] = found.fillna(-1).astype(int)
    orphan = supp["_parent"] < 0
    reasons = (
        "no "
        + domain.name
        + " record with "
        + idvar.where(idvar != "", "USUBJID")
        + " = "
        + idval.where(idvar != "", supp["USUBJID"])
        + " for this subject"
    )
    rejector.reject(supp, orphan.to_numpy(), "IDVARVAL", reasons, values=idval)
    live = rejector.keep(supp)
    repeated = live.duplicated(["_parent", "QNAM"], keep="first")
    rejector.reject(
        live, repeated.to_numpy(), "QNAM", "the same qualifier twice for one parent record"
    )
    live = rejector.keep(supp)
    wide = live.pivot(index="_parent", columns="QNAM", values="QVAL")
    for qnam in wide.columns:
        values = wide[qnam].reindex(parent["_record"].to_numpy())
        parent[f"Q.{qnam}"] = values.fillna("").astype(str).to_numpy()
    labels = live.drop_duplicates("QNAM").set_index("QNAM")
    return {q: str(labels.at[q, "QLABEL"]) if "QLABEL" in labels else q for q in wide.columns}


def count_supp(domain: Domain, placed_records: set[int], report: ImportReport) -> None:
    """Settle the SUPP-- records of a domain: placed with their parent record, else rejected."""
    if domain.supplement is None:
        return
    source, file = domain.supplement.source, domain.supplement.file
    supp, rejector = domain.supplement.frame, domain.supplement.rejector
    live = rejector.keep(supp)
    parent_gone = ~live["_parent"].isin(placed_records)
    rejector.reject(
        live,
        parent_gone.to_numpy(),
        "IDVARVAL",
        f"its parent {domain.name} record was not imported (see that record's reason)",
        kind="not_imported",
    )
    placed = len(rejector.keep(supp))
    report.count(source, file, len(supp), placed)


# ---------------------------------------------------------------- strict values


def dates(
    domain: Domain,
    frame: pd.DataFrame,
    variable: str,
    imputation: Imputation,
    *,
    required: bool,
    min_dates: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """Dates of an ``--DTC`` variable: (dates, --DTF flags, mask of rows to reject).

    Rows are rejected (with the reason recorded) when the value is malformed, partial without an
    imputation rule, or empty while ``required``."""
    text = domain.text(variable, frame)
    bad = np.zeros(len(frame), dtype=bool)
    reasons = pd.Series("", index=frame.index, dtype=object)
    rule = imputation.rule or "first"
    while True:
        try:
            imputed = impute_partial_dates(
                text.where(~bad, ""),
                rule=rule,
                highest="M" if imputation.rule is None else imputation.highest,
                min_dates=None if min_dates is None else min_dates.where(~bad),
                column=variable,
                source=domain.file,
            )
            break
        except DateFormatError as exc:
            positions = np.asarray(exc.rows) - 1
            bad[positions] = True
            reasons.iloc[positions] = "not an ISO 8601 date"
    flags = imputed.flags
    partial = (flags != "").to_numpy() & ~bad
    if imputation.rule is None:
        reasons[partial] = "partial date: choose an imputation rule (--impute first|mid|last)"
        bad |= partial
    elif imputation.highest == "D":
        unimputed = text.str.fullmatch(r"\d{4}(T.*)?").to_numpy() & ~bad
        reasons[unimputed] = "year-only date: --impute-highest D imputes days only"
        bad |= unimputed
    if required:
        empty = imputed.dates.isna().to_numpy() & ~bad
        reasons[empty] = "required date is empty"
        bad |= empty
    domain.rejector.reject(frame, bad, variable, reasons)
    return imputed.dates, flags.where(~pd.Series(bad, index=flags.index), ""), bad


def numbers(
    domain: Domain, frame: pd.DataFrame, variable: str, *, required: bool, whole: bool = False
) -> tuple[pd.Series, np.ndarray]:
    """A numeric variable: (values, mask of rows to reject: not a number, not whole, or empty)."""
    text = domain.text(variable, frame).str.strip()
    empty = (text == "").to_numpy()
    values = pd.to_numeric(text.where(~empty), errors="coerce")
    bad = ~empty & ~np.isfinite(values.to_numpy(dtype=float))
    reasons = pd.Series("not a number", index=frame.index, dtype=object)
    if whole:
        fractional = ~bad & ~empty & (values.to_numpy(dtype=float) % 1 != 0)
        reasons[fractional] = "not a whole number"
        bad |= fractional
    if required:
        reasons[empty] = "required value is empty"
        bad |= empty
    domain.rejector.reject(frame, bad, variable, reasons)
    return values.where(~pd.Series(bad, index=values.index)), bad


def coded(
    domain: Domain,
    frame: pd.DataFrame,
    variable: str,
    codes: Mapping[str, object],
    *,
    required: bool,
    what: str,
) -> tuple[pd.Series, np.ndarray]:
    """A coded variable read through ``codes`` (upper-case keys); other values reject the row."""
    text = domain.text(variable, frame).str.strip()
    empty = (text == "").to_numpy()
    values = text.str.upper().map(codes)
    bad = (~empty & values.isna().to_numpy()) | (empty & required)
    allowed = ", ".join(sorted(codes))
    reasons = pd.Series(f"{what}: expected one of {allowed}", index=frame.index, dtype=object)
    reasons[empty] = "required value is empty"
    domain.rejector.reject(frame, bad, variable, reasons)
    return values, bad


def extra_column_name(domain: Domain, qnam: str) -> str:
    """The study column of a qualifier rtio has no column for: its QLABEL when that is a column
    name (lower-case letters, digits and "_": rtio writes an extra column's name there), else the
    QNAM in lower case."""
    label = domain.qualifiers.get(qnam, "")
    return label if re.fullmatch(r"[a-z][a-z0-9_]*", label) else qnam.lower()


def extra_qualifiers(domain: Domain, frame: pd.DataFrame, known: set[str]) -> dict[str, pd.Series]:
    """Supplemental qualifiers rtio has no column for, as extra columns (text; empty values
    missing), named by :func:`extra_column_name`."""
    out = {}
    for column in frame.columns:
        if column.startswith("Q.") and column[2:] not in known:
            text = domain.text(column, frame)
            out[extra_column_name(domain, column[2:])] = text.where(text != "", None)
    return out
