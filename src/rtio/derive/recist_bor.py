"""Best overall response from timepoint responses (RECIST 1.1 §4.4, Table 3) and the QC listing
of derived against reported responses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.derive.recist_input import codes, iso
from rtio.frames import FrameLike, as_frame, read_dates, require_columns
from rtio.vocabulary import CONFIRM_MIN_DAYS, SD_MIN_DAYS, ResponseCode

__all__ = ["best_overall_response", "response_disagreements"]


_RESPONSES = ResponseCode.labels()  # index = code = rank
NE, PD, NON_CR_NON_PD, SD, PR, CR = (
    int(code)
    for code in (
        ResponseCode.NE,
        ResponseCode.PD,
        ResponseCode.NON_CR_NON_PD,
        ResponseCode.SD,
        ResponseCode.PR,
        ResponseCode.CR,
    )
)
_RANKED = _RESPONSES[: CR + 1]
"""The responses a table may hold (every code but NONE)."""


def best_overall_response(
    responses: FrameLike,
    subjects: FrameLike,
    confirm: bool = True,
    confirm_min_days: int = CONFIRM_MIN_DAYS,
    sd_min_days: int = SD_MIN_DAYS,
    max_ne_between: int = 1,
    *,
    accept_sd_between_pr: bool = False,
    cr_then_pr_is_pd: bool = False,
) -> pd.DataFrame:
    """Best overall response per subject (RECIST 1.1 §4.4.1-§4.4.3, Table 3).

    ``responses`` holds subject_id, assessment_date, overall_response (CR / PR / SD /
    NON-CR/NON-PD / PD / NE), e.g. the output of :func:`timepoint_responses`. Assessments on or
    before day 1 and after the first PD are ignored (§4.4.1), as are rows of subjects not in
    ``subjects`` (the population analysed).

    * Unconfirmed (``confirm=False``): the best of CR > PR > SD > NON-CR/NON-PD > PD > NE, where SD
      and NON-CR/NON-PD count only at ≥ ``sd_min_days`` after day 1 (§4.4.1 minimum duration).
    * Confirmed (§4.4.3, Table 3): a CR (PR) is confirmed by a later CR (CR or PR) at least
      ``confirm_min_days`` later with at most ``max_ne_between`` NE between and nothing else between
      (SD between PRs allowed with ``accept_sd_between_pr``); a PR after a CR in a PR's
      confirmation period confirms nothing (PR@56, CR@70, PR@98 is SD). An unconfirmed CR/PR counts
      as SD if the SD minimum is met. ``cr_then_pr_is_pd`` applies Table 3 footnote (a) strictly: any PR or
      SD after a CR is progression (disease reappeared).

    Result: one row per subject with ``bor``, ``bor_date`` (date the best response criteria were
    first met; first PD; NaT for NE) and ``reason``.

    Integer-coded and vectorised over subjects (own code: the confirmation search is the hot
    path); the reason text is built only for each subject's deciding assessment.
    """
    rs = as_frame(responses, "responses", copy=False)
    subj = as_frame(subjects, "subjects", copy=False)
    require_columns(rs, "responses", ["subject_id", "assessment_date", "overall_response"])
    require_columns(subj, "subjects", ["subject_id", "start_date"])
    subj = subj.drop_duplicates("subject_id")
    ids = pd.Index(subj["subject_id"].astype(str))
    start = read_dates(subj, "subjects", "start_date").to_numpy().astype("datetime64[D]")
    resp = codes(rs["overall_response"], _RANKED, "responses", "overall_response")
    code, uniques = pd.factorize(rs["subject_id"])
    sid = np.append(ids.get_indexer(pd.Index(uniques).astype(str)), -1)[code]
    date = read_dates(rs, "responses", "assessment_date").to_numpy().astype("datetime64[D]")
    day = (date - start[np.maximum(sid, 0)]).astype(np.int64)
    keep = np.flatnonzero((sid >= 0) & (date > start[np.maximum(sid, 0)]))
    keep = keep[np.lexsort((day[keep], sid[keep]))]
    sid, resp, day, date = sid[keep], resp[keep].astype(np.int64), day[keep], date[keep]
    if cr_then_pr_is_pd:
        resp = np.where(_seen_before(resp == CR, sid) & np.isin(resp, [PR, SD]), PD, resp)
    kept = ~_seen_before(resp == PD, sid)
    sid, resp, day, date = sid[kept], resp[kept], day[kept], date[kept]

    best_sid, best_row, best_rank, best_pair = _best_rows(
        sid,
        resp,
        day,
        confirm,
        confirm_min_days,
        sd_min_days,
        max_ne_between,
        accept_sd_between_pr,
    )
    n = len(ids)
    bor = np.full(n, "NE", dtype=object)
    bor[best_sid] = np.array(_RESPONSES, dtype=object)[best_rank]
    bor_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    bor_date[best_sid] = date[best_row]
    has_post = np.bincount(sid, minlength=n) > 0
    reason = np.where(
        has_post,
        f"NE: no response, no SD at or after day {sd_min_days} and no PD",
        "NE: no post-baseline assessment",
    ).astype(object)
    reason[best_sid] = _bor_reasons(
        best_rank,
        resp[best_row],
        date[best_row],
        day[best_row],
        best_pair,
        resp,
        date,
        confirm,
        sd_min_days,
    )
    return pd.DataFrame(
        {
            "subject_id": ids.to_numpy(dtype=object),
            "bor": bor,
            "bor_date": bor_date,
            "reason": reason,
        }
    )


def _best_rows(
    sid: np.ndarray,
    resp: np.ndarray,
    day: np.ndarray,
    confirm: bool,
    confirm_min_days: int,
    sd_min_days: int,
    max_ne_between: int,
    accept_sd_between_pr: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per subject with a best response: subject, deciding row, response rank and confirming row
    (-1 if none). Candidates are confirmed (or, unconfirmed, any) CR / PR, SD or NON-CR/NON-PD
    meeting the minimum duration, and PD; the best is the highest rank, then the earliest date."""
    if confirm:
        second = _confirming_row(
            sid, resp, day, confirm_min_days, max_ne_between, accept_sd_between_pr
        )
        responses = np.flatnonzero(second >= 0)
        partner = second[responses]
    else:
        responses = np.flatnonzero(np.isin(resp, [CR, PR]))
        partner = np.full(len(responses), -1)
    sd_ok = np.flatnonzero(np.isin(resp, [CR, PR, SD, NON_CR_NON_PD]) & (day >= sd_min_days))
    pd_rows = np.flatnonzero(resp == PD)
    row = np.concatenate([responses, sd_ok, pd_rows]).astype(np.int64)
    rank = np.concatenate(
        [
            resp[responses],
            np.where(resp[sd_ok] == NON_CR_NON_PD, NON_CR_NON_PD, SD),
            np.full(len(pd_rows), PD),
        ]
    ).astype(np.int64)
    pair = np.concatenate([partner, np.full(len(sd_ok) + len(pd_rows), -1)]).astype(np.int64)
    order = np.lexsort((day[row], -rank, sid[row]))
    first = order[np.unique(sid[row][order], return_index=True)[1]]
    return sid[row][first], row[first], rank[first], pair[first]


