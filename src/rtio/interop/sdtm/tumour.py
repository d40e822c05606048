"""Lesions from TU, lesion measurements from TR and reported timepoint responses from RS.

TU: one lesion per record (TULNKID the lesion id, TUORRES TARGET / NON-TARGET / NEW the role,
TULOC the organ; SUPPTU.LYMPHND, LESSITE, NODESTN). TR: the records of one lesion on one date make
one measurement: the diameter from LPERP for a lymph node (its short axis) and LDIAM otherwise (in
mm; cm converted), the status from TUMSTATE. RS: RECIST 1.1 OVRLRESP is the overall response of a
timepoint per evaluator; TRGRESP, NTRGRESP, NEWLIND and the iRECIST overall response of the same
timepoint are kept beside it. Best responses and sums of diameters are derived by rtio, not read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.interop.sdtm import terms
from rtio.interop.sdtm.context import Context, drop_rows
from rtio.interop.sdtm.source import coded, dates, extra_qualifiers, numbers
from rtio.vocabulary import Response

_ROLES = dict(terms.TU_ROLES)
_LENGTH = {"MM": 1.0, "CM": 10.0}


def read_lesions(ctx: Context) -> pd.DataFrame | None:
    tu = ctx.domain("TU")
    if tu is None:
        return None
    frame = ctx.of_known_subjects(tu)
    lesion = tu.text("TULNKID", frame).str.strip()
    tu.rejector.reject(frame, (lesion == "").to_numpy(), "TULNKID", "no lesion id (TULNKID)")
    result = tu.text("TUSTRESC", frame).where(
        tu.text("TUSTRESC", frame) != "", tu.text("TUORRES", frame)
    )
    role, _ = coded(
        tu, frame.assign(TUORRES=result), "TUORRES", _ROLES, required=True, what="lesion role"
    )
    organ = tu.text("TULOC", frame).str.strip()
    tu.rejector.reject(frame, (organ == "").to_numpy(), "TULOC", "no location (TULOC)")
    node_q = f"Q.{terms.LESION_QUALIFIERS['is_lymph_node'][0]}"
    if node_q in frame.columns:
        node, _ = coded(tu, frame, node_q, terms.YES_NO, required=True, what="lymph node flag")
    else:
        node = organ.str.upper().str.contains("LYMPH")
        ctx.report.derivations.append(
            "lesions.is_lymph_node: TULOC naming a lymph node (no SUPPTU.LYMPHND in the source)"
        )
    frame = tu.rejector.keep(frame)
    i = frame.index
    table = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "lesion_id": lesion[i],
            "role": role[i],
            "organ": organ[i],
            "is_lymph_node": node[i].astype(bool),
            "_record": frame["_record"],
        }
    )
    for column in ("site", "station"):
        variable = f"Q.{terms.LESION_QUALIFIERS[column][0]}"
        if variable in frame.columns:
            text = tu.text(variable, frame).str.strip()
            table[column] = text.where(text != "", None)
    known = {q for q, _ in terms.LESION_QUALIFIERS.values()}
    for column, values in extra_qualifiers(tu, frame, known).items():
        table[column] = values
    return table


def read_measurements(ctx: Context, lesions: pd.DataFrame | None) -> pd.DataFrame | None:
    tr = ctx.domain("TR")
    if tr is None:
        return None
    frame = ctx.of_known_subjects(tr)
    code = tr.text("TRTESTCD", frame).str.strip().str.upper()
    used = code.isin([*terms.DIAMETER_TESTS, terms.TUMSTATE_TEST[0]]).to_numpy()
    tr.rejector.reject(
        frame,
        ~used,
        "TRTESTCD",
        "not a lesion measurement (LDIAM, LPERP) or state (TUMSTATE): sums of diameters and "
        "percentage changes are derived by rtio",
        kind="not_imported",
    )
    lesion = tr.text("TRLNKID", frame).str.strip()
    tr.rejector.reject(frame, (lesion == "").to_numpy(), "TRLNKID", "no lesion id (TRLNKID)")
    when, flag, _ = dates(tr, frame, "TRDTC", ctx.imputation, required=True)
    frame = tr.rejector.keep(frame).assign(_lesion=lesion, _date=when, _flag=flag, _code=code)
    if lesions is None:
        tr.rejector.reject(
            frame, np.ones(len(frame), bool), "TRLNKID", "no TU dataset to identify the lesion"
        )
        return None
    node = lesions.set_index(["subject_id", "lesion_id"])["is_lymph_node"]
    keys = pd.MultiIndex.from_arrays([frame["subject_id"], frame["_lesion"]])
    frame["_node"] = node.reindex(keys).to_numpy()
    tr.rejector.reject(
        frame,
        frame["_node"].isna().to_numpy(),
        "TRLNKID",
        "no TU record of this lesion for the subject",
    )
    frame = tr.rejector.keep(frame)
    diameters = _diameters(
        ctx, tr, frame[frame["_code"].isin(list(terms.DIAMETER_TESTS)).to_numpy()]
    )
    states = _states(tr, frame[(frame["_code"] == terms.TUMSTATE_TEST[0]).to_numpy()])
    key = ["subject_id", "lesion_id", "assessment_date"]
    table = diameters.merge(states, on=key, how="outer", suffixes=("", "_state"))
    no_state = table["status"].isna()
    if no_state.any():
        ctx.report.derivations.append(
            f"measurements.status: present for {int(no_state.sum())} measured lesions without a TUMSTATE record"
        )
    table["status"] = table["status"].fillna("present")
    table["visit"] = table["visit"].fillna(table["visit_state"])
    table["_records"] = [
        [int(r) for r in (a, b) if isinstance(r, (int, float, np.integer, np.floating)) and r == r]
        for a, b in zip(table["_record"], table["_record_state"], strict=True)
    ]
    if "assessment_date_dtf" in table:
        table["assessment_date_dtf"] = table["assessment_date_dtf"].fillna(
            table.pop("assessment_date_dtf_state")
        )
    table["visit"] = table["visit"].replace("", None)
    table = table.drop(columns=["_record", "_record_state", "visit_state"])
    return table.sort_values("_records", key=lambda s: s.map(min)).reset_index(drop=True)


def _diameters(ctx: Context, tr, frame: pd.DataFrame) -> pd.DataFrame:
    """One diameter per lesion and date: LPERP for a lymph node, LDIAM otherwise (mm)."""
    size = tr.text("TRSTRESN", frame).where(
        tr.text("TRSTRESN", frame) != "", tr.text("TRORRES", frame)
    )
    unit = tr.text("TRSTRESU", frame).where(
        tr.text("TRSTRESU", frame) != "", tr.text("TRORRESU", frame)
    )
    factor = unit.str.strip().str.upper().map(_LENGTH)
    tr.rejector.reject(
        frame, factor.isna().to_numpy(), "TRSTRESU", "diameter unit must be mm or cm"
    )
    value, _ = numbers(tr, frame.assign(TRSTRESN=size), "TRSTRESN", required=True)
    frame = tr.rejector.keep(frame).assign(_value=value * factor)
    preferred = np.where(frame["_node"].astype(bool), "LPERP", "LDIAM")
    frame = frame.assign(_rank=(frame["_code"] != preferred).astype(int))
    frame = frame.sort_values(["_rank", "_record"])
    key = ["subject_id", "_lesion", "_date"]
    repeat = frame.duplicated([*key, "_code"], keep="first").to_numpy()
    tr.rejector.reject(
        frame, repeat, "TRTESTCD", "the same measurement of this lesion on this date twice"
    )
    frame = tr.rejector.keep(frame)
    other = frame.duplicated(key, keep="first").to_numpy()
    tr.rejector.reject(
        frame,
        other,
        "TRTESTCD",
        "RECIST measures a lymph node by its short axis (LPERP) and other lesions by the longest "
        "diameter (LDIAM); the other measurement is not used",
        kind="not_imported",
    )
    frame = tr.rejector.keep(frame)
    return _measurement_frame(tr, frame, diameter=frame["_value"])


def _states(tr, frame: pd.DataFrame) -> pd.DataFrame:
    result = tr.text("TRSTRESC", frame).where(
        tr.text("TRSTRESC", frame) != "", tr.text("TRORRES", frame)
    )
    status, _ = coded(
        tr,
        frame.assign(TRORRES=result),
        "TRORRES",
        terms.TUMSTATE,
        required=True,
        what="tumour state",
    )
    frame = tr.rejector.keep(frame)
    repeat = frame.duplicated(["subject_id", "_lesion", "_date"], keep="first").to_numpy()
    tr.rejector.reject(frame, repeat, "TRTESTCD", "a second TUMSTATE of this lesion on this date")
    frame = tr.rejector.keep(frame)
    return _measurement_frame(tr, frame, status=status[frame.index])


def _measurement_frame(tr, frame: pd.DataFrame, **values: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "lesion_id": frame["_lesion"],
            "assessment_date": frame["_date"],
            "visit": tr.text("VISIT", frame).str.strip(),
            "_record": frame["_record"],
        }
    )
    if "diameter" in values:
        out["diameter_mm"] = values["diameter"]
    else:
        out["status"] = values["status"]
        for column, extra in extra_qualifiers(tr, frame, set()).items():
            out[column] = extra
    if (frame["_flag"] != "").any():
        out["assessment_date_dtf"] = frame["_flag"]
    return out


def read_responses(ctx: Context) -> pd.DataFrame | None:
    rs = ctx.domain("RS")
    if rs is None:
        return None
    frame = rs.rejector.keep(rs.frame)
    frame = frame[~frame["_record"].isin(rs.placed)]
    ecog = (rs.text("RSTESTCD", frame).str.upper() == terms.ECOG_TEST[0]) | (
        rs.text("RSCAT", frame).str.upper() == terms.ECOG_CATEGORY
    )
    frame = ctx.of_known_subjects(rs, frame[~ecog.to_numpy()])
    category = rs.text("RSCAT", frame).str.strip().str.upper()
    is_irecist = (category == terms.IRECIST.upper()).to_numpy()
    is_recist = category.isin(["RECIST 1.1", "RECIST", ""]).to_numpy()
    rs.rejector.reject(
        frame,
        ~is_recist & ~is_irecist,
        "RSCAT",
        "response criteria other than RECIST 1.1 / iRECIST",
        kind="not_imported",
    )
    code = rs.text("RSTESTCD", frame).str.strip().str.upper()
    component = code.isin(list(terms.RESPONSE_TESTS)).to_numpy()
    rs.rejector.reject(
        frame,
        ~component | (is_irecist & (code != "OVRLRESP").to_numpy()),
        "RSTESTCD",
        "not a timepoint response (OVRLRESP, TRGRESP, NTRGRESP, NEWLIND): best responses are "
        "derived by rtio from the lesion measurements",
        kind="not_imported",
    )
    when, flag, _ = dates(rs, frame, "RSDTC", ctx.imputation, required=True)
    evaluator = rs.text("RSEVAL", frame).str.strip()
    if (evaluator == "").any():
        ctx.report.derivations.append(
            f"responses.assessor: investigator for {int((evaluator == '').sum())} RS records without RSEVAL"
        )
    assessor = evaluator.str.upper().map(terms.EVALUATORS).fillna(evaluator.str.lower())
    assessor = assessor.where(evaluator != "", "investigator")
    value = (
        rs.text("RSSTRESC", frame)
        .where(rs.text("RSSTRESC", frame) != "", rs.text("RSORRES", frame))
        .str.strip()
    )
    column = code.map({k: v[1] for k, v in terms.RESPONSE_TESTS.items()})
    column[is_irecist] = "irecist_response"
    overall = (column == "overall_response").to_numpy()
    allowed = {r: r for r in Response.values()} | {"NOT EVALUABLE": Response.NE.value}
    rs.rejector.reject(
        frame,
        overall & ~value.str.upper().isin(allowed).to_numpy(),
        "RSSTRESC",
        "overall response must be one of " + ", ".join(Response.values()),
        values=value,
    )
    value = value.where(~overall, value.str.upper().map(allowed))
    frame = rs.rejector.keep(frame)
    i = frame.index
    long = pd.DataFrame(
        {
            "subject_id": frame["subject_id"],
            "assessment_date": when[i],
            "assessor": assessor[i],
            "column": column[i],
            "value": value[i],
            "visit": rs.text("VISIT", frame).str.strip(),
            "_flag": flag[i],
            "_record": frame["_record"],
        }
    )
    key = ["subject_id", "assessment_date", "assessor"]
    repeat = long.duplicated([*key, "column"], keep="first").to_numpy()
    rs.rejector.reject(
        frame, repeat, "RSTESTCD", "the same response twice for one timepoint and evaluator"
    )
    long = long[~repeat]
    wide = long.pivot(index=key, columns="column", values="value").reset_index()
    grouped = long.groupby(key)
    wide = wide.merge(grouped["_record"].agg(list).rename("_records").reset_index(), on=key)
    wide = wide.merge(grouped["visit"].max().reset_index(), on=key)
    wide = wide.merge(grouped["_flag"].max().reset_index(), on=key)
    if "overall_response" not in wide:
        wide["overall_response"] = None
    lone = wide["overall_response"].isna().to_numpy()
    wide = drop_rows(
        rs,
        wide,
        lone,
        "RSTESTCD",
        "no RECIST 1.1 overall response (OVRLRESP) for this timepoint and evaluator",
    )
    if (wide["_flag"] != "").any():
        wide["assessment_date_dtf"] = wide["_flag"]
    wide = wide.drop(columns="_flag")
    if (wide["visit"] == "").all():
        wide = wide.drop(columns="visit")
    extras = extra_qualifiers(rs, frame, set())
    for name, values in extras.items():
        by_record = pd.Series(values.to_numpy(), index=frame["_record"].to_numpy())
        wide[name] = wide["_records"].map(
            lambda recs, s=by_record: next(
                (s[r] for r in recs if r in s.index and s[r] is not None), None
            )
        )
    return wide
