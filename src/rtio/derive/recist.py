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
* best overall response with or without confirmation (§4.4, Table 3; :mod:`rtio.derive.recist_bor`).

Own code rather than a library: no maintained Python package derives RECIST 1.1 from measurements,
and the boundaries must be decided exactly. Diameters are held as integer hundredths of a
millimetre and every threshold is an integer cross-multiplication (100·S ≤ 70·B for PR,
100·(S − nadir) ≥ 20·nadir for PD), so an exact −30 % or +20 % is never flipped by rounding.
The derivation works on integer-coded columns (:mod:`rtio.derive.recist_input`) with one
``bincount`` / ``ufunc.at`` pass per aggregate and builds the reason text in polars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from rtio.derive.recist_bor import best_overall_response, response_disagreements
from rtio.derive.recist_input import (
    ABSENT,
    EQUIVOCAL,
    NEW,
    NODE_NORMAL,
    NON_TARGET,
    NOT_EVALUATED,
    PRESENT,
    SCALE,
    TARGET,
    UNEQUIVOCAL,
    Coded,
    as_dates,
    code_study,
)
from rtio.frames import FrameLike, as_frame, read_dates, require_columns
from rtio.vocabulary import BASELINE_WINDOW_DAYS, CONFIRM_MIN_DAYS, NewLesions, ResponseCode

__all__ = [
    "best_overall_response",
    "check_baseline",
    "response_disagreements",
    "timepoint_responses",
]

RESPONSES = ResponseCode.labels()
"""Target, non-target and overall timepoint responses, indexed by :class:`ResponseCode`."""
NONE, PD, NE, CR, PR, SD, NON_CR_NON_PD = (
    int(code)
    for code in (
        ResponseCode.NONE,
        ResponseCode.PD,
        ResponseCode.NE,
        ResponseCode.CR,
        ResponseCode.PR,
        ResponseCode.SD,
        ResponseCode.NON_CR_NON_PD,
    )
)
NEW_LESIONS = NewLesions.values()
_STRING_DTYPE = pd.Series(["text"]).dtype != object
"""pandas stores text in its own string dtype (pandas 3) rather than as Python objects."""


def _text(labels: tuple[str, ...], codes: np.ndarray) -> pd.Index:
    """Labels of integer codes (one take: no per-row strings are built)."""
    return pd.Index(list(labels)).take(codes)


def check_baseline(
    lesions: FrameLike,
    measurements: FrameLike,
    subjects: FrameLike,
    radiotherapy: FrameLike | None = None,
    *,
    baseline_window_days: int = BASELINE_WINDOW_DAYS,
) -> pd.DataFrame:
    """Baseline conformity per subject (RECIST 1.1 §3.2-§3.3, EORTC clarifications).

    One row per subject with ``baseline_date`` and ``issues`` (``""`` when conforming): no
    baseline scan within ``baseline_window_days`` before day 1; more than 5 target lesions or
    more than 2 per organ (all lymph nodes together are one organ); a non-nodal target < 10 mm or
    a nodal target short axis < 15 mm; a target without a baseline measurement; a target lesion
    irradiated before baseline (§3.1.3: not measurable unless it progressed after radiotherapy;
    flagged for review).
    """
    study = code_study(lesions, measurements, subjects, baseline_window_days)
    issues = _baseline_issues(study, radiotherapy)
    return pd.DataFrame(
        {
            "subject_id": study.ids.to_numpy(dtype=object),
            "baseline_date": as_dates(study.baseline_day),
            "issues": issues,
        }
    )


def _fmt(values: np.ndarray) -> pd.Series:
    """Numbers as text rounded to 0.01 (``NA`` when missing)."""
    v = pd.Series(values, dtype=float).round(2)
    return v.astype(str).where(v.notna(), "NA")


