"""Large-scale propensity scores for local RT at a landmark, with the pushed-down Cox as the
outcome model.

Design (landmark + propensity score): among patients still followed at the landmark, those
irradiated by then are compared with those not; time restarts at the landmark. The propensity
model is an L1-regularised logistic regression on every baseline covariate (demographics and one
indicator per concept recorded in the year before the index, as OHDSI's FeatureExtraction), with
the penalty chosen by cross-validation on the log-likelihood (as OHDSI's Cyclops; here
scikit-learn's ``LogisticRegressionCV`` with liblinear). Fitting pulls one row per person of
covariates into memory (a deterministic random sample above ``max_persons``); scoring runs in the
engine. Diagnostics: the preference score (Walker et al. 2013) and its equipoise, the AUC, and
standardised mean differences of every covariate before and after weighting / matching. Outcome:
Cox PH (Efron) pushed down to the engine — unadjusted, IPTW (stabilised weights, robust
variance) and 1:1 matched (greedy nearest neighbour on the logit, caliper 0.2 SD; Austin 2011).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from rtio.rwd.engine import Engine
from rtio.rwd.survival import CoxFit, cox_pushdown

SAMPLE_MODULUS = 4_294_967_296
SAMPLE_MULTIPLIER = 2_654_435_761
"""Knuth's multiplicative hash: a person is sampled when (id · multiplier) mod 2^32 is below the
sampled share of 2^32 — the same persons in every engine."""


@dataclass
class OutcomeHR:
    """A hazard ratio of the outcome model and the rows it was fitted on."""

    analysis: str
    hr: float
    lower: float
    upper: float
    p_value: float
    n: int
    n_events: int
    method: str


@dataclass
class PropensityResult:
    """The propensity model, its diagnostics and the outcome hazard ratios."""

    landmark_days: float
    n: int
    n_treated: int
    n_fitted: int
    n_covariates: int
    n_selected: int
    penalty_c: float
    auc: float
    equipoise: float
    max_abs_smd_before: float
    max_abs_smd_weighted: float
    max_abs_smd_matched: float
    matched_pairs: int
    outcomes: list[OutcomeHR] = field(default_factory=list)
    balance: list[dict[str, Any]] = field(default_factory=list)
    method: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def preference_score(ps: np.ndarray, share_treated: float) -> np.ndarray:
    """Walker et al. (2013): logit F = logit PS − logit P, P the share treated."""
    logit = np.log(ps / (1 - ps)) - np.log(share_treated / (1 - share_treated))
    return 1 / (1 + np.exp(-logit))


def smd(x: sparse.csr_matrix, treated: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Standardised mean difference of every column: (m₁ − m₀) / √((v₁ + v₀)/2), weighted means
    and Σw-normalised weighted variances (as :func:`rtio.cohort.propensity.standardized_difference`)."""
    stats = []
    for group in (treated, ~treated):
        w = weights[group]
        sub = x[group]
        total = w.sum()
        mean = np.asarray(sub.T @ w).ravel() / total
        second = np.asarray(sub.multiply(sub).T @ w).ravel() / total
        stats.append((mean, np.maximum(second - mean**2, 0.0)))
    (m1, v1), (m0, v0) = stats
    pooled = np.sqrt((v1 + v0) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pooled > 0, (m1 - m0) / pooled, 0.0)


def match_greedy(logit: np.ndarray, treated: np.ndarray, caliper: float) -> np.ndarray:
    """1:1 greedy nearest-neighbour matching without replacement within ``caliper`` (on the logit),
    treated in descending order of the score (as :func:`rtio.cohort.propensity.match_nearest`).
    The nearest available control on either side is found through "next available" pointers over
    the sorted controls (path-halving), so each treated patient costs about O(log n); the loop is
    sequential by nature. Returns the matched control index per patient (-1 when none)."""
    controls = np.flatnonzero(~treated)
    order = np.argsort(logit[controls], kind="stable")
    sorted_controls = controls[order]
    values = logit[sorted_controls]
    size = values.size
    right = np.arange(size + 1)
    left = np.arange(-1, size)

    def find(pointer: np.ndarray, i: int, offset: int) -> int:
        while pointer[i + offset] != i:
            pointer[i + offset] = pointer[pointer[i + offset] + offset]
            i = pointer[i + offset]
        return i

    match = np.full(logit.size, -1)
    for patient in np.flatnonzero(treated)[np.argsort(-logit[treated], kind="stable")]:
        position = int(np.searchsorted(values, logit[patient]))
        r = find(right, position, 0)
        l_ = find(left, position - 1, 1)
        best, distance = -1, np.inf
        if r < size and abs(values[r] - logit[patient]) < distance:
            best, distance = r, abs(values[r] - logit[patient])
        if l_ >= 0 and abs(values[l_] - logit[patient]) < distance:
            best, distance = l_, abs(values[l_] - logit[patient])
        if best >= 0 and distance <= caliper:
            match[patient] = sorted_controls[best]
            right[best] = best + 1
            left[best + 1] = best - 1
    return match


