"""Exposures from EX (else EC), radiotherapy courses and resections from PR.

Radiotherapy has no SDTM domain of its own; rtio reads one PR record per course (PRCAT
RADIOTHERAPY): PRTRT the technique, PRDOSE / PRDOSU the dose per fraction (Gy or cGy), PRLOC the
target, PRSTDTC / PRENDTC the first and last fraction, SUPPPR.NFRAC the fractions delivered
(SUPPPR.NFRACPL planned). Where PRDOSE is empty, SUPPPR.TOTDOSE / NFRAC gives the dose per fraction.
Resections are PR records with PRCAT SURGERY and their pathology in SUPPPR.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.interop.sdtm import terms
from rtio.interop.sdtm.context import Context
from rtio.interop.sdtm.source import Domain, dates, extra_qualifiers, numbers

_CYCLE = r"(?i)(?:CYCLE|\bC)\s*(\d+)"


def _cycles(ctx: Context, domain: Domain, frame: pd.DataFrame, prefix: str) -> pd.Series:
    """Cycle numbers: VISIT "CYCLE n" (or "CnDm"), else SUPP--.CYCLE, else --GRPID when whole; a
    subject's remaining administrations are numbered by date within each drug."""
    cycle = pd.to_numeric(domain.text("VISIT", frame).str.extract(_CYCLE)[0], errors="coerce")
    for variable in ("Q.CYCLE", f"{prefix}GRPID"):
        if variable in frame.columns:
            other = pd.to_numeric(domain.text(variable, frame), errors="coerce")
            cycle = cycle.fillna(other.where(other % 1 == 0))
    missing = cycle.isna()
    if missing.any():
        order = (
            frame.assign(_cycle=cycle)[missing].groupby(["subject_id", f"{prefix}TRT"]).cumcount()
            + 1
        )
        cycle[missing] = order
        ctx.report.derivations.append(
            f"exposures.cycle: numbered by date within subject and drug for {int(missing.sum())} "
            f"{domain.name} records without a cycle (VISIT, SUPP{domain.name}.CYCLE, {prefix}GRPID)"
        )
    return cycle.astype(int)


def read_exposures(ctx: Context) -> tuple[str | None, pd.DataFrame | None]:
    """(source domain, exposures table) from EX, or EC when there is no EX."""
    ex, ec = ctx.domain("EX"), ctx.domain("EC")
    if ex is not None and ec is not None:
        ec.rejector.reject(
            ec.frame,
            np.ones(len(ec.frame), bool),
            "ECTRT",
            "EX holds the administrations; EC (exposure as collected) is read only without EX",
            kind="not_imported",
        )
    domain = ex if ex is not None else ec
    if domain is None:
        return None, None
    prefix = domain.name
    frame = ctx.of_known_subjects(domain)
    if prefix == "EC":
        occurred = domain.text("ECOCCUR", frame).str.upper() != "N"
        performed = ~domain.text("ECMOOD", frame).str.upper().isin(["SCHEDULED"])
        domain.rejector.reject(
            frame,
            (~occurred | ~performed).to_numpy(),
            "ECOCCUR",
            "not administered (ECOCCUR N or ECMOOD SCHEDULED)",
            kind="not_imported",
        )
    unit = domain.text(f"{prefix}DOSU", frame).str.strip()
    radiation = unit.str.upper().isin(terms.DOSE_UNITS_GY).to_numpy()
    domain.rejector.reject(
        frame,
        radiation,
        f"{prefix}DOSU",
        "radiotherapy recorded as exposure: rtio reads radiotherapy courses from PR (PRCAT RADIOTHERAPY)",
        kind="not_imported",
    )
    drug = domain.text(f"{prefix}TRT", frame).str.strip()
    domain.rejector.reject(
        frame, (drug == "").to_numpy(), f"{prefix}TRT", "required value is empty"
    )
    domain.rejector.reject(
        frame, (unit == "").to_numpy(), f"{prefix}DOSU", "required value is empty"
    )
    dose, _ = numbers(domain, frame, f"{prefix}DOSE", required=True)
    start = ctx.subject_start(frame)
    when, flag, _ = dates(
        domain, frame, f"{prefix}STDTC", ctx.imputation, required=True, min_dates=start
    )
    frame = domain.rejector.keep(frame)
    table = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "drug": drug[frame.index],
            "dose": dose[frame.index],
            "dose_unit": unit[frame.index],
            "date": when[frame.index],
            "cycle": _cycles(ctx, domain, frame, prefix),
            "_record": frame["_record"],
        }
    )
    if (flag != "").any():
        table["date_dtf"] = flag[frame.index]
    for column, values in extra_qualifiers(domain, frame, {"CYCLE"}).items():
        table[column] = values
    return prefix, table


def _procedure_kind(pr: Domain, frame: pd.DataFrame) -> pd.Series:
    category = pr.text("PRCAT", frame).str.strip().str.upper()
    unit = pr.text("PRDOSU", frame).str.strip().str.upper()
    kind = pd.Series(None, index=frame.index, dtype=object)
    kind[category.isin(terms.RADIOTHERAPY_CATEGORIES) | unit.isin(terms.DOSE_UNITS_GY)] = (
        "radiotherapy"
    )
    kind[category.isin(terms.SURGERY_CATEGORIES)] = "surgery"
    return kind


