"""RECIST 1.1 timepoint response and best overall response from lesion measurements.

Rules implemented (Eisenhauer et al., Eur J Cancer 2009;45:228-247, "RECIST 1.1"):

* baseline: the last assessment on or before day 1 within ``baseline_window_days`` (§3.2);
* target response from the sum of diameters, nodes by short axis (§4.3.1-§4.3.2): PD needs
  ≥ 20 % **and** ≥ 5 mm above the nadir (smallest earlier sum, baseline included) and takes
  precedence over PR (≥ 30 % below baseline); CR needs every non-nodal target at 0 mm and every
  nodal target < 10 mm; "too small to measure" counts 5 mm; a target not assessed makes the target
  response NE unless the measured lesions alone already prove PD;
* non-target response (§4.3.3) and new lesions (§4.3.4; an equivocal new lesion that a later scan
  confirms dates PD back to its first scan);
* overall response by Table 1 (target disease) and Table 2 (non-target disease only);
* best overall response with or without confirmation (§4.4, Table 3).

Own code rather than a library: no maintained Python package derives RECIST 1.1 from measurements,
and the boundaries must be decided exactly. Diameters are held as integer hundredths of a
millimetre and every threshold is an integer cross-multiplication (100·S ≤ 70·B for PR,
100·(S − nadir) ≥ 20·nadir for PD), so an exact −30 % or +20 % is never flipped by rounding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "best_overall_response",
    "check_baseline",
    "response_disagreements",
    "timepoint_responses",
]

_SCALE = 100  # integer hundredths of a millimetre
_TOO_SMALL = 5 * _SCALE  # RECIST 1.1 §4.3.1 / Appendix I: "too small to measure" = 5 mm
_NODE_NORMAL = 10 * _SCALE  # a node with short axis < 10 mm is non-pathological
_STATUSES = {
    "present",
    "absent",
    "unequivocal_progression",
    "equivocal",
    "not_evaluated",
    "too_small_to_measure",
}
_ROLES = {"target", "non_target", "new"}


def _frame(data: object, name: str) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data.copy()
    if hasattr(data, "to_pandas"):
        return data.to_pandas()
    if isinstance(data, np.ndarray) and data.dtype.names:
        return pd.DataFrame.from_records(data)
    raise TypeError(f"{name}: expected a pandas or polars DataFrame or a numpy record array")


def _require(frame: pd.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing required column(s) {', '.join(missing)}")


def _dates(frame: pd.DataFrame, name: str, column: str) -> pd.Series:
    raw = frame[column]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return raw.astype("datetime64[ns]").dt.normalize()
    out = pd.to_datetime(raw, errors="coerce").dt.normalize()
    suspect = out.isna() & raw.notna()
    bad = suspect.copy()
    bad[suspect] = raw[suspect].astype(str).str.strip() != ""
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{name}: row {row}, column {column}: not a date: {raw.iloc[row]!r}")
    return out


def _bool(series: pd.Series, name: str, column: str) -> pd.Series:
    if series.dtype == bool:
        return series
    text = series.astype(str).str.strip().str.lower()
    ok = text.isin(["true", "false", "1", "0"])
    if not ok.all():
        row = int(np.flatnonzero(~ok.to_numpy())[0])
        raise ValueError(f"{name}: row {row}, column {column}: not a boolean: {series.iloc[row]!r}")
    return text.isin(["true", "1"])


def _hundredths(diam: pd.Series) -> np.ndarray:
    """Diameters in integer hundredths of a mm (as float64 holding integers; NaN = missing)."""
    values = pd.to_numeric(diam, errors="coerce").to_numpy(dtype=float)
    scaled = np.round(values * _SCALE)
    off = np.abs(values * _SCALE - scaled) > 1e-6
    if np.any(off):
        row = int(np.flatnonzero(off)[0])
        raise ValueError(
            f"measurements: row {row}, column diameter_mm: {values[row]!r} has more than two "
            "decimals; RECIST sums are decided exactly on 0.01 mm"
        )
    negative = scaled < 0
    if np.any(negative):
        row = int(np.flatnonzero(negative)[0])
        raise ValueError(f"measurements: row {row}, column diameter_mm: negative diameter")
    return scaled


def _mm(h: pd.Series | np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(h, dtype=float) / _SCALE)


def _fmt(values: pd.Series, signed: bool = False) -> pd.Series:
    """Numbers as text rounded to 0.01 (vectorised; ``NA`` when missing)."""
    v = pd.Series(values, dtype=float).round(2)
    text = v.astype(str)
    if signed:
        text = pd.Series(np.where(v >= 0, "+", ""), index=v.index) + text
    return text.where(v.notna(), "NA")


def _iso(dates: pd.Series) -> pd.Series:
    """ISO date strings (vectorised)."""
    dates = pd.Series(dates)
    text = np.datetime_as_string(dates.to_numpy().astype("datetime64[D]"), unit="D")
    return pd.Series(text.astype(object), index=dates.index)


def _flag(series: pd.Series) -> np.ndarray:
    """Boolean array from an aggregated column where missing (no scan) means False."""
    return series.eq(True).to_numpy()


def _timepoints(meas: pd.DataFrame) -> pd.DataFrame:
    """Group scans into timepoints: shared ``visit`` when given, else the scan date."""
    if "visit" in meas.columns:
        visit = meas["visit"].astype("string")
        given = (visit.notna() & (visit.str.strip() != "")).to_numpy()
        key = visit.astype(object).to_numpy(copy=True)
        key[~given] = _iso(meas.loc[~given, "assessment_date"]).to_numpy()
        meas["visit_key"] = key
    else:
        meas["visit_key"] = meas["assessment_date"]
    tp = (
        meas.groupby(["subject_id", "visit_key"], sort=False)["assessment_date"]
        .agg(first_scan_date="min", last_scan_date="max")
        .reset_index()
    )
    return tp.sort_values(["subject_id", "last_scan_date"], kind="stable").reset_index(drop=True)


def check_baseline(
    lesions: object,
    measurements: object,
    subjects: object,
    radiotherapy: object | None = None,
    *,
    baseline_window_days: int = 28,
) -> pd.DataFrame:
    """Baseline conformity per subject (RECIST 1.1 §3.2-§3.3, EORTC clarifications).

    One row per subject with ``baseline_date`` and ``issues`` (``""`` when conforming): no
    baseline scan within ``baseline_window_days`` before day 1; more than 5 target lesions or
    more than 2 per organ (all lymph nodes together are one organ); a non-nodal target < 10 mm or
    a nodal target short axis < 15 mm; a target without a baseline measurement; a target lesion
    irradiated before baseline (§3.1.3: not measurable unless it progressed after radiotherapy;
    flagged for review).
    """
    tp, meas, les, subj = _prepare(lesions, measurements, subjects, baseline_window_days)
    out = _baseline_issues(tp, meas, les, subj, radiotherapy)
    out["subject_id"] = subj.attrs["ids"].take(out["subject_id"].to_numpy())
    return out


def _prepare(
    lesions: object, measurements: object, subjects: object, baseline_window_days: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    les = _frame(lesions, "lesions")
    meas = _frame(measurements, "measurements")
    subj = _frame(subjects, "subjects")
    _require(les, "lesions", ["subject_id", "lesion_id", "role", "organ", "is_lymph_node"])
    _require(meas, "measurements", ["subject_id", "lesion_id", "assessment_date", "status"])
    _require(subj, "subjects", ["subject_id", "start_date"])
    for frame in (les, meas, subj):
        frame["subject_id"] = frame["subject_id"].astype(str)
    les["lesion_id"] = les["lesion_id"].astype(str)
    meas["lesion_id"] = meas["lesion_id"].astype(str)
    bad_role = ~les["role"].isin(_ROLES)
    if bad_role.any():
        row = int(np.flatnonzero(bad_role.to_numpy())[0])
        raise ValueError(
            f"lesions: row {row}, column role: {les['role'].iloc[row]!r} not in {sorted(_ROLES)}"
        )
    les["is_lymph_node"] = _bool(les["is_lymph_node"], "lesions", "is_lymph_node")
    if les.duplicated(["subject_id", "lesion_id"]).any():
        row = int(np.flatnonzero(les.duplicated(["subject_id", "lesion_id"]).to_numpy())[0])
        raise ValueError(f"lesions: row {row}: duplicate subject_id + lesion_id")
    bad_status = ~meas["status"].isin(_STATUSES)
    if bad_status.any():
        row = int(np.flatnonzero(bad_status.to_numpy())[0])
        raise ValueError(
            f"measurements: row {row}, column status: {meas['status'].iloc[row]!r} not in {sorted(_STATUSES)}"
        )
    meas["status"] = pd.Categorical(meas["status"], categories=sorted(_STATUSES))
    les["role"] = pd.Categorical(les["role"], categories=sorted(_ROLES))
    meas["assessment_date"] = _dates(meas, "measurements", "assessment_date")
    if meas["assessment_date"].isna().any():
        row = int(np.flatnonzero(meas["assessment_date"].isna().to_numpy())[0])
        raise ValueError(f"measurements: row {row}, column assessment_date: missing date")
    if "diameter_mm" not in meas.columns:
        meas["diameter_mm"] = np.nan
    meas["h"] = _hundredths(meas["diameter_mm"])
    subj["start_date"] = _dates(subj, "subjects", "start_date")
    meas["_row"] = np.arange(len(meas))
    ids = pd.Index(subj["subject_id"])
    if not ids.is_unique:
        row = int(np.flatnonzero(ids.duplicated())[0])
        raise ValueError(f"subjects: row {row}, column subject_id: duplicate subject")
    nostart = subj["start_date"].isna().to_numpy()
    if nostart.any():
        row = int(np.flatnonzero(nostart)[0])
        raise ValueError(f"subjects: row {row}, column start_date: missing start date")
    # integer keys: subject = row of subjects; lesion = subject x lesion label code
    for name, frame in (("lesions", les), ("measurements", meas)):
        code = ids.get_indexer(frame["subject_id"])
        if (code < 0).any():
            row = int(np.flatnonzero(code < 0)[0])
            raise ValueError(
                f"{name}: row {row}, column subject_id: {frame['subject_id'].iloc[row]!r} is not "
                "in subjects"
            )
        frame["subject_id"] = code
    labels = pd.Index(pd.unique(les["lesion_id"]))
    les["lkey"] = les["subject_id"].to_numpy() * len(labels) + labels.get_indexer(les["lesion_id"])
    mcode = labels.get_indexer(meas["lesion_id"])
    meas["lkey"] = np.where(mcode < 0, -1, meas["subject_id"].to_numpy() * len(labels) + mcode)
    subj["subject_id"] = np.arange(len(subj))
    meas = meas.drop(columns="lesion_id").merge(
        les[["lkey", "lesion_id", "role", "organ", "is_lymph_node"]], on="lkey", how="left"
    )
    unknown = meas["role"].isna()
    if unknown.any():
        row = int(meas.loc[unknown, "_row"].iloc[0])
        raise ValueError(
            f"measurements: row {row}, column lesion_id: {_measurements_label(measurements, row)!r} "
            "is not in the lesions table for that subject"
        )
    meas["start_date"] = subj["start_date"].to_numpy()[meas["subject_id"].to_numpy()]
    subj.attrs["ids"] = ids
    subj.attrs["labels"] = labels
    tp = _timepoints(meas)
    tp = tp.merge(subj[["subject_id", "start_date"]], on="subject_id", how="left")
    window = pd.Timedelta(days=baseline_window_days)
    cand = (tp["last_scan_date"] <= tp["start_date"]) & (
        tp["last_scan_date"] >= tp["start_date"] - window
    )
    base_idx = tp[cand].groupby("subject_id")["last_scan_date"].idxmax()
    tp["is_baseline"] = False
    tp.loc[base_idx.to_numpy(), "is_baseline"] = True
    tp["is_post"] = tp["last_scan_date"] > tp["start_date"]
    meas = meas.merge(
        tp[["subject_id", "visit_key", "is_baseline", "is_post"]],
        on=["subject_id", "visit_key"],
        how="left",
    )
    dup = meas.duplicated(["visit_key", "lkey"])
    if dup.any():
        row = int(meas.loc[dup, "_row"].iloc[0])
        raise ValueError(
            f"measurements: row {row}: lesion {meas.loc[dup, 'lesion_id'].iloc[0]!r} measured twice "
            "at one timepoint"
        )
    return tp, meas, les, subj


def _measurements_label(measurements: object, row: int) -> object:
    """The lesion_id of one measurements row as given (for error messages)."""
    return _frame(measurements, "measurements")["lesion_id"].iloc[row]


def _lesion_value(meas: pd.DataFrame) -> np.ndarray:
    """Recorded value per scan: 0 when absent, 5 mm when too small to measure (§4.3.1)."""
    h = meas["h"].to_numpy(dtype=float).copy()
    status = meas["status"]
    h[(status == "absent") & np.isnan(h)] = 0.0
    h[(status == "too_small_to_measure") & np.isnan(h)] = _TOO_SMALL
    h[status == "not_evaluated"] = np.nan
    return h


def _baseline_issues(
    tp: pd.DataFrame,
    meas: pd.DataFrame,
    les: pd.DataFrame,
    subj: pd.DataFrame,
    radiotherapy: object | None,
) -> pd.DataFrame:
    out = subj[["subject_id"]].drop_duplicates().copy()
    base = tp[tp["is_baseline"]][["subject_id", "last_scan_date"]]
    out = out.merge(
        base.rename(columns={"last_scan_date": "baseline_date"}), on="subject_id", how="left"
    )
    targets = les[les["role"] == "target"].copy()
    targets["organ_group"] = np.where(
        targets["is_lymph_node"], "lymph node", targets["organ"].astype(str)
    )
    bm = meas[meas["is_baseline"] & (meas["role"] == "target")][["lkey", "h"]]
    targets = targets.merge(bm, on="lkey", how="left")
    msgs: list[pd.Series] = []
    n_t = targets.groupby("subject_id").size()
    msgs.append(n_t[n_t > 5].astype(str) + " target lesions (RECIST 1.1 §3.3: at most 5)")
    per_organ = targets.groupby(["subject_id", "organ_group"]).size()
    over = per_organ[per_organ > 2].reset_index()
    msgs.append(
        over.assign(
            m=over[0].astype(str) + " targets in " + over["organ_group"] + " (at most 2 per organ)"
        )
        .groupby("subject_id")["m"]
        .agg("; ".join)
    )
    small = targets[
        targets["h"].notna()
        & np.where(targets["is_lymph_node"], targets["h"] < 15 * _SCALE, targets["h"] < 10 * _SCALE)
    ]
    msgs.append(
        small.assign(
            m="target "
            + small["lesion_id"]
            + " "
            + _fmt(_mm(small["h"]).set_axis(small.index))
            + " mm below "
            + np.where(small["is_lymph_node"], "15 mm short axis (node)", "10 mm")
            + " (§3.1.1)"
        )
        .groupby("subject_id")["m"]
        .agg("; ".join)
    )
    unmeasured = targets[targets["h"].isna()]
    msgs.append(
        unmeasured.assign(m="target " + unmeasured["lesion_id"] + " has no baseline measurement")
        .groupby("subject_id")["m"]
        .agg("; ".join)
    )
    if radiotherapy is not None:
        rt = _frame(radiotherapy, "radiotherapy")
        _require(rt, "radiotherapy", ["subject_id", "target", "start_date"])
        rt["subject_id"] = subj.attrs["ids"].get_indexer(rt["subject_id"].astype(str))
        rt["start_date"] = _dates(rt, "radiotherapy", "start_date")
        rt = rt.assign(lesion_id=rt["target"].astype(str).str.split(";")).explode("lesion_id")
        rt["lesion_id"] = rt["lesion_id"].str.strip()
        labels = subj.attrs["labels"]
        code = labels.get_indexer(rt["lesion_id"])
        rt["lkey"] = np.where(code < 0, -1, rt["subject_id"] * len(labels) + code)
        rt = rt[(code >= 0) & (rt["subject_id"] >= 0)]
        hit = targets.merge(rt[["lkey", "start_date"]], on="lkey")
        hit = hit.merge(out[["subject_id", "baseline_date"]], on="subject_id")
        hit = hit[hit["start_date"] < hit["baseline_date"]]
        msgs.append(
            hit.assign(
                m="target "
                + hit["lesion_id"]
                + " irradiated before baseline (§3.1.3: measurable only if it progressed after RT)"
            )
            .groupby("subject_id")["m"]
            .agg("; ".join)
        )
    nobase = out.loc[out["baseline_date"].isna(), "subject_id"]
    msgs.append(
        pd.Series("no baseline assessment within the baseline window", index=nobase.to_numpy())
    )
    joined = (
        pd.concat([m for m in msgs if len(m)], axis=0)
        if any(len(m) for m in msgs)
        else pd.Series(dtype=str)
    )
    issues = joined.groupby(level=0).agg("; ".join) if len(joined) else pd.Series(dtype=str)
    out["issues"] = out["subject_id"].map(issues).fillna("")
    return out.reset_index(drop=True)


def timepoint_responses(
    lesions: object,
    measurements: object,
    subjects: object,
    radiotherapy: object | None = None,
    *,
    baseline_window_days: int = 28,
    pr_persistence: bool = False,
    confirm_min_days: int = 28,
) -> pd.DataFrame:
    """Timepoint response per subject and post-baseline assessment (RECIST 1.1 §4.3, Tables 1-2).

    Returns one row per subject_id x assessment_date with ``visit``, ``assessment_date`` (the last
    scan date of the timepoint; for PD the first scan date showing progression),
    ``first_scan_date``, ``last_scan_date``, ``baseline_sum_mm``, ``sum_diameters_mm``,
    ``nadir_mm``, ``pct_from_baseline``, ``pct_from_nadir``, ``target_response``,
    ``non_target_response``, ``new_lesions`` (none / equivocal / unequivocal),
    ``overall_response``, ``baseline_issues`` (see :func:`check_baseline`) and ``reason``.

    ``pr_persistence=True`` keeps a target SD as PR once a PR was confirmed (a PR or CR at least
    ``confirm_min_days`` after the first one), as the EORTC RECIST 1.1 clarifications do; the
    default judges every timepoint on its own (§4.3.1).
    """
    tp, meas, les, subj = _prepare(lesions, measurements, subjects, baseline_window_days)
    issues = _baseline_issues(tp, meas, les, subj, radiotherapy)
    meas["v"] = _lesion_value(meas)
    keys = ["subject_id", "visit_key"]
    n_target = les[les["role"] == "target"].groupby("subject_id").size()
    n_nt = les[les["role"] == "non_target"].groupby("subject_id").size()

    # ---- baseline sums (targets measured at the baseline timepoint) ----
    bt = meas[meas["is_baseline"] & (meas["role"] == "target")]
    base = bt.groupby("subject_id").agg(b_sum=("v", "sum"), b_n=("v", "count"))

    post = tp[tp["is_post"]].copy()
    post["n_target"] = post["subject_id"].map(n_target).fillna(0).astype(int)
    post["n_nt"] = post["subject_id"].map(n_nt).fillna(0).astype(int)
    post = post.merge(base, left_on="subject_id", right_index=True, how="left")
    post = post.merge(
        issues[["subject_id", "baseline_date", "issues"]], on="subject_id", how="left"
    )
    baseline_ok = post["baseline_date"].notna() & (post["b_n"].fillna(0) == post["n_target"])

    # ---- target lesions (§4.3.1-4.3.2) ----
    pt = meas[meas["is_post"] & (meas["role"] == "target")].copy()
    pt["nonnodal_pos"] = (~pt["is_lymph_node"]) & (pt["v"] > 0)
    pt["node_path"] = pt["is_lymph_node"] & (pt["v"] >= _NODE_NORMAL)
    tg = pt.groupby(keys).agg(
        s=("v", "sum"),
        n=("v", "count"),
        first_t=("assessment_date", "min"),
        nonnodal_pos=("nonnodal_pos", "any"),
        node_path=("node_path", "any"),
    )
    post = post.merge(tg, left_on=keys, right_index=True, how="left")
    post["n"] = post["n"].fillna(0).astype(int)
    post["s"] = post["s"].where(post["n"] > 0)
    has_targets = post["n_target"] > 0
    complete = has_targets & (post["n"] == post["n_target"]) & baseline_ok
    s = post["s"].to_numpy(dtype=float)
    b = post["b_sum"].to_numpy(dtype=float)
    sc = np.where(complete, s, np.inf)
    post["_sc"] = sc
    post["_cm"] = post.groupby("subject_id")["_sc"].cummin()
    prev_min = post.groupby("subject_id")["_cm"].shift(1).fillna(np.inf)
    nadir = np.minimum(b, prev_min.to_numpy())
    post["nadir"] = nadir
    with np.errstate(invalid="ignore"):
        d_nadir = s - nadir
        pd_t = (
            has_targets.to_numpy()
            & baseline_ok.to_numpy()
            & (post["n"].to_numpy() > 0)
            & (d_nadir >= 5 * _SCALE)
            & (100 * d_nadir >= 20 * nadir)
        )
        cr_t = complete.to_numpy() & ~_flag(post["nonnodal_pos"]) & ~_flag(post["node_path"])
        pr_t = complete.to_numpy() & (100 * s <= 70 * b)
    target = np.select(
        [~has_targets.to_numpy(), pd_t, ~complete.to_numpy(), cr_t, pr_t],
        ["NONE", "PD", "NE", "CR", "PR"],
        default="SD",
    )
    post["target_response"] = target

    # ---- non-target lesions (§4.3.3) ----
    pn = meas[meas["is_post"] & (meas["role"] == "non_target")].copy()
    status = pn["status"]
    pn["prog"] = status == "unequivocal_progression"
    pn["eval"] = status != "not_evaluated"
    pn["absent"] = (status == "absent") | (pn["is_lymph_node"] & (pn["v"] < _NODE_NORMAL))
    pn["prog_date"] = pn["assessment_date"].where(pn["prog"])
    nt = pn.groupby(keys).agg(
        nt_prog=("prog", "any"),
        nt_eval=("eval", "sum"),
        nt_absent=("absent", "sum"),
        nt_prog_date=("prog_date", "min"),
    )
    post = post.merge(nt, left_on=keys, right_index=True, how="left")
    nt_prog = _flag(post["nt_prog"])
    nt_eval = post["nt_eval"].fillna(0).to_numpy()
    nt_abs = post["nt_absent"].fillna(0).to_numpy()
    n_ntv = post["n_nt"].to_numpy()
    post["non_target_response"] = np.select(
        [n_ntv == 0, nt_prog, nt_eval < n_ntv, nt_abs == n_ntv],
        ["NONE", "PD", "NE", "CR"],
        default="NON-CR/NON-PD",
    )

    # ---- new lesions (§4.3.4); equivocal then confirmed dates PD back to its first scan ----
    pw = meas[meas["is_post"] & (meas["role"] == "new")].copy()
    pw["uneq"] = pw["status"].isin(["present", "unequivocal_progression"])
    pw["uneq_scan"] = pw["assessment_date"].where(pw["uneq"])
    pw["last_uneq"] = pw.groupby("lkey")["uneq_scan"].transform("max")
    pw["confirmed_later"] = (pw["status"] == "equivocal") & (
        pw["last_uneq"] > pw["assessment_date"]
    )
    pw["is_uneq"] = pw["uneq"] | pw["confirmed_later"]
    pw["is_eq"] = pw["status"] == "equivocal"
    pw["uneq_date"] = pw["assessment_date"].where(pw["is_uneq"])
    nw = pw.groupby(keys).agg(
        new_uneq=("is_uneq", "any"),
        new_eq=("is_eq", "any"),
        new_confirmed=("confirmed_later", "any"),
        new_date=("uneq_date", "min"),
    )
    post = post.merge(nw, left_on=keys, right_index=True, how="left")
    new_uneq = _flag(post["new_uneq"])
    new_eq = _flag(post["new_eq"])
    post["new_lesions"] = np.select(
        [new_uneq, new_eq], ["unequivocal", "equivocal"], default="none"
    )

    # ---- overall response (Tables 1 and 2) ----
    nt_r = post["non_target_response"].to_numpy()
    overall = np.select(
        [
            new_uneq | (target == "PD") | (nt_r == "PD"),
            ~baseline_ok.to_numpy(),
            (target == "NONE") & (nt_r == "NONE"),
            (target == "NONE") & (nt_r == "CR"),
            (target == "NONE") & (nt_r == "NE"),
            target == "NONE",
            target == "NE",
            (target == "CR") & np.isin(nt_r, ["CR", "NONE"]),
            target == "CR",
        ],
        ["PD", "NE", "NE", "CR", "NE", "NON-CR/NON-PD", "NE", "CR", "PR"],
        default=target,
    )
    if pr_persistence:
        persists = _persisting_pr(post, target, confirm_min_days)
        target = np.where(persists, "PR", target)
        post["target_response"] = target
        overall = np.where(persists & (overall == "SD"), "PR", overall)
    post["overall_response"] = overall

    # ---- dates: response date = last scan; PD date = first scan showing progression ----
    pd_dates = pd.concat(
        [
            post["first_t"].where(pd.Series(target == "PD", index=post.index)),
            post["nt_prog_date"],
            post["new_date"],
        ],
        axis=1,
    ).min(axis=1)
    post["assessment_date"] = post["last_scan_date"].where(overall != "PD", pd_dates)

    # ---- numbers and reasons ----
    post["sum_diameters_mm"] = (post["s"] / _SCALE).where(post["n"] > 0)
    post["baseline_sum_mm"] = post["b_sum"] / _SCALE
    post["nadir_mm"] = pd.Series(nadir / _SCALE, index=post.index).where(baseline_ok & has_targets)
    with np.errstate(invalid="ignore", divide="ignore"):
        post["pct_from_baseline"] = np.where(complete, 100 * (s - b) / b, np.nan)
        post["pct_from_nadir"] = np.where(
            has_targets & (post["n"] > 0),
            np.where(nadir > 0, 100 * d_nadir / nadir, np.inf),
            np.nan,
        )
        post.loc[(post["n"] > 0) & (d_nadir == 0), "pct_from_nadir"] = 0.0
    post["reason"] = _reasons(post, d_nadir)
    post["baseline_issues"] = post["issues"].fillna("")
    cols = [
        "subject_id",
        "visit",
        "assessment_date",
        "first_scan_date",
        "last_scan_date",
        "baseline_sum_mm",
        "sum_diameters_mm",
        "nadir_mm",
        "pct_from_baseline",
        "pct_from_nadir",
        "target_response",
        "non_target_response",
        "new_lesions",
        "overall_response",
        "baseline_issues",
        "reason",
    ]
    post["visit"] = _iso(post["visit_key"]) if "visit" not in meas.columns else post["visit_key"]
    post = post[cols].sort_values(["subject_id", "last_scan_date"], kind="stable")
    post["subject_id"] = subj.attrs["ids"].take(post["subject_id"].to_numpy())
    return post.reset_index(drop=True)


_TWO_DIGITS = np.array([f"{i:02d}" for i in range(100)], dtype=object)


def _text_hundredths(h: np.ndarray, signed: bool = False) -> np.ndarray:
    """Integer hundredths of a mm as text with two decimals (vectorised integer formatting)."""
    v = np.asarray(h, dtype=float)
    ok = np.isfinite(v)
    iv = np.where(ok, np.abs(v), 0).astype(np.int64)
    text = (iv // 100).astype(str).astype(object) + "." + _TWO_DIGITS[iv % 100]
    sign = np.where(v < 0, "-", "+" if signed else "").astype(object)
    return np.where(ok, sign + text, "NA")


def _reasons(post: pd.DataFrame, d_nadir: np.ndarray) -> pd.Series:
    """Why each timepoint got its response, built only for the rows each wording applies to."""
    tr = post["target_response"].to_numpy()
    s = post["s"].to_numpy(dtype=float)
    b = post["b_sum"].to_numpy(dtype=float)
    nadir = post["nadir"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct_b = np.round(10_000 * (s - b) / b)  # hundredths of a percent
        pct_n = np.where(nadir > 0, np.round(10_000 * d_nadir / nadir), np.nan)
    tdetail = np.full(len(post), "no target lesions", dtype=object)
    pdm = tr == "PD"
    tdetail[pdm] = (
        "target PD: sum "
        + _text_hundredths(s[pdm])
        + " mm, "
        + _text_hundredths(pct_n[pdm], signed=True)
        + " % and "
        + _text_hundredths(d_nadir[pdm], signed=True)
        + " mm vs nadir "
        + _text_hundredths(nadir[pdm])
        + " mm"
    )
    partial = (tr == "NE") & (post["n"] < post["n_target"]).to_numpy()
    tdetail[partial] = (
        "target NE: "
        + post["n"].to_numpy()[partial].astype(str).astype(object)
        + " of "
        + post["n_target"].to_numpy()[partial].astype(str).astype(object)
        + " targets assessed and the measured sum does not prove PD"
    )
    tdetail[(tr == "NE") & ~partial] = "target NE: no valid baseline"
    tdetail[tr == "CR"] = "target CR: non-nodal targets 0 mm, nodal targets < 10 mm"
    rest = np.isin(tr, ["PR", "SD"])
    tdetail[rest] = (
        "target "
        + tr[rest].astype(object)
        + ": sum "
        + _text_hundredths(s[rest])
        + " mm, "
        + _text_hundredths(pct_b[rest], signed=True)
        + " % vs baseline "
        + _text_hundredths(b[rest])
        + " mm, "
        + _text_hundredths(pct_n[rest], signed=True)
        + " % vs nadir "
        + _text_hundredths(nadir[rest])
        + " mm"
    )
    confirmed = np.where(
        _flag(post["new_confirmed"]), " (equivocal, confirmed at a later scan)", ""
    )
    lead = np.where(
        post["baseline_date"].isna().to_numpy(),
        "NE: no baseline assessment within the baseline window",
        post["overall_response"].to_numpy().astype(object),
    )
    text = (
        lead
        + ": "
        + tdetail
        + "; non-target "
        + post["non_target_response"].to_numpy().astype(object)
        + "; new lesions "
        + post["new_lesions"].to_numpy().astype(object)
        + confirmed.astype(object)
        + " at "
        + _iso(post["assessment_date"]).to_numpy()
    )
    return pd.Series(text, index=post.index)


def _persisting_pr(post: pd.DataFrame, target: np.ndarray, confirm_min_days: int) -> np.ndarray:
    """Target SD after a confirmed PR (a PR or CR at least ``confirm_min_days`` after the first PR
    or CR) stays PR: EORTC RECIST 1.1 clarification "managing PR when measurements change
    slightly" (change judged from the nadir, so 100 -> 70 -> 70 -> 80 stays PR)."""
    day = (post["last_scan_date"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
    resp = np.isin(target, ["PR", "CR"])
    groups = post["subject_id"].to_numpy()
    first = pd.Series(np.where(resp, day, np.inf)).groupby(groups).cummin().to_numpy()
    confirming = resp & (day - first >= confirm_min_days)
    confirmed_at = pd.Series(np.where(confirming, day, np.inf)).groupby(groups).cummin().to_numpy()
    return (target == "SD") & np.isfinite(confirmed_at)


def _seen_before(flag: np.ndarray, groups: pd.Series) -> np.ndarray:
    """True where an earlier row of the same group (rows sorted by date) had ``flag``."""
    counts = pd.Series(flag.astype(int)).groupby(groups.to_numpy()).cumsum().to_numpy()
    return (counts - flag.astype(int)) > 0


_RANK = {"CR": 5, "PR": 4, "SD": 3, "NON-CR/NON-PD": 2, "PD": 1, "NE": 0}


def best_overall_response(
    responses: object,
    subjects: object,
    confirm: bool = True,
    confirm_min_days: int = 28,
    sd_min_days: int = 42,
    max_ne_between: int = 1,
    *,
    accept_sd_between_pr: bool = False,
    cr_then_pr_is_pd: bool = False,
) -> pd.DataFrame:
    """Best overall response per subject (RECIST 1.1 §4.4.1-§4.4.3, Table 3).

    ``responses`` holds subject_id, assessment_date, overall_response (CR / PR / SD /
    NON-CR/NON-PD / PD / NE), e.g. the output of :func:`timepoint_responses`. Assessments on or
    before day 1 and after the first PD are ignored (§4.4.1).

    * Unconfirmed (``confirm=False``): the best of CR > PR > SD > NON-CR/NON-PD > PD > NE, where SD
      and NON-CR/NON-PD count only at ≥ ``sd_min_days`` after day 1 (§4.4.1 minimum duration).
    * Confirmed (§4.4.3, Table 3): a CR (PR) is confirmed by a later CR (CR or PR) at least
      ``confirm_min_days`` later with at most ``max_ne_between`` NE between and nothing else between
      (SD between PRs allowed with ``accept_sd_between_pr``). An unconfirmed CR/PR counts as SD if
      the SD minimum is met. ``cr_then_pr_is_pd`` applies Table 3 footnote (a) strictly: any PR or
      SD after a CR is progression (disease reappeared).

    Result: one row per subject with ``bor``, ``bor_date`` (date the best response criteria were
    first met; first PD; NaT for NE) and ``reason``.
    """
    rs = _frame(responses, "responses")
    subj = _frame(subjects, "subjects")
    _require(rs, "responses", ["subject_id", "assessment_date", "overall_response"])
    _require(subj, "subjects", ["subject_id", "start_date"])
    rs["subject_id"] = rs["subject_id"].astype(str)
    subj["subject_id"] = subj["subject_id"].astype(str)
    rs["assessment_date"] = _dates(rs, "responses", "assessment_date")
    subj["start_date"] = _dates(subj, "subjects", "start_date")
    bad = ~rs["overall_response"].isin(list(_RANK))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"responses: row {row}, column overall_response: {rs['overall_response'].iloc[row]!r} "
            f"not in {list(_RANK)}"
        )
    rs = rs.merge(subj[["subject_id", "start_date"]], on="subject_id", how="inner")
    rs = rs[rs["assessment_date"] > rs["start_date"]]
    rs = rs.sort_values(["subject_id", "assessment_date"], kind="stable").reset_index(drop=True)
    resp = rs["overall_response"].to_numpy().astype(object)
    if cr_then_pr_is_pd:
        had_cr = _seen_before(resp == "CR", rs["subject_id"])
        resp = np.where(had_cr & np.isin(resp, ["PR", "SD"]), "PD", resp)
        rs["overall_response"] = resp
    rs = rs[~_seen_before(resp == "PD", rs["subject_id"])].reset_index(drop=True)
    rs["i"] = rs.groupby("subject_id").cumcount()
    days = (rs["assessment_date"] - rs["start_date"]).dt.days.to_numpy()
    r = rs["overall_response"].to_numpy()

    out = subj[["subject_id", "start_date"]].drop_duplicates("subject_id").copy()
    cand = pd.DataFrame(
        {"subject_id": rs["subject_id"], "date": rs["assessment_date"], "resp": r, "days": days}
    )
    found: list[pd.DataFrame] = []

    if confirm:
        pairs = _confirmed(rs, confirm_min_days, max_ne_between, accept_sd_between_pr)
        for cat in ("CR", "PR"):
            c = pairs[pairs["cat"] == cat]
            found.append(
                c.assign(
                    bor=cat,
                    rank=_RANK[cat],
                    reason=cat
                    + " at "
                    + _iso(c["date"])
                    + " confirmed by "
                    + c["resp2"]
                    + " at "
                    + _iso(c["date2"])
                    + " ("
                    + c["gap"].astype(str)
                    + " days later, RECIST 1.1 §4.4.3)",
                )[["subject_id", "date", "bor", "rank", "reason"]]
            )
    else:
        for cat in ("CR", "PR"):
            c = cand[cand["resp"] == cat]
            found.append(
                c.assign(
                    bor=cat,
                    rank=_RANK[cat],
                    reason=cat + " at " + _iso(c["date"]) + " (unconfirmed)",
                )[["subject_id", "date", "bor", "rank", "reason"]]
            )
    sd_ok = cand[
        cand["resp"].isin(["CR", "PR", "SD", "NON-CR/NON-PD"]) & (cand["days"] >= sd_min_days)
    ]
    sd_cat = np.where(sd_ok["resp"] == "NON-CR/NON-PD", "NON-CR/NON-PD", "SD")
    unconf = np.where(
        np.isin(sd_ok["resp"], ["CR", "PR"]), " (" + sd_ok["resp"] + " not confirmed)", ""
    )
    found.append(
        sd_ok.assign(
            bor=sd_cat,
            rank=np.where(sd_cat == "SD", _RANK["SD"], _RANK["NON-CR/NON-PD"]),
            reason=sd_cat
            + unconf
            + ": "
            + sd_ok["resp"]
            + " at "
            + _iso(sd_ok["date"])
            + ", day "
            + sd_ok["days"].astype(str)
            + " ≥ "
            + str(sd_min_days)
            + " (minimum SD duration, §4.4.1)",
        )[["subject_id", "date", "bor", "rank", "reason"]]
    )
    pdr = cand[cand["resp"] == "PD"]
    found.append(
        pdr.assign(
            bor="PD",
            rank=_RANK["PD"],
            reason="PD at "
            + _iso(pdr["date"])
            + " before any response or SD meeting its minimum duration",
        )[["subject_id", "date", "bor", "rank", "reason"]]
    )
    allc = pd.concat(found, ignore_index=True)
    allc = allc.sort_values(
        ["subject_id", "rank", "date"], ascending=[True, False, True], kind="stable"
    )
    best = allc.drop_duplicates("subject_id")
    out = out.merge(best[["subject_id", "bor", "date", "reason"]], on="subject_id", how="left")
    n_post = cand.groupby("subject_id").size()
    none = out["bor"].isna()
    out.loc[none, "reason"] = np.where(
        out.loc[none, "subject_id"].map(n_post).fillna(0) > 0,
        "NE: no response, no SD at or after day " + str(sd_min_days) + " and no PD",
        "NE: no post-baseline assessment",
    )
    out["bor"] = out["bor"].fillna("NE")
    out = out.rename(columns={"date": "bor_date"})
    return out[["subject_id", "bor", "bor_date", "reason"]].reset_index(drop=True)


def _confirmed(
    rs: pd.DataFrame, confirm_min_days: int, max_ne_between: int, accept_sd_between_pr: bool
) -> pd.DataFrame:
    """All (first, confirming) assessment pairs that confirm a CR or a PR (Table 3)."""
    base = rs[["subject_id", "i", "assessment_date", "overall_response"]]
    first = base[base["overall_response"].isin(["CR", "PR"])]
    pairs = first.merge(base, on="subject_id", suffixes=("", "2"))
    pairs = pairs[pairs["i2"] > pairs["i"]]
    pairs["gap"] = (pairs["assessment_date2"] - pairs["assessment_date"]).dt.days
    ok_second = np.where(
        pairs["overall_response"] == "CR",
        pairs["overall_response2"] == "CR",
        pairs["overall_response2"].isin(["CR", "PR"]),
    )
    pairs = pairs[ok_second & (pairs["gap"] >= confirm_min_days)]
    # what lies strictly between the two assessments
    r = base["overall_response"].to_numpy()
    sid = base["subject_id"].to_numpy()
    ne_cum = pd.Series(r == "NE").groupby(sid).cumsum().to_numpy()
    allowed_cr = np.isin(r, ["CR", "NE"])
    allowed_pr = np.isin(
        r, ["CR", "PR", "NE", "SD"] if accept_sd_between_pr else ["CR", "PR", "NE"]
    )
    bad_cr_cum = pd.Series(~allowed_cr).groupby(sid).cumsum().to_numpy()
    bad_pr_cum = pd.Series(~allowed_pr).groupby(sid).cumsum().to_numpy()
    row_of = pairs.merge(
        base[["subject_id", "i"]].reset_index(), on=["subject_id", "i"], how="left"
    )["index"].to_numpy()
    row2 = row_of + (pairs["i2"].to_numpy() - pairs["i"].to_numpy())
    # counts over rows (row_of, row2) exclusive = cum[row2 - 1] - cum[row_of]
    ne_between = ne_cum[row2 - 1] - ne_cum[row_of]
    bad_cr = bad_cr_cum[row2 - 1] - bad_cr_cum[row_of]
    bad_pr = bad_pr_cum[row2 - 1] - bad_pr_cum[row_of]
    is_cr = pairs["overall_response"].to_numpy() == "CR"
    keep = (ne_between <= max_ne_between) & np.where(is_cr, bad_cr == 0, bad_pr == 0)
    pairs = pairs[keep]
    pairs = pairs.sort_values(["subject_id", "i", "i2"]).drop_duplicates(["subject_id", "i"])
    return pd.DataFrame(
        {
            "subject_id": pairs["subject_id"].to_numpy(),
            "date": pairs["assessment_date"].to_numpy(),
            "cat": pairs["overall_response"].to_numpy(),
            "resp2": pairs["overall_response2"].to_numpy(),
            "date2": pairs["assessment_date2"].to_numpy(),
            "gap": pairs["gap"].to_numpy(),
        }
    )


def response_disagreements(derived: object, reported: object) -> pd.DataFrame:
    """QC listing: every timepoint where the derived overall response and the reported one
    (``responses`` table: subject_id, assessment_date, overall_response, optional assessor)
    differ, or where only one of them exists. Matched on subject_id and assessment_date."""
    der = _frame(derived, "derived")
    rep = _frame(reported, "responses")
    for frame, name in ((der, "derived"), (rep, "responses")):
        _require(frame, name, ["subject_id", "assessment_date", "overall_response"])
        frame["subject_id"] = frame["subject_id"].astype(str)
        frame["assessment_date"] = _dates(frame, name, "assessment_date")
    keep = ["subject_id", "assessment_date", "overall_response"]
    extra = ["assessor"] if "assessor" in rep.columns else []
    both = der[[*keep, *(["reason"] if "reason" in der.columns else [])]].merge(
        rep[keep + extra],
        on=["subject_id", "assessment_date"],
        how="outer",
        suffixes=("_derived", "_reported"),
        indicator=True,
    )
    differ = both["overall_response_derived"] != both["overall_response_reported"]
    out = both[differ].copy()
    out["issue"] = np.select(
        [out["_merge"] == "left_only", out["_merge"] == "right_only"],
        ["derived only (no reported response at this date)", "reported only (no scans derive it)"],
        default="responses differ",
    )
    out = out.drop(columns="_merge").sort_values(["subject_id", "assessment_date"])
    return out.reset_index(drop=True)
