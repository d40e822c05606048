"""Subjects, screening, disposition events and study settings from DM, SUPPDM, DS, IE, RS (ECOG)
and TS.

DM gives one subject per record (SUBJID, else USUBJID, is ``subject_id``); screen failures
(ARMCD SCRNFAIL) and candidates not assigned (NOTASSGN) become screening rows instead, with the
reason from DS (DSDECOD SCREEN FAILURE) or IE. The last-known-alive date is SUPPDM.LSTALVDT, else
DM.RFPENDTC, else the subject's latest dated record (filled after every domain is read). Baseline
ECOG is the RS record of ECOG101 flagged baseline (else the last one on or before RFSTDTC), else
SUPPDM.ECOG.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.interop.sdtm import terms
from rtio.interop.sdtm.context import Context
from rtio.interop.sdtm.source import Domain, coded, dates, extra_column_name, numbers
from rtio.io.schema import SUBJECTS

_SCREENED = {terms.SCREEN_FAILURE[0]: "excluded", terms.NOT_ASSIGNED[0]: "pending"}
_SCREENED_ARMS = {
    terms.SCREEN_FAILURE[1].upper(): "excluded",
    terms.NOT_ASSIGNED[1].upper(): "pending",
}


def _screen_outcome(dm: Domain) -> pd.Series:
    code = dm.text("ARMCD").str.strip().str.upper().map(_SCREENED)
    arm = dm.text("ARM").str.strip().str.upper().map(_SCREENED_ARMS)
    return code.where(code.notna(), arm)


def _arm(ctx: Context, dm: Domain, frame: pd.DataFrame) -> pd.Series:
    """ARM as written; where empty, the protocol arm whose id is ARMCD."""
    arm = dm.text("ARM", frame).str.strip()
    by_code = {a.id: a.label for a in getattr(ctx.protocol, "arms", None) or []}
    from_code = dm.text("ARMCD", frame).str.strip().map(by_code)
    arm = arm.where(arm != "", from_code.fillna(""))
    dm.rejector.reject(
        frame, (arm == "").to_numpy(), "ARM", "no arm: ARM is empty and ARMCD is no protocol arm id"
    )
    return arm


def _qualifier(
    dm: Domain, frame: pd.DataFrame, column: str, qnam: str
) -> tuple[pd.Series, np.ndarray]:
    """A SUPPDM qualifier typed as the subjects column it fills; a bad value rejects the record."""
    variable = f"Q.{qnam}"
    text = dm.text(variable, frame).str.strip()
    kind = SUBJECTS.column(column).kind if column in SUBJECTS.column_names else "str"
    if kind == "bool":
        values = text.str.upper().map(terms.YES_NO)
        bad = (text != "").to_numpy() & values.isna().to_numpy()
        dm.rejector.reject(frame, bad, f"SUPPDM.{qnam}", "expected Y or N", values=text)
        return values.astype("boolean"), bad
    if kind in ("int", "float"):
        values, bad = numbers(
            dm, frame.assign(**{variable: text}), variable, required=False, whole=kind == "int"
        )
        return values, bad
    return text.where(text != "", None), np.zeros(len(frame), dtype=bool)


def baseline_ecog(ctx: Context, rfstdtc: pd.Series) -> pd.DataFrame:
    """Baseline ECOG by USUBJID from RS (RSTESTCD ECOG101 or RSCAT ECOG): columns score and
    _record. Post-baseline and unusable ECOG records are rejected with their reason."""
    none = pd.DataFrame(columns=["score", "_record"], dtype=float)
    rs = ctx.domain("RS")
    if rs is None:
        return none
    frame = rs.rejector.keep(rs.frame)
    is_ecog = (rs.text("RSTESTCD", frame).str.upper() == terms.ECOG_TEST[0]) | (
        rs.text("RSCAT", frame).str.upper() == terms.ECOG_CATEGORY
    )
    ecog = frame[is_ecog.to_numpy()]
    if ecog.empty:
        return none
    result = rs.text("RSSTRESC", ecog).where(
        rs.text("RSSTRESC", ecog) != "", rs.text("RSORRES", ecog)
    )
    score, bad = numbers(rs, ecog.assign(RSSTRESC=result), "RSSTRESC", required=True, whole=True)
    when, _, bad_date = dates(rs, ecog, "RSDTC", ctx.imputation, required=False)
    ok = ~bad & ~bad_date
    start = ecog["USUBJID"].map(rfstdtc)
    flagged = rs.text("RSBLFL", ecog).str.upper() == "Y"
    before = when.isna() | start.isna() | (when <= start)
    table = pd.DataFrame(
        {
            "u": ecog["USUBJID"],
            "score": score,
            "when": when,
            "flag": flagged,
            "before": before,
            "_record": ecog["_record"],
        }
    )
    table = table[ok]
    has_flag = table.groupby("u")["flag"].transform("any")
    candidates = table[(has_flag & table["flag"]) | (~has_flag & table["before"])]
    chosen = candidates.sort_values("when", na_position="first").groupby("u").tail(1)
    other = ok & ~ecog.index.isin(chosen.index)
    rs.rejector.reject(
        ecog,
        other,
        "RSTESTCD",
        "ECOG other than the baseline one: the study format keeps baseline ECOG (subjects.ecog)",
        kind="not_imported",
    )
    return chosen.set_index("u")[["score", "_record"]]


def _ds_by_decode(ctx: Context) -> tuple[Domain | None, pd.DataFrame]:
    ds = ctx.domain("DS")
    if ds is None:
        return None, pd.DataFrame()
    frame = ds.rejector.keep(ds.frame)
    return ds, frame.assign(_decod=ds.text("DSDECOD", frame).str.strip().str.upper())


def read_subjects(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The subjects and screening tables from DM (with SUPPDM, DS death and RS ECOG)."""
    dm = ctx.domain("DM")
    if dm is None:
        raise ValueError("the SDTM folder has no DM dataset (dm.xpt, dm.json or dm.csv)")
    frame = dm.frame
    subject_id = dm.text("SUBJID").str.strip()
    subject_id = subject_id.where(subject_id != "", dm.text("USUBJID").str.strip())
    frame["_id"] = subject_id
    outcome = _screen_outcome(dm)
    screened = frame[outcome.notna().to_numpy()]
    enrolled = frame[outcome.isna().to_numpy()]
    duplicate = enrolled["USUBJID"].duplicated(keep="first")
    dm.rejector.reject(
        enrolled, duplicate.to_numpy(), "USUBJID", "the same USUBJID on an earlier DM record"
    )
    duplicate = enrolled["_id"].duplicated(keep="first")
    dm.rejector.reject(
        enrolled, duplicate.to_numpy(), "SUBJID", "the same subject id on an earlier DM record"
    )
    enrolled = dm.rejector.keep(enrolled)

    start, start_flag, _ = dates(dm, enrolled, "RFSTDTC", ctx.imputation, required=False)
    first_dose, first_flag, _ = dates(dm, enrolled, "RFXSTDTC", ctx.imputation, required=False)
    from_first = start.isna() & first_dose.notna()
    if from_first.any():
        ctx.report.derivations.append(
            f"subjects.start_date: DM.RFXSTDTC for {int(from_first.sum())} subjects without RFSTDTC"
        )
    start = start.where(~from_first, first_dose)
    start_flag = start_flag.where(~from_first, first_flag)
    dm.rejector.reject(
        enrolled, start.isna().to_numpy(), "RFSTDTC", "no start date (RFSTDTC, RFXSTDTC)"
    )
    death, death_flag, _ = dates(dm, enrolled, "DTHDTC", ctx.imputation, required=False)
    end_part, end_flag, _ = dates(dm, enrolled, "RFPENDTC", ctx.imputation, required=False)
    sex, _ = coded(dm, enrolled, "SEX", {"M": "M", "F": "F"}, required=True, what="sex")
    age, _ = numbers(dm, enrolled, "AGE", required=True, whole=True)
    unit = dm.text("AGEU", enrolled).str.strip().str.upper()
    dm.rejector.reject(
        enrolled, ~unit.isin(["", "YEARS", "YEAR"]).to_numpy(), "AGEU", "age must be in years"
    )
    arm = _arm(ctx, dm, enrolled)
    qualifier_values = {}
    for column, (qnam, _) in terms.SUBJECT_QUALIFIERS.items():
        if f"Q.{qnam}" in enrolled.columns:
            qualifier_values[column] = _qualifier(dm, enrolled, column, qnam)[0]
    alive_text = qualifier_values.pop("last_known_alive_date", None)
    subjects = pd.DataFrame(
        {
            "subject_id": enrolled["_id"],
            "arm": arm,
            "sex": sex,
            "age": age,
            "start_date": start,
            "death_date": death,
            "_end": end_part,
            "_record": enrolled["_record"],
            "_usubjid": enrolled["USUBJID"].astype(str),
        }
    )
    if (start_flag != "").any():
        subjects["start_date_dtf"] = start_flag
    if (death_flag != "").any():
        subjects["death_date_dtf"] = death_flag
    if alive_text is not None:
        alive, alive_flag, _ = dates(
            dm,
            enrolled.assign(_alive=alive_text.fillna("")),
            "_alive",
            ctx.imputation,
            required=False,
        )
        subjects["last_known_alive_date"] = alive
        if (alive_flag != "").any():
            subjects["last_known_alive_date_dtf"] = alive_flag
    else:
        subjects["last_known_alive_date"] = pd.NaT
    from_end = subjects["last_known_alive_date"].isna() & subjects["_end"].notna()
    if from_end.any():
        ctx.report.derivations.append(
            f"subjects.last_known_alive_date: DM.RFPENDTC for {int(from_end.sum())} subjects without SUPPDM.LSTALVDT"
        )
        subjects.loc[from_end, "last_known_alive_date"] = subjects.loc[from_end, "_end"]
        if (end_flag != "").any():
            flags = (
                subjects["last_known_alive_date_dtf"]
                if "last_known_alive_date_dtf" in subjects
                else pd.Series("", index=subjects.index)
            )
            subjects["last_known_alive_date_dtf"] = flags.where(~from_end, end_flag)
    if "SITEID" in enrolled.columns and (dm.text("SITEID", enrolled).str.strip() != "").any():
        subjects["site"] = dm.text("SITEID", enrolled).str.strip()
    ecog_q = qualifier_values.pop("ecog", None)
    candidate = qualifier_values.pop("candidate_id", None)
    for column, values in qualifier_values.items():
        subjects[column] = values
    known_q = {q for q, _ in terms.SUBJECT_QUALIFIERS.values()}
    for column in enrolled.columns:
        if column.startswith("Q.") and column[2:] not in known_q:
            subjects[extra_column_name(dm, column[2:])] = dm.text(column, enrolled).replace(
                "", None
            )
    rfstdtc = pd.Series(start.to_numpy(), index=enrolled["USUBJID"].astype(str).to_numpy())
    from_rs = baseline_ecog(ctx, rfstdtc)
    ecog = enrolled["USUBJID"].astype(str).map(from_rs["score"])
    if ecog_q is not None:
        ecog = ecog.fillna(ecog_q)
    subjects["ecog"] = ecog.to_numpy()
    dm.rejector.reject(
        enrolled,
        subjects["ecog"].isna().to_numpy(),
        "ECOG",
        "no baseline ECOG (RS ECOG101 record or SUPPDM.ECOG)",
    )
    subjects, ds_death = _death_from_ds(ctx, subjects)
    standing = ~subjects["_record"].isin(dm.rejector.rejected)
    for usubjid, record in subjects.loc[~standing, ["_usubjid", "_record"]].itertuples(index=False):
        ctx.dropped_subjects[usubjid] = f"DM record {record} rejected"
    subjects = subjects[standing]
    ctx.subject_ids = dict(zip(subjects["_usubjid"], subjects["subject_id"], strict=True))
    ctx.screened = set(screened["USUBJID"].astype(str))
    kept = from_rs[from_rs.index.isin(ctx.subject_ids)]
    if ctx.domain("RS") is not None:
        ctx.domains["RS"].place(kept["_record"].to_numpy())
    if ctx.domain("DS") is not None:
        ctx.domains["DS"].place(ds_death.loc[ds_death["USUBJID"].isin(ctx.subject_ids), "_record"])
    ctx.start_dates = pd.Series(
        subjects["start_date"].to_numpy(), index=subjects["subject_id"].to_numpy()
    )
    screening = _screening(ctx, dm, screened, enrolled, candidate, subjects)
    subjects = subjects.drop(columns=["_end", "_usubjid"])
    return subjects, screening


