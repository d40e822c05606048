"""Adverse events from AE (+ SUPPAE), laboratory results and biomarkers from LB.

AE: AEDECOD is the CTCAE term (a term the study's term map names is kept as written and mapped at
analysis), AETERM the verbatim term, AETOXGR the grade, AEREL the relation to study treatment,
AESER seriousness; SUPPAE.AERELRT and AEIMMUNE the relation to radiotherapy and the immune-related
flag (false, and said so in the report, when the source has no such qualifier). LB records with
LBCAT BIOMARKER are biomarkers (VISIT the timepoint); the others are laboratory results in standard
units (LBSTRESN / LBSTRESU, normal range LBSTNRLO / LBSTNRHI).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rtio.derive.ctcae import adverse_event_terms
from rtio.interop.sdtm import terms
from rtio.interop.sdtm.context import Context
from rtio.interop.sdtm.source import Domain, coded, dates, extra_qualifiers, numbers

_AEREL = {t: True for t in terms.AEREL_TRUE} | {t: False for t in terms.AEREL_FALSE}


def _ctcae_terms(
    ctx: Context, ae: Domain, frame: pd.DataFrame, term_map: Mapping[str, str]
) -> pd.Series:
    """AEDECOD as a CTCAE term (case as CTCAE spells it), or as written when the term map names
    it; other terms and grades the term does not allow reject the record."""
    known = adverse_event_terms(ctx.ctcae_version).set_index("term")
    decod = ae.text("AEDECOD", frame).str.strip()
    verbatim = ae.text("AETERM", frame).str.strip()
    from_verbatim = decod == ""
    if from_verbatim.any():
        ctx.report.derivations.append(
            f"adverse_events.term: AETERM for {int(from_verbatim.sum())} AE records without AEDECOD"
        )
    decod = decod.where(~from_verbatim, verbatim)
    canonical = {t.lower(): t for t in known.index}
    spelled = decod.str.lower().map(canonical)
    mapped = decod.isin(term_map)
    term = spelled.where(spelled.notna(), decod.where(mapped))
    ae.rejector.reject(
        frame,
        term.isna().to_numpy(),
        "AEDECOD",
        f"not a CTCAE v{ctx.ctcae_version} term known to rtio; give a term map (--term-map) that "
        "names its CTCAE term",
        values=decod,
    )
    return term


def read_adverse_events(ctx: Context, term_map: Mapping[str, str]) -> pd.DataFrame | None:
    ae = ctx.domain("AE")
    if ae is None:
        return None
    frame = ctx.of_known_subjects(ae)
    term = _ctcae_terms(ctx, ae, frame, term_map)
    grade, bad = numbers(ae, frame, "AETOXGR", required=True, whole=True)
    known = adverse_event_terms(ctx.ctcae_version).set_index("term")
    ctcae = term.map(lambda t: term_map.get(t, t) if isinstance(t, str) else t)
    low, high = ctcae.map(known["min_grade"]), ctcae.map(known["max_grade"])
    outside = ~bad & term.notna().to_numpy() & ((grade < low) | (grade > high)).to_numpy()
    ae.rejector.reject(
        frame,
        outside,
        "AETOXGR",
        "grade " + grade.astype(str) + " is not a CTCAE grade of " + ctcae.astype(str),
    )
    related, _ = coded(ae, frame, "AEREL", _AEREL, required=True, what="causality")
    serious, _ = coded(ae, frame, "AESER", terms.YES_NO, required=True, what="serious event")
    flags = {}
    for column, (qnam, label) in terms.AE_QUALIFIERS.items():
        variable = f"Q.{qnam}"
        if variable in frame.columns:
            flags[column], _ = coded(ae, frame, variable, terms.YES_NO, required=False, what=label)
        else:
            flags[column] = pd.Series(np.nan, index=frame.index, dtype=object)
        missing = flags[column].isna()
        if missing.any():
            ctx.report.derivations.append(
                f"adverse_events.{column}: false for {int(missing.sum())} AE records without "
                f"SUPPAE.{qnam} ({label})"
            )
            flags[column] = flags[column].where(~missing, False)
    start = ctx.subject_start(frame)
    onset, onset_flag, _ = dates(
        ae, frame, "AESTDTC", ctx.imputation, required=True, min_dates=start
    )
    end, end_flag, _ = dates(ae, frame, "AEENDTC", ctx.imputation, required=False, min_dates=onset)
    frame = ae.rejector.keep(frame)
    i = frame.index
    table = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "term": term[i],
            "verbatim_term": ae.text("AETERM", frame).str.strip().replace("", None),
            "grade": grade[i].astype(int),
            "start_date": onset[i],
            "end_date": end[i],
            "related_treatment": related[i].astype(bool),
            "related_radiotherapy": flags["related_radiotherapy"][i].astype(bool),
            "immune_related": flags["immune_related"][i].astype(bool),
            "serious": serious[i].astype(bool),
            "_record": frame["_record"],
        }
    )
    for column, flag in (("start_date", onset_flag), ("end_date", end_flag)):
        if (flag[i] != "").any():
            table[f"{column}_dtf"] = flag[i]
    known_q = {q for q, _ in terms.AE_QUALIFIERS.values()}
    for column, values in extra_qualifiers(ae, frame, known_q).items():
        table[column] = values
    return table


def _result(lb: Domain, frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Standard-unit result where given, else the original result (unit and range alike)."""
    standard = lb.text("LBSTRESN", frame).str.strip()
    use_original = (standard == "").to_numpy()
    out = frame.copy()
    for std, orig in (
        ("LBSTRESN", "LBORRES"),
        ("LBSTRESU", "LBORRESU"),
        ("LBSTNRLO", "LBORNRLO"),
        ("LBSTNRHI", "LBORNRHI"),
    ):
        out[std] = lb.text(std, frame).where(~use_original, lb.text(orig, frame))
    return out, "LBSTRESN"