def _baseline_issues(study: Coded, radiotherapy: FrameLike | None) -> np.ndarray:
    """Baseline problems per subject ("; "-joined text, "" when none), in subjects order."""
    les = study.lesions
    scans = study.scans
    at_base = study.timepoints["is_baseline"].to_numpy()[scans["tp"]]
    base_h = np.full(len(les), np.nan)
    base_h[scans["lesion"][at_base]] = scans["h"][at_base]
    targets = les[les["role"] == TARGET].assign(h=base_h[les["role"].to_numpy() == TARGET])
    node = targets["is_lymph_node"].to_numpy()
    targets["organ_group"] = np.where(node, "lymph node", targets["organ"].astype(str))
    msgs: list[pd.Series] = []
    n_t = targets.groupby("sid").size()
    msgs.append(n_t[n_t > 5].astype(str) + " target lesions (RECIST 1.1 §3.3: at most 5)")
    per_organ = targets.groupby(["sid", "organ_group"]).size()
    over = per_organ[per_organ > 2].reset_index()
    msgs.append(
        (over[0].astype(str) + " targets in " + over["organ_group"] + " (at most 2 per organ)")
        .groupby(over["sid"].to_numpy())
        .agg("; ".join)
    )
    h = targets["h"].to_numpy()
    with np.errstate(invalid="ignore"):
        small = ~np.isnan(h) & np.where(node, h < 15 * SCALE, h < 10 * SCALE)
    sm = targets[small]
    msgs.append(
        (
            "target "
            + sm["lesion_id"]
            + " "
            + _fmt(sm["h"].to_numpy() / SCALE).set_axis(sm.index)
            + " mm below "
            + np.where(sm["is_lymph_node"], "15 mm short axis (node)", "10 mm")
            + " (§3.1.1)"
        )
        .groupby(sm["sid"].to_numpy())
        .agg("; ".join)
    )
    un = targets[np.isnan(h)]
    msgs.append(
        ("target " + un["lesion_id"] + " has no baseline measurement")
        .groupby(un["sid"].to_numpy())
        .agg("; ".join)
    )
    if radiotherapy is not None:
        msgs.append(_irradiated_targets(study, targets, radiotherapy))
    nobase = np.flatnonzero(np.isnan(study.baseline_day))
    msgs.append(pd.Series("no baseline assessment within the baseline window", index=nobase))
    found = [m for m in msgs if len(m)]
    out = np.full(len(study.ids), "", dtype=object)
    if found:
        joined = pd.concat(found, axis=0)
        issues = joined.groupby(level=0).agg("; ".join)
        out[issues.index.to_numpy(dtype=np.int64)] = issues.to_numpy()
    return out


def _irradiated_targets(study: Coded, targets: pd.DataFrame, radiotherapy: FrameLike) -> pd.Series:
    """Targets irradiated before the baseline scan (RECIST 1.1 §3.1.3), text per subject."""
    rt = as_frame(radiotherapy, "radiotherapy")
    require_columns(rt, "radiotherapy", ["subject_id", "target", "start_date"])
    rt["sid"] = study.ids.get_indexer(pd.Index(rt["subject_id"].astype(str)))
    rt["day"] = read_dates(rt, "radiotherapy", "start_date").to_numpy().astype("datetime64[D]")
    rt = rt.assign(lesion_id=rt["target"].astype(str).str.split(";")).explode("lesion_id")
    rt["lesion_id"] = rt["lesion_id"].str.strip()
    hit = targets.merge(
        rt.loc[rt["sid"] >= 0, ["sid", "lesion_id", "day"]], on=["sid", "lesion_id"]
    )
    base = as_dates(study.baseline_day[hit["sid"].to_numpy()]).astype("datetime64[D]")
    hit = hit[hit["day"].to_numpy() < base]
    return (
        (
            "target "
            + hit["lesion_id"]
            + " irradiated before baseline (§3.1.3: measurable only if it progressed after RT)"
        )
        .groupby(hit["sid"].to_numpy())
        .agg("; ".join)
    )


