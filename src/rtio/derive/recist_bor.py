"""Best overall response from timepoint responses (RECIST 1.1 §4.4, Table 3) and the QC listing
of derived against reported responses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.derive.recist_input import dates, frame, require

__all__ = ["best_overall_response", "response_disagreements"]


def _iso_text(values: pd.Series) -> pd.Series:
    """ISO date strings (vectorised)."""
    values = pd.Series(values)
    text = np.datetime_as_string(values.to_numpy().astype("datetime64[D]"), unit="D")
    return pd.Series(text.astype(object), index=values.index)


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
    rs = frame(responses, "responses")
    subj = frame(subjects, "subjects")
    require(rs, "responses", ["subject_id", "assessment_date", "overall_response"])
    require(subj, "subjects", ["subject_id", "start_date"])
    rs["subject_id"] = rs["subject_id"].astype(str)
    subj["subject_id"] = subj["subject_id"].astype(str)
    rs["assessment_date"] = dates(rs, "responses", "assessment_date")
    subj["start_date"] = dates(subj, "subjects", "start_date")
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
                    + _iso_text(c["date"])
                    + " confirmed by "
                    + c["resp2"]
                    + " at "
                    + _iso_text(c["date2"])
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
                    reason=cat + " at " + _iso_text(c["date"]) + " (unconfirmed)",
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
            + _iso_text(sd_ok["date"])
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
            + _iso_text(pdr["date"])
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
    der = frame(derived, "derived")
    rep = frame(reported, "responses")
    for table, name in ((der, "derived"), (rep, "responses")):
        require(table, name, ["subject_id", "assessment_date", "overall_response"])
        table["subject_id"] = table["subject_id"].astype(str)
        table["assessment_date"] = dates(table, name, "assessment_date")
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