def _seen_before(flag: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """True where an earlier row of the same group (rows sorted by group and date) had ``flag``."""
    counts = pd.Series(flag.astype(np.int64)).groupby(groups).cumsum().to_numpy()
    return (counts - flag) > 0


def _confirming_row(
    sid: np.ndarray,
    resp: np.ndarray,
    day: np.ndarray,
    confirm_min_days: int,
    max_ne_between: int,
    accept_sd_between_pr: bool,
) -> np.ndarray:
    """For each CR / PR row, the first later row of the subject that confirms it (Table 3), or -1.

    A CR is confirmed by a CR, a PR by a CR or PR, at least ``confirm_min_days`` later, with at
    most ``max_ne_between`` NE and nothing else between (SD allowed between PRs with
    ``accept_sd_between_pr``). A PR that follows a CR within a PR's confirmation period (the
    confirming assessment included) is not a confirming assessment, and the first PR is not
    confirmed: after a CR, a PR means the disease reappeared (RECIST 1.1 Table 3, footnote a;
    pharmaverse admiralonco's confirmed response: "no PR assessment after a CR assessment in the
    confirmation period"), so PR@56, CR@70, PR@98 is no confirmed response.

    Vectorised over rows, one pass per distance between the two assessments; a row leaves the
    search once something between can no longer be allowed."""
    n = len(resp)
    out = np.full(n, -1, dtype=np.int64)
    ne_cum = np.cumsum(resp == NE, dtype=np.int64)
    allowed_pr = [CR, PR, NE, SD] if accept_sd_between_pr else [CR, PR, NE]
    bad_cr_cum = np.cumsum(~np.isin(resp, [CR, NE]), dtype=np.int64)
    bad_pr_cum = np.cumsum(~np.isin(resp, allowed_pr), dtype=np.int64)
    cr_cum = np.cumsum(resp == CR, dtype=np.int64)
    active = np.flatnonzero(np.isin(resp, [CR, PR]))
    is_cr = resp[active] == CR
    step = 1
    while len(active):
        j = active + step
        inside = j < n
        inside[inside] = sid[j[inside]] == sid[active[inside]]
        active, is_cr, j = active[inside], is_cr[inside], j[inside]
        # between = rows active+1 .. j-1
        ne_between = ne_cum[j - 1] - ne_cum[active]
        bad = np.where(
            is_cr, bad_cr_cum[j - 1] - bad_cr_cum[active], bad_pr_cum[j - 1] - bad_pr_cum[active]
        )
        pr_after_cr = ~is_cr & (resp[j] == PR) & (cr_cum[j - 1] - cr_cum[active] > 0)
        possible = (ne_between <= max_ne_between) & (bad == 0) & ~pr_after_cr
        active, is_cr, j = active[possible], is_cr[possible], j[possible]
        confirms = np.where(is_cr, resp[j] == CR, np.isin(resp[j], [CR, PR])) & (
            day[j] - day[active] >= confirm_min_days
        )
        out[active[confirms]] = j[confirms]
        active, is_cr = active[~confirms], is_cr[~confirms]
        step += 1
    return out


def _bor_reasons(
    rank: np.ndarray,
    resp_at: np.ndarray,
    date_at: np.ndarray,
    day_at: np.ndarray,
    pair: np.ndarray,
    resp: np.ndarray,
    date: np.ndarray,
    confirm: bool,
    sd_min_days: int,
) -> np.ndarray:
    """Why each subject got its best response (only the deciding assessments are worded)."""
    names = np.array(_RESPONSES, dtype=object)
    at = iso(date_at.astype(np.int64))
    out = np.empty(len(rank), dtype=object)
    response = np.isin(rank, [CR, PR])
    if confirm:
        second = pair[response]
        gap = (date[second] - date_at[response]).astype(np.int64)
        out[response] = (
            names[rank[response]]
            + " at "
            + at[response]
            + " confirmed by "
            + names[resp[second]]
            + " at "
            + iso(date[second].astype(np.int64))
            + " ("
            + gap.astype(str).astype(object)
            + " days later, RECIST 1.1 §4.4.3)"
        )
    else:
        out[response] = names[rank[response]] + " at " + at[response] + " (unconfirmed)"
    sd = np.isin(rank, [SD, NON_CR_NON_PD])
    unconfirmed = np.where(
        np.isin(resp_at[sd], [CR, PR]), " (" + names[resp_at[sd]] + " not confirmed)", ""
    )
    out[sd] = (
        names[rank[sd]]
        + unconfirmed
        + ": "
        + names[resp_at[sd]]
        + " at "
        + at[sd]
        + ", day "
        + day_at[sd].astype(str).astype(object)
        + f" ≥ {sd_min_days} (minimum SD duration, §4.4.1)"
    )
    progression = rank == PD
    out[progression] = (
        "PD at " + at[progression] + " before any response or SD meeting its minimum duration"
    )
    return out


def response_disagreements(derived: FrameLike, reported: FrameLike) -> pd.DataFrame:
    """QC listing: every timepoint where the derived overall response and the reported one
    (``responses`` table: subject_id, assessment_date, overall_response, optional assessor)
    differ, or where only one of them exists. Matched on subject_id and assessment_date."""
    der = as_frame(derived, "derived")
    rep = as_frame(reported, "responses")
    for table, name in ((der, "derived"), (rep, "responses")):
        require_columns(table, name, ["subject_id", "assessment_date", "overall_response"])
        table["subject_id"] = table["subject_id"].astype(str)
        table["assessment_date"] = read_dates(table, name, "assessment_date")
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
