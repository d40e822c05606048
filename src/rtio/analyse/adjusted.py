"""Confounder-adjusted comparisons of a cohort's radiotherapy exposure, with the protocol's
covariates (``cohort.covariates``, subjects columns), each immortal-time aware:

* multivariable Cox model: exposure as a time-varying covariate on counting-process data plus the
  covariates (R ``coxph(Surv(start, stop, event) ~ exposed + covariates)``), as a regression table;
* propensity scores at the 3-month landmark (patients alive then; exposed = RT started by then):
  logistic model of exposure on the covariates (R ``glm(binomial)``), stabilised inverse-probability
  weights with a weighted Cox model and robust variance (R ``coxph(..., weights = w, robust =
  TRUE)``), and 1:1 nearest-neighbour matching on the logit within 0.2 SD with the Cox model
  clustered by pair (R ``coxph(... + cluster(pair))``); balance (standardized mean differences)
  before and after.

Without covariates in the protocol none of these run, and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.analyse.effects import fit_cox
from rtio.analyse.results import BalanceRow, CoxRegression, CoxTerm, Effect, PropensityAnalysis
from rtio.analyse.rows import records
from rtio.cohort import (
    balance_table,
    counting_process,
    first_rt_start_day,
    inverse_probability_weights,
    landmark_data,
    overall_survival,
    propensity_scores,
)
from rtio.cohort.propensity import match_nearest
from rtio.io import Study
from rtio.stats import CoxPH

EXPOSED, UNEXPOSED = "local RT", "no local RT"
PS_LANDMARK_DAYS = 91.3125
"""3 months: the landmark at which exposure is fixed for the propensity-score analyses."""


def _covariates(study: Study) -> list[str]:
    cohort = study.protocol.cohort
    return list(cohort.covariates) if cohort else []


def _terms(fit: CoxPH, frame: pd.DataFrame, covariates: Sequence[str]) -> list[CoxTerm]:
    """One row per model coefficient, named by what it compares."""
    out = []
    for name, row in fit.summary.iterrows():
        name = str(name)
        if name == "exposed":
            group, reference = EXPOSED, UNEXPOSED
        else:
            base = next((c for c in covariates if name.startswith(c)), name)
            level = name[len(base) :]
            column = frame[base]
            if level:
                levels = sorted(column.astype(str).unique())
                group, reference = f"{base} {level}", f"{base} {levels[0]} (reference level)"
            else:
                group, reference = f"{base} + 1", f"{base} (per unit)"
        reason = fit.not_estimable(name)
        out.append(
            CoxTerm(
                term=name,
                hazard_ratio=Effect(
                    value=None if reason else float(row["hr"]),
                    lower=None if reason else float(row["hr_lower"]),
                    upper=None if reason else float(row["hr_upper"]),
                    conf_level=fit.conf_level,
                    group=group,
                    reference=reference,
                    method=fit.method,
                    p_value=None if reason else float(row["p_value"]),
                    not_estimable=reason,
                ),
            )
        )
    return out


def _subject_covariates(
    study: Study, covariates: Sequence[str]
) -> tuple[pd.DataFrame | None, str | None]:
    subjects = study.tables["subjects"]
    absent = [c for c in covariates if c not in subjects.columns]
    if absent:
        return None, f"covariates {absent} are not columns of subjects"
    frame = subjects[["subject_id", *covariates]].copy()
    missing = frame[list(covariates)].isna().any(axis=1)
    if missing.any():
        ids = frame.loc[missing, "subject_id"].astype(str).tolist()
        return None, f"covariates missing for {len(ids)} patient(s): {', '.join(ids[:10])}"
    return frame, None


def _regression(title: str, model: str, n: int, events: int, reason: str) -> CoxRegression:
    return CoxRegression(
        title=title,
        model=model,
        n_subjects=n,
        n_events=events,
        terms=[],
        method="",
        not_estimable=reason,
    )


def multivariable_cox(study: Study) -> CoxRegression | None:
    """The exposure (time-varying) adjusted for the protocol's covariates; None without
    radiotherapy exposure or without covariates."""
    covariates = _covariates(study)
    radiotherapy = study.table("radiotherapy")
    if not covariates or radiotherapy is None or radiotherapy.empty:
        return None
    subjects = study.tables["subjects"]
    followup = overall_survival(subjects, study.settings.data_cutoff)
    title = "Multivariable Cox model of overall survival"
    model = f"Surv(start, stop, event) ~ exposed (time-varying local RT) + {' + '.join(covariates)}"
    values, problem = _subject_covariates(study, covariates)
    if values is None:
        return _regression(title, model, len(subjects), int(followup["event"].sum()), str(problem))
    rt_day = first_rt_start_day(subjects, radiotherapy)
    changes = rt_day.dropna().rename("time").rename_axis("subject_id").reset_index().assign(level=1)
    process = counting_process(followup, changes).rename(columns={"level": "exposed"})
    process = process.merge(values, on="subject_id")
    fit, reason = fit_cox(process, "stop", "event", ["exposed", *covariates], entry="start")
    n, events = int(process["subject_id"].nunique()), int(process["event"].sum())
    if fit is None:
        return _regression(title, model, n, events, str(reason))
    return CoxRegression(
        title=title,
        model=model,
        n_subjects=n,
        n_events=events,
        terms=_terms(fit, process, covariates),
        method=fit.method + "; Wald CIs and p",
    )


def _balance(
    frame: pd.DataFrame, covariates: Sequence[str], weights: np.ndarray | None
) -> list[BalanceRow]:
    table = balance_table(frame, "exposed", covariates, weights)
    if "smd_after" not in table:
        table["smd_after"] = np.nan
    return records(table, BalanceRow)


def _hazard(fit: CoxPH | None, reason: str | None, method: str) -> Effect:
    if fit is None:
        return Effect(
            value=None,
            lower=None,
            upper=None,
            conf_level=0.95,
            group=EXPOSED,
            reference=UNEXPOSED,
            method=method,
            not_estimable=reason,
        )
    row = fit.summary.iloc[0]
    problem = fit.not_estimable("exposed")
    return Effect(
        value=None if problem else float(row["hr"]),
        lower=None if problem else float(row["hr_lower"]),
        upper=None if problem else float(row["hr_upper"]),
        conf_level=fit.conf_level,
        group=EXPOSED,
        reference=UNEXPOSED,
        method=method,
        p_value=None if problem else float(row["p_value"]),
        not_estimable=problem,
    )


def propensity_analysis(study: Study) -> PropensityAnalysis | None:
    """IPTW and matching at the 3-month landmark; None without exposure or covariates."""
    covariates = _covariates(study)
    radiotherapy = study.table("radiotherapy")
    if not covariates or radiotherapy is None or radiotherapy.empty:
        return None
    subjects = study.tables["subjects"]
    values, problem = _subject_covariates(study, covariates)
    followup = overall_survival(subjects, study.settings.data_cutoff)
    rt_day = first_rt_start_day(subjects, radiotherapy)
    data = landmark_data(followup, rt_day, PS_LANDMARK_DAYS)
    base = PropensityAnalysis(
        landmark_days=PS_LANDMARK_DAYS,
        covariates=list(covariates),
        n=len(data),
        n_exposed=int(data["exposed"].sum()),
        events=int(data["event"].sum()),
        weighted_hazard_ratio=None,
        matched_hazard_ratio=None,
        pairs=0,
    )
    if values is None:
        return base.model_copy(update={"not_estimable": problem})
    data = data.merge(values, on="subject_id")
    exposed = data["exposed"].to_numpy()
    if exposed.all() or not exposed.any():
        return base.model_copy(
            update={"not_estimable": "every patient at the landmark is in one group"}
        )
    try:
        ps = propensity_scores(data, "exposed", covariates)
        weights = inverse_probability_weights(ps, exposed, stabilized=True)
    except (ValueError, np.linalg.LinAlgError) as error:
        return base.model_copy(
            update={"not_estimable": f"the propensity model cannot be fitted ({error})"}
        )
    method = "Cox PH (Efron ties), stabilised IPT weights, robust (sandwich) variance"
    fit, reason = fit_cox(data, "time", "event", ["exposed"], weights=weights, robust=True)
    weighted = _hazard(fit, reason, method)
    pair_of = match_nearest(ps, exposed)
    treated = np.flatnonzero(pair_of >= 0)
    pairs = treated.size
    matched = pd.concat(
        [
            data.iloc[treated].assign(pair=np.arange(pairs)),
            data.iloc[pair_of[treated]].assign(pair=np.arange(pairs)),
        ],
        ignore_index=True,
    )
    method_matched = "Cox PH (Efron ties) on 1:1 nearest-neighbour matched pairs (logit PS, caliper 0.2 SD), robust variance clustered by pair"
    if pairs >= 2:
        fit, reason = fit_cox(matched, "time", "event", ["exposed"], cluster="pair")
    else:
        fit, reason = None, "fewer than two matched pairs"
    return base.model_copy(
        update={
            "weighted_hazard_ratio": weighted,
            "matched_hazard_ratio": _hazard(fit, reason, method_matched),
            "pairs": pairs,
            "balance_weighted": _balance(data, covariates, weights),
            "balance_matched": _balance(matched, covariates, None) if pairs else [],
        }
    )