def _death_from_ds(ctx: Context, subjects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """DM.DTHDTC, else the DS DEATH record's date; a DS date that contradicts DTHDTC is an error.
    Also returns the DS DEATH records used (``_record``, ``USUBJID``)."""
    none = pd.DataFrame(columns=["_record", "USUBJID"])
    ds, frame = _ds_by_decode(ctx)
    if ds is None:
        return subjects, none
    death_rows = frame[(frame["_decod"] == terms.DEATH).to_numpy()]
    if death_rows.empty:
        return subjects, none
    when, _, _ = dates(ds, death_rows, "DSSTDTC", ctx.imputation, required=True)
    death_rows = death_rows.assign(_when=when)
    death_rows = ds.rejector.keep(death_rows)
    by_subject = subjects.set_index("_usubjid")["death_date"]
    known = death_rows["USUBJID"].isin(by_subject.index).to_numpy()
    dm_death = death_rows["USUBJID"].map(by_subject)
    differs = known & dm_death.notna().to_numpy() & (dm_death != death_rows["_when"]).to_numpy()
    ds.rejector.reject(
        death_rows, differs, "DSSTDTC", "death date differs from DM.DTHDTC (DM.DTHDTC is kept)"
    )
    ds.rejector.reject(
        death_rows, ~known, "USUBJID", death_rows["USUBJID"].map(ctx.absence), kind="not_imported"
    )
    usable = ds.rejector.keep(death_rows)
    repeated = usable["USUBJID"].duplicated(keep="first").to_numpy()
    ds.rejector.reject(usable, repeated, "DSDECOD", "a second DEATH record for the subject")
    usable = ds.rejector.keep(usable)
    fill = subjects["_usubjid"].map(usable.set_index("USUBJID")["_when"])
    filled = subjects["death_date"].isna() & fill.notna()
    if filled.any():
        ctx.report.derivations.append(
            f"subjects.death_date: DS DEATH record for {int(filled.sum())} subjects without DM.DTHDTC"
        )
    subjects["death_date"] = subjects["death_date"].where(~filled, fill)
    ctx.settings["_ds_done"] = set(death_rows["_record"])
    return subjects, usable[["_record", "USUBJID"]]


def _screening(
    ctx: Context,
    dm: Domain,
    screened: pd.DataFrame,
    enrolled: pd.DataFrame,
    candidate: pd.Series | None,
    subjects: pd.DataFrame,
) -> pd.DataFrame | None:
    """Screening rows: screen failures and unassigned candidates, and (when the source keeps a
    screening log) the enrolled subjects with their consent date as the screening date."""
    reasons = _screen_failure_reasons(ctx, screened)
    if screened.empty and candidate is None:
        return None
    outcome = _screen_outcome(dm)[screened.index]
    date, flag, _ = dates(dm, screened, "RFICDTC", ctx.imputation, required=False)
    date = date.fillna(screened["USUBJID"].map(reasons["date"]))
    dm.rejector.reject(
        screened,
        date.isna().to_numpy(),
        "RFICDTC",
        "screened candidate without a screening date (RFICDTC or DS SCREEN FAILURE date)",
    )
    rows = [
        pd.DataFrame(
            {
                "candidate_id": screened["_id"],
                "screening_date": date,
                "outcome": outcome,
                "reason": screened["USUBJID"].map(reasons["reason"]),
                "subject_id": None,
                "_record": screened["_record"],
            }
        )
    ]
    live = subjects.set_index("_usubjid")
    enrolled = enrolled[enrolled["USUBJID"].isin(live.index)]
    consent, _, _ = dates(dm, enrolled, "RFICDTC", ctx.imputation, required=False)
    cid = candidate.reindex(enrolled.index) if candidate is not None else None
    cid = enrolled["_id"] if cid is None else cid.fillna(enrolled["_id"])
    logged = consent.notna().to_numpy()
    rows.append(
        pd.DataFrame(
            {
                "candidate_id": cid[logged],
                "screening_date": consent[logged],
                "outcome": "enrolled",
                "reason": None,
                "subject_id": enrolled["USUBJID"].map(live["subject_id"])[logged],
                "_record": -1,
            }
        )
    )
    table = pd.concat(rows, ignore_index=True)
    table = table[~table["_record"].isin(dm.rejector.rejected)]
    kept = set(screened.loc[screened["_record"].isin(table["_record"]), "USUBJID"])
    for name, used in (("DS", reasons.attrs["ds"]), ("IE", reasons.attrs["ie"])):
        domain = ctx.domain(name)
        if domain is not None:
            domain.place(used.loc[used["USUBJID"].isin(kept), "_record"])
            lost = used[~used["USUBJID"].isin(kept)]
            domain.rejector.reject(
                lost,
                np.ones(len(lost), bool),
                "USUBJID",
                "its screen-failure DM record was not imported",
                kind="not_imported",
            )
    if (flag != "").any():
        table["screening_date_dtf"] = flag.reindex(table.index).fillna("")
    return table.reset_index(drop=True)


def _screen_failure_reasons(ctx: Context, screened: pd.DataFrame) -> pd.DataFrame:
    """Reason and date of each screen failure, by USUBJID: DS SCREEN FAILURE (DSTERM), else the
    IE criteria not met ("IETESTCD: IETEST"). IE records of enrolled subjects are not imported.
    ``attrs`` "ds" and "ie" hold the records used (``_record``, ``USUBJID``)."""
    out = pd.DataFrame(
        {"reason": pd.Series(dtype=object), "date": pd.Series(dtype="datetime64[ns]")}
    )
    used = {
        "ds": pd.DataFrame(columns=["_record", "USUBJID"]),
        "ie": pd.DataFrame(columns=["_record", "USUBJID"]),
    }
    ds, frame = _ds_by_decode(ctx)
    if ds is not None:
        failures = frame[(frame["_decod"] == "SCREEN FAILURE").to_numpy()]
        unknown = ~failures["USUBJID"].isin(screened["USUBJID"]).to_numpy()
        ds.rejector.reject(
            failures,
            unknown,
            "DSDECOD",
            "SCREEN FAILURE for a USUBJID that is no screen-failure record in DM",
        )
        failures = ds.rejector.keep(failures)
        when, _, _ = dates(ds, failures, "DSSTDTC", ctx.imputation, required=False)
        failures = ds.rejector.keep(failures)
        repeated = failures["USUBJID"].duplicated(keep="first").to_numpy()
        ds.rejector.reject(failures, repeated, "DSDECOD", "a second SCREEN FAILURE record")
        failures = ds.rejector.keep(failures)
        term = ds.text("DSTERM", failures).str.strip()
        reason = term.where(term.str.upper() != "SCREEN FAILURE", "")
        out = pd.DataFrame(
            {"reason": reason.to_numpy(), "date": when[failures.index].to_numpy()},
            index=failures["USUBJID"].to_numpy(),
        )
        used["ds"] = failures[["_record", "USUBJID"]]
        ctx.settings["_ds_done"] = ctx.settings.get("_ds_done", set()) | set(
            frame.loc[(frame["_decod"] == "SCREEN FAILURE").to_numpy(), "_record"]
        )
    ie = ctx.domain("IE")
    if ie is not None:
        rows = ie.rejector.keep(ie.frame)
        of_failures = rows["USUBJID"].isin(screened["USUBJID"]).to_numpy()
        ie.rejector.reject(
            rows,
            ~of_failures,
            "IETESTCD",
            rows["USUBJID"].map(
                lambda u: (
                    "criterion not met by an enrolled subject (an eligibility exception): "
                    "the study format has no table for it"
                    if u in ctx.subject_ids or u in ctx.dropped_subjects
                    else "USUBJID is not in DM"
                )
            ),
            kind="not_imported",
        )
        failed = ie.rejector.keep(rows)
        text = ie.text("IETESTCD", failed) + ": " + ie.text("IETEST", failed)
        joined = text.groupby(failed["USUBJID"].to_numpy()).agg("; ".join)
        missing = joined[~joined.index.isin(out.index)]
        blank = joined[joined.index.isin(out.index[out["reason"] == ""])]
        out.loc[blank.index, "reason"] = blank.to_numpy()
        added = pd.DataFrame({"reason": missing.to_numpy(), "date": pd.NaT}, index=missing.index)
        out = pd.concat([out, added])
        used["ie"] = failed[["_record", "USUBJID"]]
    out["reason"] = out["reason"].replace("", None)
    out.attrs.update(used)
    return out


def read_events(ctx: Context, subjects: pd.DataFrame) -> tuple[pd.DataFrame | None, pd.Series]:
    """The events table from DS, and randomization dates by subject (DS RANDOMIZED).

    DEATH and SCREEN FAILURE records were read with the subjects; consent, completion and other
    milestones are listed as not imported."""
    ds, frame = _ds_by_decode(ctx)
    randomized = pd.Series(dtype=object)
    if ds is None:
        return None, randomized
    done = ctx.settings.get("_ds_done", set())
    frame = frame[~frame["_record"].isin(done)]
    frame = ctx.of_known_subjects(ds, frame)
    frame = frame.assign(_decod=ds.text("DSDECOD", frame).str.strip().str.upper())
    category = ds.text("DSCAT", frame).str.strip().str.upper()
    subcategory = ds.text("DSSCAT", frame).str.strip().str.upper()
    decod = frame["_decod"]
    kind = pd.Series(None, index=frame.index, dtype=object)
    other = category == terms.OTHER_EVENT
    kind[other] = decod[other].map(terms.OTHER_EVENT_KINDS).fillna("other")
    disposition = category == terms.DISPOSITION
    kind[disposition & subcategory.str.contains("RADIO")] = "rt_discontinuation"
    kind[disposition & subcategory.str.contains("TREATMENT") & kind.isna()] = (
        "treatment_discontinuation"
    )
    kind[disposition & (decod == "LOST TO FOLLOW-UP") & kind.isna()] = "lost_to_follow_up"
    kind[disposition & kind.isna()] = "withdrawal"
    completed = decod.isin(["COMPLETED", "INFORMED CONSENT OBTAINED"]) | (
        category == terms.MILESTONE
    )
    kind[completed] = None
    is_random = decod == terms.RANDOMIZED
    kind[is_random] = None
    when, flag, _ = dates(ds, frame, "DSSTDTC", ctx.imputation, required=True)
    random_rows = ds.rejector.keep(frame[is_random.to_numpy()])
    repeated = random_rows["subject_id"].duplicated(keep="first").to_numpy()
    ds.rejector.reject(
        random_rows, repeated, "DSDECOD", "a second RANDOMIZED record for the subject"
    )
    random_rows = ds.rejector.keep(random_rows)
    ds.place(random_rows["_record"])
    randomized = pd.Series(
        when[random_rows.index].dt.strftime("%Y-%m-%d").to_numpy(),
        index=random_rows["subject_id"].to_numpy(),
    )
    ds.rejector.reject(
        frame,
        (completed & ~is_random).to_numpy(),
        "DSDECOD",
        "a protocol milestone or completion: the study format keeps no record of it",
        kind="not_imported",
    )
    events = frame[kind.notna().to_numpy()]
    events = ds.rejector.keep(events)
    if events.empty:
        return None, randomized
    term = ds.text("DSTERM", events).str.strip()
    event_kind = kind[events.index]
    default = event_kind.map(terms.default_event_term)
    detail = term.where((term.str.upper() != default) & (term != ""), None)
    table = pd.DataFrame(
        {
            "subject_id": events["subject_id"],
            "kind": event_kind,
            "date": when[events.index],
            "detail": detail,
            "_record": events["_record"],
        }
    )
    if (flag[events.index] != "").any():
        table["date_dtf"] = flag[events.index]
    return table, randomized


def read_settings(ctx: Context) -> None:
    """The data cut-off from TS (TSPARMCD DCUTDTC); other TS records are not imported."""
    ts = ctx.domain("TS")
    if ts is None:
        return
    frame = ts.frame
    cutoff = ts.text("TSPARMCD", frame).str.upper() == terms.CUTOFF_PARAMETER[0]
    ts.rejector.reject(
        frame,
        ~cutoff.to_numpy(),
        "TSPARMCD",
        "a trial summary parameter rtio does not use",
        kind="not_imported",
    )
    rows = frame[cutoff.to_numpy()]
    if rows.empty:
        return
    when, _, _ = dates(ts, rows, "TSVAL", ctx.imputation, required=True)
    standing = ts.rejector.keep(rows)
    if len(standing) > 1:
        ts.rejector.reject(
            standing, np.arange(len(standing)) > 0, "TSVAL", "a second data cut-off date"
        )
    if len(standing):
        ctx.settings["data_cutoff"] = when[standing.index[0]].date()
        ts.place(standing["_record"].iloc[:1])


def read_visits(ctx: Context) -> None:
    """SV records are listed as not imported: each study record keeps its own date."""
    sv = ctx.domain("SV")
    if sv is not None:
        sv.rejector.reject(
            sv.frame,
            np.ones(len(sv.frame), bool),
            "VISIT",
            "a subject visit: the study format has no visit table (each record keeps its own date "
            "and visit name)",
            kind="not_imported",
        )