def read_labs(ctx: Context) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(labs, biomarkers) from LB."""
    lb = ctx.domain("LB")
    if lb is None:
        return None, None
    frame = ctx.of_known_subjects(lb)
    not_done = lb.text("LBSTAT", frame).str.upper() == "NOT DONE"
    lb.rejector.reject(frame, not_done.to_numpy(), "LBSTAT", "test not done", kind="not_imported")
    frame, _ = _result(lb, lb.rejector.keep(frame))
    value, _ = numbers(lb, frame, "LBSTRESN", required=True)
    unit = lb.text("LBSTRESU", frame).str.strip()
    lb.rejector.reject(frame, (unit == "").to_numpy(), "LBSTRESU", "no unit (LBSTRESU / LBORRESU)")
    biomarker = (lb.text("LBCAT", frame).str.upper() == terms.BIOMARKER_CATEGORY).to_numpy()
    markers = _biomarkers(lb, frame[biomarker], value, unit)
    labs = _labs(ctx, lb, frame[~biomarker], value, unit)
    return labs, markers


def _labs(
    ctx: Context, lb: Domain, frame: pd.DataFrame, value: pd.Series, unit: pd.Series
) -> pd.DataFrame | None:
    if frame.empty:
        return None
    code = lb.text("LBTESTCD", frame).str.strip().str.upper()
    name = lb.text("LBTEST", frame).str.strip()
    test = code.map(terms.LAB_TESTS).fillna(name.where(name != "", code))
    lb.rejector.reject(frame, (test == "").to_numpy(), "LBTESTCD", "no test (LBTESTCD, LBTEST)")
    low, _ = numbers(lb, frame, "LBSTNRLO", required=False)
    high, _ = numbers(lb, frame, "LBSTNRHI", required=False)
    when, flag, _ = dates(lb, frame, "LBDTC", ctx.imputation, required=True)
    frame = lb.rejector.keep(frame)
    i = frame.index
    table = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "date": when[i],
            "test": test[i],
            "value": value[i],
            "unit": unit[i],
            "lln": low[i],
            "uln": high[i],
            "_record": frame["_record"],
        }
    )
    if (flag[i] != "").any():
        table["date_dtf"] = flag[i]
    for column, values in extra_qualifiers(lb, frame, set()).items():
        table[column] = values
    return table


def _biomarkers(
    lb: Domain, frame: pd.DataFrame, value: pd.Series, unit: pd.Series
) -> pd.DataFrame | None:
    if frame.empty:
        return None
    name = lb.text("LBTEST", frame).str.strip()
    name = name.where(name != "", lb.text("LBTESTCD", frame).str.strip())
    timepoint = lb.text("VISIT", frame).str.strip()
    lb.rejector.reject(
        frame, (name == "").to_numpy(), "LBTEST", "no biomarker name (LBTEST, LBTESTCD)"
    )
    lb.rejector.reject(frame, (timepoint == "").to_numpy(), "VISIT", "no timepoint (VISIT)")
    frame = lb.rejector.keep(frame)
    i = frame.index
    table = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "name": name[i],
            "timepoint": timepoint[i],
            "value": value[i],
            "unit": unit[i],
            "_record": frame["_record"],
        }
    )
    for column, values in extra_qualifiers(lb, frame, set()).items():
        table[column] = values
    return table