def _hr(fit: CoxFit, analysis: str) -> OutcomeHR:
    row = fit.summary.iloc[0]
    return OutcomeHR(
        analysis,
        float(row["hr"]),
        float(row["hr_lower"]),
        float(row["hr_upper"]),
        float(row["p_value"]),
        fit.n,
        fit.n_events,
        fit.method,
    )


def landmark_propensity(
    engine: Engine,
    landmark: float = 91.3125,
    max_persons: int = 300_000,
    folds: int = 10,
    caliper_sd: float = 0.2,
    min_prevalence: float = 0.001,
    seed: int = 0,
) -> PropensityResult:
    """Propensity-score analysis of RT by the landmark (see the module docstring).

    Needs the engine tables ``study_subjects``, ``covariate_features`` (the extraction plan) and
    ``an_rt`` (:class:`rtio.rwd.analysis.PushedDownCohort.compare_rt`).
    """
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.metrics import roc_auc_score

    lm = repr(float(landmark))
    engine.stage(
        "ps_population",
        f"SELECT s.person_id, r.time - {lm} AS time, r.event, CASE WHEN r.day IS NOT NULL AND "
        f"r.day <= {lm} THEN 1 ELSE 0 END AS treated, s.age, CASE WHEN s.sex = 'F' THEN 1 ELSE 0 END "
        "AS female, COALESCE(s.ecog, 0) AS ecog FROM an_rt r JOIN study_subjects s "
        f"ON s.subject_id = r.subject_id WHERE r.time > {lm}",
        ["an_rt", "study_subjects"],
    )
    totals = engine.fetch("SELECT COUNT(*) AS n, SUM(treated) AS t FROM ps_population").iloc[0]
    n, n_treated = int(totals["n"]), int(totals["t"])
    if n_treated == 0 or n_treated == n:
        raise ValueError(
            f"propensity: at the {landmark:g}-day landmark all or none were irradiated"
        )
    share = min(1.0, max_persons / n)
    sampled = (
        "TRUE"
        if share >= 1
        else f"(person_id * {SAMPLE_MULTIPLIER}) % {SAMPLE_MODULUS} < {int(share * SAMPLE_MODULUS)}"
    )
    prevalent = engine.fetch(
        "SELECT f.covariate_id, MIN(f.covariate_name) AS name, COUNT(*) AS k FROM covariate_features f "
        "JOIN ps_population p ON p.person_id = f.person_id GROUP BY f.covariate_id "
        f"HAVING COUNT(*) >= {max(1, int(np.ceil(min_prevalence * n)))} ORDER BY f.covariate_id"
    )
    people = engine.fetch(
        f"SELECT person_id, treated, age, female, ecog FROM ps_population WHERE {sampled} ORDER BY person_id"
    )
    features = engine.fetch(
        "SELECT f.person_id, f.covariate_id FROM covariate_features f JOIN ps_population p "
        f"ON p.person_id = f.person_id WHERE {sampled.replace('person_id', 'p.person_id')}",
        max_rows=50_000_000,
    )
    column = pd.Series(np.arange(len(prevalent)), index=prevalent["covariate_id"].to_numpy())
    features = features[features["covariate_id"].isin(column.index)]
    row = pd.Series(np.arange(len(people)), index=people["person_id"].to_numpy())
    concepts = sparse.csr_matrix(
        (
            np.ones(len(features)),
            (
                row.reindex(features["person_id"]).to_numpy(),
                column.reindex(features["covariate_id"]).to_numpy(),
            ),
        ),
        shape=(len(people), len(prevalent)),
    )
    age_mean, age_sd = float(people["age"].mean()), float(people["age"].std(ddof=0) or 1.0)
    demographics = np.column_stack(
        [
            (people["age"].to_numpy(float) - age_mean) / age_sd,
            people["female"].to_numpy(float),
            people["ecog"].to_numpy(float),
        ]
    )
    x = sparse.hstack([sparse.csr_matrix(demographics), concepts]).tocsr()
    names = ["age (standardised)", "female", "ECOG", *prevalent["name"].tolist()]
    y = people["treated"].to_numpy(int)
    model = LogisticRegressionCV(
        Cs=10,
        cv=folds,
        l1_ratios=(1,),
        solver="liblinear",
        use_legacy_attributes=False,
        scoring="neg_log_loss",
        intercept_scaling=10.0,
        random_state=seed,
        max_iter=1000,
    ).fit(x, y)
    coef = [float(v) for v in model.coef_.ravel()]
    intercept = float(np.ravel(model.intercept_)[0])
    # scoring in the engine: intercept + demographics + Σ selected concept coefficients
    concept_coef = np.asarray(coef[3:])
    selected = np.flatnonzero(concept_coef != 0)
    engine.upload(
        "ps_coefficients",
        pd.DataFrame(
            {
                "covariate_id": prevalent["covariate_id"].to_numpy()[selected].astype("int64"),
                "coef": concept_coef[selected],
            }
        ),
    )
    linear = (
        f"{intercept!r} + {coef[0]!r} * (p.age - {age_mean!r}) / {age_sd!r} + {coef[1]!r} * p.female "
        f"+ {coef[2]!r} * p.ecog + COALESCE(c.total, 0.0)"
    )
    engine.stage(
        "ps_scores",
        f"SELECT p.*, {linear} AS logit FROM ps_population p LEFT JOIN (SELECT f.person_id, "
        "SUM(k.coef) AS total FROM covariate_features f JOIN ps_coefficients k "
        "ON k.covariate_id = f.covariate_id GROUP BY f.person_id) c ON c.person_id = p.person_id",
        ["ps_population", "covariate_features", "ps_coefficients"],
    )
    p_treated = n_treated / n
    engine.stage(
        "ps_weighted",
        "SELECT *, 1.0 / (1.0 + exp(-logit)) AS ps, CASE WHEN treated = 1 THEN "
        f"{p_treated!r} * (1.0 + exp(-logit)) ELSE {1 - p_treated!r} * (1.0 + exp(logit)) END AS iptw "
        "FROM ps_scores",
        ["ps_scores"],
    )
    scores = engine.fetch("SELECT person_id, treated, logit FROM ps_weighted ORDER BY person_id")
    logit = scores["logit"].to_numpy(float)
    treated_all = scores["treated"].to_numpy(int).astype(bool)
    ps_all = 1 / (1 + np.exp(-logit))
    preference = preference_score(ps_all, p_treated)
    match = match_greedy(logit, treated_all, caliper_sd * logit.std(ddof=1))
    pairs = np.flatnonzero(match >= 0)
    matched_ids = np.concatenate(
        [scores["person_id"].to_numpy()[pairs], scores["person_id"].to_numpy()[match[pairs]]]
    )
    engine.upload("ps_matched", pd.DataFrame({"person_id": matched_ids.astype("int64")}))
    # balance on the fitted rows
    fitted_logit = (
        pd.Series(logit, index=scores["person_id"].to_numpy())
        .reindex(people["person_id"])
        .to_numpy()
    )
    fitted_ps = 1 / (1 + np.exp(-fitted_logit))
    t = y.astype(bool)
    weights = np.where(t, p_treated / fitted_ps, (1 - p_treated) / (1 - fitted_ps))
    in_match = np.isin(people["person_id"].to_numpy(), matched_ids)
    before = smd(x, t, np.ones(len(people)))
    weighted = smd(x, t, weights)
    matched = (
        smd(x[in_match], t[in_match], np.ones(int(in_match.sum())))
        if in_match.any()
        else before * np.nan
    )
    order = np.argsort(-np.abs(before))[:25]
    result = PropensityResult(
        landmark_days=float(landmark),
        n=n,
        n_treated=n_treated,
        n_fitted=len(people),
        n_covariates=x.shape[1],
        n_selected=int(np.count_nonzero(coef)),
        penalty_c=float(np.ravel(model.C_)[0]),
        auc=float(roc_auc_score(treated_all, logit)),
        equipoise=float(((preference >= 0.3) & (preference <= 0.7)).mean()),
        max_abs_smd_before=float(np.abs(before).max()),
        max_abs_smd_weighted=float(np.abs(weighted).max()),
        max_abs_smd_matched=float(np.nanmax(np.abs(matched))),
        matched_pairs=int(pairs.size),
        balance=[
            {
                "covariate": names[i],
                "smd_before": float(before[i]),
                "smd_weighted": float(weighted[i]),
                "smd_matched": float(matched[i]),
            }
            for i in order
        ],
        method=(
            f"Landmark at {landmark:g} days; L1-regularised logistic regression on {x.shape[1]} baseline "
            f"covariates, penalty by {folds}-fold cross-validation (log-likelihood)"
            + (f", fitted on a {share:.1%} sample" if share < 1 else "")
            + "; stabilised IPTW with robust variance; 1:1 greedy matching on the logit PS within "
            f"{caliper_sd} SD; outcome model: Cox PH (Efron) aggregated in the engine."
        ),
    )
    rows = "SELECT time, event, treated, iptw FROM ps_weighted"
    result.outcomes = [
        _hr(cox_pushdown(engine, rows, ["ps_weighted"], {"rt": "treated"}), "unadjusted"),
        _hr(
            cox_pushdown(
                engine, rows, ["ps_weighted"], {"rt": "treated"}, weights="iptw", robust=True
            ),
            "IPTW (stabilised, robust variance)",
        ),
        _hr(
            cox_pushdown(
                engine,
                "SELECT w.time, w.event, w.treated FROM ps_weighted w JOIN ps_matched m ON m.person_id = w.person_id",
                ["ps_weighted", "ps_matched"],
                {"rt": "treated"},
            ),
            "1:1 matched",
        ),
    ]
    return result