def _count(group: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(group[mask], minlength=size)


def _earliest(group: np.ndarray, day: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """Smallest day per group among ``mask`` rows (inf when none)."""
    out = np.full(size, np.inf)
    np.minimum.at(out, group[mask], day[mask])
    return out


def timepoint_responses(
    lesions: FrameLike,
    measurements: FrameLike,
    subjects: FrameLike,
    radiotherapy: FrameLike | None = None,
    *,
    baseline_window_days: int = BASELINE_WINDOW_DAYS,
    pr_persistence: bool = False,
    confirm_min_days: int = CONFIRM_MIN_DAYS,
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
    study = code_study(lesions, measurements, subjects, baseline_window_days)
    issues = _baseline_issues(study, radiotherapy)
    tp = study.timepoints
    post = np.flatnonzero(tp["is_post"].to_numpy())
    sid = tp["sid"].to_numpy()[post]
    t = _target_sums(study)
    b = t["baseline_sum"][sid]
    n_target = t["n_target"][sid]
    has_targets = n_target > 0
    baseline_ok = np.isfinite(study.baseline_day[sid]) & (t["baseline_n"][sid] == n_target)
    n = t["n"][post]
    s = np.where(n > 0, t["sum"][post], np.nan)
    complete = has_targets & (n == n_target) & baseline_ok
    nadir = np.minimum(b, _previous_minimum(np.where(complete, s, np.inf), sid))
    with np.errstate(invalid="ignore"):
        d_nadir = s - nadir
        pd_t = (
            has_targets
            & baseline_ok
            & (n > 0)
            & (d_nadir >= 5 * SCALE)
            & (100 * d_nadir >= 20 * nadir)
        )
        cr_t = complete & ~t["nonnodal_pos"][post] & ~t["node_path"][post]
        pr_t = complete & (100 * s <= 70 * b)
    target = np.select([~has_targets, pd_t, ~complete, cr_t, pr_t], [NONE, PD, NE, CR, PR], SD)
    nt = _non_target(study)
    n_nt = nt["n_nt"][sid]
    nt_prog = nt["prog"][post]
    non_target = np.select(
        [n_nt == 0, nt_prog, nt["evaluated"][post] < n_nt, nt["absent"][post] == n_nt],
        [NONE, PD, NE, CR],
        NON_CR_NON_PD,
    )
    nw = _new_lesions(study)
    new_uneq, new_eq = nw["unequivocal"][post], nw["equivocal"][post]
    new = np.select(
        [new_uneq, new_eq],
        [NewLesions.UNEQUIVOCAL.code, NewLesions.EQUIVOCAL.code],
        NewLesions.NONE.code,
    )

    # ---- overall response (Tables 1 and 2) ----
    overall = np.select(
        [
            new_uneq | (target == PD) | (non_target == PD),
            ~baseline_ok,
            (target == NONE) & (non_target == NONE),
            (target == NONE) & (non_target == CR),
            (target == NONE) & (non_target == NE),
            target == NONE,
            target == NE,
            (target == CR) & np.isin(non_target, [CR, NONE]),
            target == CR,
        ],
        [PD, NE, NE, CR, NE, NON_CR_NON_PD, NE, CR, PR],
        target,
    )
    last_day = tp["last_day"].to_numpy()[post]
    if pr_persistence:
        persists = _persisting_pr(last_day, sid, target, confirm_min_days)
        target = np.where(persists, PR, target)
        overall = np.where(persists & (overall == SD), PR, overall)

    # ---- dates: response date = last scan; PD date = first scan showing progression ----
    pd_day = np.fmin.reduce(
        [
            np.where(target == PD, t["first_day"][post], np.inf),
            nt["prog_day"][post],
            nw["first_day"][post],
        ]
    )
    response_day = np.where(overall == PD, pd_day, last_day)

    with np.errstate(invalid="ignore", divide="ignore"):
        pct_b = np.where(complete, 100 * (s - b) / b, np.nan)
        pct_n = np.where(
            has_targets & (n > 0), np.where(nadir > 0, 100 * d_nadir / nadir, np.inf), np.nan
        )
    pct_n[(n > 0) & (d_nadir == 0)] = 0.0
    reason = _reasons(
        {
            "overall": overall,
            "target": target,
            "non_target": non_target,
            "new": new,
            "confirmed": nw["confirmed"][post],
            "s": s,
            "b": b,
            "nadir": nadir,
            "d_nadir": d_nadir,
            "n": n,
            "n_target": n_target,
            "no_baseline": np.isnan(study.baseline_day[sid]),
            "day": response_day,
        }
    )
    return pd.DataFrame(
        {
            "subject_id": study.ids.take(sid),
            "visit": tp["visit"].array.take(post),
            "assessment_date": as_dates(response_day),
            "first_scan_date": as_dates(tp["first_day"].to_numpy()[post]),
            "last_scan_date": as_dates(last_day),
            "baseline_sum_mm": b / SCALE,
            "sum_diameters_mm": s / SCALE,
            "nadir_mm": np.where(baseline_ok & has_targets, nadir / SCALE, np.nan),
            "pct_from_baseline": pct_b,
            "pct_from_nadir": pct_n,
            "target_response": _text(RESPONSES, target),
            "non_target_response": _text(RESPONSES, non_target),
            "new_lesions": _text(NEW_LESIONS, new),
            "overall_response": _text(RESPONSES, overall),
            "baseline_issues": pd.Index(issues).take(sid),
            "reason": reason,
        }
    )


def _target_sums(study: Coded) -> dict[str, np.ndarray]:
    """Per timepoint: sum and count of measured targets (§4.3.1: nodes by short axis, absent
    0 mm, too small 5 mm), first scan day, any non-nodal target > 0 mm, any node ≥ 10 mm; per
    subject: number of targets and the baseline sum and count (NaN when no baseline targets)."""
    sc, tp, les = study.scans, study.timepoints, study.lesions
    size = len(tp)
    g, v, day = sc["tp"], sc["value"], sc["day"]
    is_t = sc["role"] == TARGET
    measured = is_t & ~np.isnan(v)
    with np.errstate(invalid="ignore"):
        nonnodal_pos = measured & ~sc["node"] & (v > 0)
        node_path = measured & sc["node"] & (v >= NODE_NORMAL)
    total = np.bincount(g[measured], weights=v[measured], minlength=size)
    count = _count(g, measured, size)
    rows = _count(g, is_t, size)
    n_subjects = len(study.ids)
    base = np.flatnonzero(tp["is_baseline"].to_numpy())
    base_sid = tp["sid"].to_numpy()[base]
    baseline_sum = np.full(n_subjects, np.nan)
    baseline_n = np.zeros(n_subjects, dtype=np.int64)
    baseline_sum[base_sid] = np.where(rows[base] > 0, total[base], np.nan)
    baseline_n[base_sid] = count[base]
    return {
        "sum": total,
        "n": count,
        "first_day": _earliest(g, day, is_t, size),
        "nonnodal_pos": _count(g, nonnodal_pos, size) > 0,
        "node_path": _count(g, node_path, size) > 0,
        "n_target": np.bincount(les["sid"][les["role"] == TARGET], minlength=n_subjects),
        "baseline_sum": baseline_sum,
        "baseline_n": baseline_n,
    }


def _previous_minimum(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Smallest earlier value in the same group (rows sorted by group; inf for the first row):
    the nadir candidates from earlier complete timepoints (§4.3.1)."""
    running = pd.Series(values).groupby(groups).cummin().to_numpy()
    out = np.full(len(values), np.inf)
    same = np.flatnonzero(groups[1:] == groups[:-1]) + 1
    out[same] = running[same - 1]
    return out


def _non_target(study: Coded) -> dict[str, np.ndarray]:
    """Per post-baseline timepoint (§4.3.3): unequivocal progression (and its first scan day),
    number of non-targets evaluated, number absent (nodes < 10 mm count as absent)."""
    sc, tp, les = study.scans, study.timepoints, study.lesions
    size = len(tp)
    g, status = sc["tp"], sc["status"]
    nt = (sc["role"] == NON_TARGET) & tp["is_post"].to_numpy()[g]
    prog = nt & (status == UNEQUIVOCAL)
    with np.errstate(invalid="ignore"):
        absent = nt & ((status == ABSENT) | (sc["node"] & (sc["value"] < NODE_NORMAL)))
    return {
        "prog": _count(g, prog, size) > 0,
        "prog_day": _earliest(g, sc["day"], prog, size),
        "evaluated": _count(g, nt & (status != NOT_EVALUATED), size),
        "absent": _count(g, absent, size),
        "n_nt": np.bincount(les["sid"][les["role"] == NON_TARGET], minlength=len(study.ids)),
    }


def _new_lesions(study: Coded) -> dict[str, np.ndarray]:
    """Per post-baseline timepoint (§4.3.4): an unequivocal new lesion (present, or equivocal
    and shown to be present at a later scan, which dates PD back to the first scan), an
    equivocal one, and the first day of an unequivocal one."""
    sc, tp = study.scans, study.timepoints
    size = len(tp)
    g, status, day, lesion = sc["tp"], sc["status"], sc["day"], sc["lesion"]
    new = (sc["role"] == NEW) & tp["is_post"].to_numpy()[g]
    uneq = new & ((status == PRESENT) | (status == UNEQUIVOCAL))
    last_uneq = np.full(len(study.lesions), -np.inf)
    np.maximum.at(last_uneq, lesion[uneq], day[uneq])
    equivocal = new & (status == EQUIVOCAL)
    confirmed_later = equivocal & (last_uneq[lesion] > day)
    is_uneq = uneq | confirmed_later
    return {
        "unequivocal": _count(g, is_uneq, size) > 0,
        "equivocal": _count(g, equivocal, size) > 0,
        "confirmed": _count(g, confirmed_later, size) > 0,
        "first_day": _earliest(g, day, is_uneq, size),
    }


def _hundredths_text(column: str, signed: bool = False) -> pl.Expr:
    """Integer hundredths as text with two decimals ("NA" when not finite)."""
    x = pl.col(column)
    whole = x.abs().cast(pl.Int64, strict=False)
    digits = pl.concat_str(
        [(whole // 100).cast(pl.String), (whole % 100 + 100).cast(pl.String).str.slice(1)],
        separator=".",
    )
    sign = pl.when(x < 0).then(pl.lit("-")).otherwise(pl.lit("+" if signed else ""))
    return pl.when(x.is_finite()).then(pl.concat_str([sign, digits])).otherwise(pl.lit("NA"))


def _reasons(c: dict[str, np.ndarray]) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """Why each timepoint got its response, e.g. "PD: target PD: sum 42.00 mm, +23.53 % and
    +8.00 mm vs nadir 34.00 mm; non-target NON-CR/NON-PD; new lesions none at 2024-03-02"."""
    s, b, nadir, d_nadir = c["s"], c["b"], c["nadir"], c["d_nadir"]
    if not len(s):
        return np.array([], dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct_b = np.round(10_000 * (s - b) / b)  # hundredths of a percent
        pct_n = np.where(nadir > 0, np.round(10_000 * d_nadir / nadir), np.nan)
    frame_ = pl.DataFrame(
        {
            "overall": np.array(RESPONSES, dtype=object)[c["overall"]],
            "tr": np.array(RESPONSES, dtype=object)[c["target"]],
            "ntr": np.array(RESPONSES, dtype=object)[c["non_target"]],
            "new": np.array(NEW_LESIONS, dtype=object)[c["new"]],
            "confirmed": c["confirmed"],
            "s": s,
            "b": b,
            "nadir": nadir,
            "d_nadir": d_nadir,
            "pct_b": pct_b,
            "pct_n": pct_n,
            "n": c["n"],
            "n_target": c["n_target"],
            "no_baseline": c["no_baseline"],
            "date": as_dates(c["day"]).astype("datetime64[D]"),
        }
    )
    frame_ = frame_.with_columns(
        _hundredths_text("s").alias("s_text"),
        _hundredths_text("b").alias("b_text"),
        _hundredths_text("nadir").alias("nadir_text"),
        _hundredths_text("pct_n", signed=True).alias("pct_n_text"),
        _hundredths_text("pct_b", signed=True).alias("pct_b_text"),
        _hundredths_text("d_nadir", signed=True).alias("d_nadir_text"),
    )
    tr = pl.col("tr")
    detail = (
        pl.when(tr == "PD")
        .then(
            pl.concat_str(
                [
                    pl.lit("target PD: sum "),
                    pl.col("s_text"),
                    pl.lit(" mm, "),
                    pl.col("pct_n_text"),
                    pl.lit(" % and "),
                    pl.col("d_nadir_text"),
                    pl.lit(" mm vs nadir "),
                    pl.col("nadir_text"),
                    pl.lit(" mm"),
                ]
            )
        )
        .when((tr == "NE") & (pl.col("n") < pl.col("n_target")))
        .then(
            pl.concat_str(
                [
                    pl.lit("target NE: "),
                    pl.col("n").cast(pl.String),
                    pl.lit(" of "),
                    pl.col("n_target").cast(pl.String),
                    pl.lit(" targets assessed and the measured sum does not prove PD"),
                ]
            )
        )
        .when(tr == "NE")
        .then(pl.lit("target NE: no valid baseline"))
        .when(tr == "CR")
        .then(pl.lit("target CR: non-nodal targets 0 mm, nodal targets < 10 mm"))
        .when(tr.is_in(["PR", "SD"]))
        .then(
            pl.concat_str(
                [
                    pl.lit("target "),
                    tr,
                    pl.lit(": sum "),
                    pl.col("s_text"),
                    pl.lit(" mm, "),
                    pl.col("pct_b_text"),
                    pl.lit(" % vs baseline "),
                    pl.col("b_text"),
                    pl.lit(" mm, "),
                    pl.col("pct_n_text"),
                    pl.lit(" % vs nadir "),
                    pl.col("nadir_text"),
                    pl.lit(" mm"),
                ]
            )
        )
        .otherwise(pl.lit("no target lesions"))
    )
    lead = (
        pl.when(pl.col("no_baseline"))
        .then(pl.lit("NE: no baseline assessment within the baseline window"))
        .otherwise(pl.col("overall"))
    )
    confirmed = (
        pl.when(pl.col("confirmed"))
        .then(pl.lit(" (equivocal, confirmed at a later scan)"))
        .otherwise(pl.lit(""))
    )
    text = pl.concat_str(
        [
            lead,
            pl.lit(": "),
            detail,
            pl.lit("; non-target "),
            pl.col("ntr"),
            pl.lit("; new lesions "),
            pl.col("new"),
            confirmed,
            pl.lit(" at "),
            pl.col("date").dt.strftime("%Y-%m-%d"),
        ]
    )
    reasons = frame_.select(text).to_series()
    return reasons.to_pandas().array if _STRING_DTYPE else reasons.to_numpy()


def _persisting_pr(
    day: np.ndarray, groups: np.ndarray, target: np.ndarray, confirm_min_days: int
) -> np.ndarray:
    """Target SD after a confirmed PR (a PR or CR at least ``confirm_min_days`` after the first PR
    or CR) stays PR: EORTC RECIST 1.1 clarification "managing PR when measurements change
    slightly" (change judged from the nadir, so 100 -> 70 -> 70 -> 80 stays PR)."""
    resp = np.isin(target, [PR, CR])
    first = pd.Series(np.where(resp, day, np.inf)).groupby(groups).cummin().to_numpy()
    confirming = resp & (day - first >= confirm_min_days)
    confirmed_at = pd.Series(np.where(confirming, day, np.inf)).groupby(groups).cummin().to_numpy()
    return (target == SD) & np.isfinite(confirmed_at)
