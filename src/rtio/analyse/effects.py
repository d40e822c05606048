"""Effect estimates that name their groups: hazard ratios, odds ratios and differences of
``group`` vs a declared ``reference``, with "not estimable (reason)" instead of a number when the
data cannot support one.

A Cox fit is not estimable when a group has no patients or the comparison has no events, when
the fit raises :class:`rtio.stats.NotEstimableError`, or when the fit records a failure of R's
``coxph.fit`` checks (iteration limit, monotone likelihood "coefficient may be infinite",
collinear column): :meth:`rtio.stats.CoxPH.not_estimable`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2, fisher_exact, norm
from scipy.stats.contingency import odds_ratio as conditional_odds_ratio

from rtio.analyse.results import Effect, Test
from rtio.stats import CoxPH, NotEstimableError, cox_ph, logrank_test


def not_estimable(
    group: str, reference: str, method: str, reason: str, conf_level: float = 0.95
) -> Effect:
    """An effect that cannot be estimated, with the reason."""
    return Effect(
        value=None,
        lower=None,
        upper=None,
        conf_level=conf_level,
        group=group,
        reference=reference,
        method=method,
        not_estimable=reason,
    )


def cox_problem(fit: CoxPH) -> str | None:
    """Why a fitted Cox model's estimates are not usable (R coxph.fit's checks), or None."""
    for name in fit.names:
        reason = fit.not_estimable(name)
        if reason is not None:
            return reason
    return None


def fit_cox(
    frame: pd.DataFrame, duration: str, event: str, covariates: list[str], **options: object
) -> tuple[CoxPH | None, str | None]:
    """A Cox fit, or None with the reason it cannot be estimated."""
    try:
        fit = cox_ph(frame, duration, event, covariates, **options)  # type: ignore[arg-type]
    except NotEstimableError as error:
        return None, error.reason
    except np.linalg.LinAlgError:
        return None, "the Cox information matrix is singular"
    problem = cox_problem(fit)
    return (None, problem) if problem else (fit, None)


def _empty_reason(
    event: np.ndarray, in_group: np.ndarray, group: str, reference: str
) -> str | None:
    if not in_group.any():
        return f"no patients in {group}"
    if in_group.all():
        return f"no patients in {reference}"
    if event.sum() == 0:
        return "no events"
    if event[in_group].sum() == 0:
        return f"no events in {group}"
    if event[~in_group].sum() == 0:
        return f"no events in {reference}"
    return None


def hazard_ratio(
    time: np.ndarray,
    event: np.ndarray,
    in_group: np.ndarray,
    group: str,
    reference: str,
    strata: np.ndarray | None = None,
    strata_label: str = "",
    conf_level: float = 0.95,
) -> tuple[Effect, CoxPH | None]:
    """Cox HR (Efron ties, Wald CI at ``conf_level``) of ``group`` (``in_group`` True) vs
    ``reference``, optionally stratified; R ``coxph(Surv(time, event) ~ I(arm == group) +
    strata(...))``."""
    method = "Cox PH (Efron ties), Wald CI" + (
        f", stratified by {strata_label}" if strata is not None else ""
    )
    reason = _empty_reason(event, in_group, group, reference)
    if reason is not None:
        return not_estimable(group, reference, method, reason, conf_level), None
    frame = pd.DataFrame({"t": time, "e": event, "g": in_group.astype(float)})
    if strata is not None:
        frame["s"] = strata
    fit, reason = fit_cox(
        frame, "t", "e", ["g"], strata=None if strata is None else "s", conf_level=conf_level
    )
    if fit is None:
        return not_estimable(group, reference, method, str(reason), conf_level), None
    row = fit.summary.iloc[0]
    return (
        Effect(
            value=float(row["hr"]),
            lower=float(row["hr_lower"]),
            upper=float(row["hr_upper"]),
            conf_level=conf_level,
            group=group,
            reference=reference,
            method=method,
            p_value=float(row["p_value"]),
        ),
        fit,
    )


def logrank(
    time: np.ndarray, event: np.ndarray, groups: np.ndarray, strata: np.ndarray | None = None
) -> Test:
    """Log-rank test across groups (R ``survdiff``), or why it cannot be computed."""
    method = "log-rank (R survdiff, rho = 0)" + (", stratified" if strata is not None else "")
    if pd.unique(groups).size < 2:  # a hash, not a sort of the labels
        return Test(statistic=None, p_value=None, method=method, not_estimable="only one group")
    if event.sum() == 0:
        return Test(statistic=None, p_value=None, method=method, not_estimable="no events")
    try:
        test = logrank_test(time, event, groups, strata=strata)
    except NotEstimableError as error:
        return Test(statistic=None, p_value=None, method=method, not_estimable=error.reason)
    except np.linalg.LinAlgError:
        return Test(statistic=None, p_value=None, method=method, not_estimable="singular variance")
    if not np.isfinite(test.chisq):
        return Test(statistic=None, p_value=None, method=method, not_estimable="singular variance")
    return Test(statistic=test.chisq, df=test.df, p_value=test.p_value, method=test.method)


def odds_ratio(
    k_group: int,
    n_group: int,
    k_reference: int,
    n_reference: int,
    group: str,
    reference: str,
    conf_level: float = 0.95,
) -> Effect:
    """Conditional maximum-likelihood odds ratio with its exact CI and Fisher's exact test p,
    as R ``fisher.test`` (``group`` vs ``reference``)."""
    method = "conditional MLE odds ratio, exact CI and Fisher's exact test (R fisher.test)"
    table = np.array([[k_group, n_group - k_group], [k_reference, n_reference - k_reference]])
    if n_group == 0 or n_reference == 0:
        return not_estimable(group, reference, method, "a group has no patients", conf_level)
    if table.sum(axis=0).min() == 0:
        return not_estimable(
            group, reference, method, "every patient has the same outcome", conf_level
        )
    result = conditional_odds_ratio(table, kind="conditional")
    interval = result.confidence_interval(confidence_level=conf_level)
    value = float(result.statistic)
    reason = None
    if not np.isfinite(value) or value == 0:
        reason = "a group has no responses or only responses (odds ratio 0 or infinite)"
    return Effect(
        value=None if reason else value,
        lower=float(interval.low),
        upper=float(interval.high),
        conf_level=conf_level,
        group=group,
        reference=reference,
        method=method,
        p_value=float(fisher_exact(table).pvalue),
        not_estimable=reason,
    )


def rate_difference(
    k_group: int,
    n_group: int,
    k_reference: int,
    n_reference: int,
    group: str,
    reference: str,
    conf_level: float = 0.95,
) -> Effect:
    """Difference of two proportions (``group`` − ``reference``) with the Wald CI and the
    χ² test without continuity correction, as R ``prop.test(correct = FALSE)``."""
    method = "difference in proportions, Wald CI and χ² test (R prop.test, correct = FALSE)"
    if n_group == 0 or n_reference == 0:
        return not_estimable(group, reference, method, "a group has no patients", conf_level)
    p1, p2 = k_group / n_group, k_reference / n_reference
    delta = p1 - p2
    width = norm.ppf(1 - (1 - conf_level) / 2) * np.sqrt(
        p1 * (1 - p1) / n_group + p2 * (1 - p2) / n_reference
    )
    pooled = (k_group + k_reference) / (n_group + n_reference)
    spread = pooled * (1 - pooled) * (1 / n_group + 1 / n_reference)
    p_value = None if spread == 0 else float(chi2.sf(delta**2 / spread, 1))
    return Effect(
        value=delta,
        lower=max(-1.0, delta - width),
        upper=min(1.0, delta + width),
        conf_level=conf_level,
        group=group,
        reference=reference,
        method=method,
        p_value=p_value,
    )