def read_procedures(ctx: Context) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(radiotherapy, surgery) tables from PR."""
    pr = ctx.domain("PR")
    if pr is None:
        return None, None
    frame = ctx.of_known_subjects(pr)
    kind = _procedure_kind(pr, frame)
    pr.rejector.reject(
        frame,
        kind.isna().to_numpy(),
        "PRCAT",
        "a procedure that is neither radiotherapy (PRCAT RADIOTHERAPY) nor a resection (PRCAT SURGERY)",
        kind="not_imported",
    )
    rt = _radiotherapy(ctx, pr, frame[(kind == "radiotherapy").to_numpy()])
    surgery = _surgery(ctx, pr, frame[(kind == "surgery").to_numpy()])
    return rt, surgery


def _required_text(domain: Domain, frame: pd.DataFrame, variable: str, what: str) -> pd.Series:
    text = domain.text(variable, frame).str.strip()
    domain.rejector.reject(frame, (text == "").to_numpy(), variable, f"no {what}")
    return text


def _radiotherapy(ctx: Context, pr: Domain, frame: pd.DataFrame) -> pd.DataFrame | None:
    if frame.empty:
        return None
    technique = _required_text(pr, frame, "PRTRT", "technique (PRTRT)")
    target = _required_text(pr, frame, "PRLOC", "target (PRLOC: lesion ids or a region)")
    fractions, _ = numbers(pr, frame, "Q.NFRAC", required=True, whole=True)
    planned, _ = numbers(pr, frame, "Q.NFRACPL", required=False, whole=True)
    unit = pr.text("PRDOSU", frame).str.strip().str.upper()
    factor = unit.map(terms.DOSE_UNITS_GY)
    per_fraction, _ = numbers(pr, frame, "PRDOSE", required=False)
    total, _ = numbers(pr, frame, f"Q.{terms.RT_TOTAL_DOSE}", required=False)
    dose = per_fraction.fillna(total / fractions) * factor
    no_unit = factor.isna() & (per_fraction.notna() | total.notna())
    pr.rejector.reject(frame, no_unit.to_numpy(), "PRDOSU", "radiation dose unit must be Gy or cGy")
    pr.rejector.reject(
        frame, dose.isna().to_numpy(), "PRDOSE", "no dose (PRDOSE, or SUPPPR.TOTDOSE with NFRAC)"
    )
    from_total = per_fraction.isna() & total.notna()
    if (from_total & dose.notna()).any():
        ctx.report.derivations.append(
            f"radiotherapy.dose_per_fraction_gy: SUPPPR.TOTDOSE / NFRAC for {int(from_total.sum())} courses without PRDOSE"
        )
    first, first_flag, _ = dates(pr, frame, "PRSTDTC", ctx.imputation, required=True)
    last, last_flag, _ = dates(pr, frame, "PRENDTC", ctx.imputation, required=True)
    frame = pr.rejector.keep(frame)
    index = frame.index
    table = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "target": target[index],
            "technique": technique[index],
            "dose_per_fraction_gy": dose[index],
            "fractions": fractions[index],
            "start_date": first[index],
            "end_date": last[index],
            "_record": frame["_record"],
        }
    )
    if "Q.NFRACPL" in frame.columns:
        table["planned_fractions"] = planned[index]
    for column, flags in (("start_date", first_flag), ("end_date", last_flag)):
        if (flags[index] != "").any():
            table[f"{column}_dtf"] = flags[index]
    known = {q for q, _ in terms.RT_QUALIFIERS.values()} | {terms.RT_TOTAL_DOSE}
    for column, values in extra_qualifiers(pr, frame, known).items():
        table[column] = values
    return table


def _surgery(ctx: Context, pr: Domain, frame: pd.DataFrame) -> pd.DataFrame | None:
    if frame.empty:
        return None
    when, flag, _ = dates(pr, frame, "PRSTDTC", ctx.imputation, required=True)
    values: dict[str, pd.Series] = {}
    required = {"margin", "viable_tumor_pct", "ypt", "ypn"}
    for column, (qnam, label) in terms.SURGERY_QUALIFIERS.items():
        variable = f"Q.{qnam}"
        if column in ("viable_tumor_pct", "complication_grade"):
            values[column], _ = numbers(
                pr,
                frame,
                variable,
                required=column in required,
                whole=column == "complication_grade",
            )
        elif column in required:
            values[column] = _required_text(pr, frame, variable, f"{label.lower()} (SUPPPR.{qnam})")
        elif variable in frame.columns:
            text = pr.text(variable, frame).str.strip()
            values[column] = text.where(text != "", None)
    frame = pr.rejector.keep(frame)
    table = pd.DataFrame({"subject_id": frame["subject_id"], "date": when[frame.index]})
    for column, series in values.items():
        if column in required or f"Q.{terms.SURGERY_QUALIFIERS[column][0]}" in frame.columns:
            table[column] = series[frame.index]
    table["_record"] = frame["_record"]
    if (flag[frame.index] != "").any():
        table["date_dtf"] = flag[frame.index]
    known = {q for q, _ in terms.SURGERY_QUALIFIERS.values()}
    for column, extra in extra_qualifiers(pr, frame, known).items():
        table[column] = extra
    return table
