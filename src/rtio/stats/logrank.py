"""Log-rank test, identical to R ``survdiff`` (rho = 0), with optional strata.

Own code: vectorised over whole columns (the at-risk table of
:func:`rtio.stats.risk_set.risk_table` by group, then sums over the event times) so that 10^7
subjects test in about a second, and the variance is R's hypergeometric one, summed over strata
as ``survdiff(... + strata())`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from rtio.stats.estimate import NotEstimableError
from rtio.stats.inputs import ArrayLike, FloatArray, IntArray, as_events, as_times, group_codes
from rtio.stats.risk_set import fix_times, risk_table, sum_last


@dataclass(frozen=True, kw_only=True)
class LogRank:
    """Result of :func:`logrank_test`: observed and expected events per group, in R's order."""

    chisq: float
    df: int
    p_value: float
    observed: pd.Series
    expected: pd.Series
    variance: np.ndarray
    method: str


def _stratum_terms(
    time: FloatArray, event: IntArray, codes: IntArray, n_groups: int, timefix: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Observed, expected and variance contributions of one stratum (from its at-risk table).

    At each event time t with d deaths among n at risk (n_g in group g): expected
    E_g = Σ d n_g / n and, with c = d (n − d) / (n − 1) (0 where n = 1), the hypergeometric
    covariance V_gh = Σ c n_g (δ_gh n − n_h) / n² (R ``survdiff``).
    """
    table = risk_table(time, event, group=codes, n_groups=n_groups, timefix=timefix)
    deaths = table.n_event[:, :, 0]
    d = sum_last(deaths)
    died = np.flatnonzero(d > 0)  # only event times contribute
    d = d[died]
    # one contiguous vector per group: its number at risk at each event time
    at_risk = [table.n_risk[died, g] for g in range(n_groups)]
    n = at_risk[0].copy()
    for column in at_risk[1:]:
        n += column
    per_risk = d / n
    expected = np.array([np.einsum("t,t->", per_risk, column) for column in at_risk])
    with np.errstate(divide="ignore", invalid="ignore"):
        c = d * (n - d) / (n - 1)
    c[n <= 1] = 0.0
    c /= n  # c / n: the diagonal's weight
    squared = c / n  # c / n²: the products' weight
    variance = np.empty((n_groups, n_groups))
    for g in range(n_groups):
        weighted = squared * at_risk[g]
        for h in range(g, n_groups):
            variance[g, h] = variance[h, g] = -np.einsum("t,t->", weighted, at_risk[h])
        variance[g, g] += np.einsum("t,t->", c, at_risk[g])
    # column by column: numpy's reduction over the long axis of a (times, 2) view is slow
    observed = np.array([deaths[:, g].sum() for g in range(n_groups)])
    return observed, expected, variance


def logrank_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    strata: ArrayLike | None = None,
    *,
    timefix: bool = True,
) -> LogRank:
    """Test equality of survival across groups (R ``survdiff(Surv(time, event) ~ group)``).

    Groups are reported in sorted order (R's factor-level order). ``strata``: a second grouping;
    observed − expected and variances are summed over strata (R ``+ strata(x)``). As R, groups
    with no expected events are left out of the statistic (df = groups tested − 1).

    Raises :class:`NotEstimableError` with one group, no events, fewer than two groups at risk
    at the event times, or a singular variance (R: an error, or χ² = 0 with no events).
    ``timefix``: times equal within floating-point tolerance are one time (R's default).
    """
    t = as_times(time)
    if timefix and strata is not None:  # over all the data (R survdiff: aeqSurv of the response)
        t, _ = fix_times(t, None)
    e = as_events(event, t.size)
    labels, codes = group_codes(group, t.size, "group")
    if t.size == 0:
        raise NotEstimableError("no observations")
    if len(labels) < 2:
        raise NotEstimableError(
            f"group: needs at least two groups; all {t.size} subjects are in one"
        )
    layers = None
    if strata is not None:
        _, layers = group_codes(strata, t.size, "strata")
    observed = np.zeros(len(labels))
    expected = np.zeros(len(labels))
    variance = np.zeros((len(labels), len(labels)))
    for pick in (
        [slice(None)] if layers is None else [layers == layer for layer in np.unique(layers)]
    ):
        # unstratified: the table's own grid applies timefix over all the data
        o, x, v = _stratum_terms(
            t[pick], e[pick], codes[pick], len(labels), timefix and layers is None
        )
        observed += o
        expected += x
        variance += v
    if not observed.any():
        raise NotEstimableError("no events: the log-rank test needs at least one event")
    # as R survdiff: groups with no expected events (nobody at risk at any event) are left out
    tested = np.flatnonzero(expected > 0)
    if tested.size < 2:
        raise NotEstimableError("fewer than two groups have subjects at risk at an event time")
    diff = (observed - expected)[tested[1:]]
    try:
        chisq = float(diff @ np.linalg.solve(variance[np.ix_(tested[1:], tested[1:])], diff))
    except np.linalg.LinAlgError:
        chisq = np.nan
    if not np.isfinite(chisq):
        raise NotEstimableError(
            "the variance of observed − expected is singular (every subject at risk at each "
            "event time had the event)"
        )
    df = tested.size - 1
    method = "log-rank (R survdiff, rho = 0)" + (", stratified" if strata is not None else "")
    return LogRank(
        chisq=chisq,
        df=df,
        p_value=float(chi2.sf(chisq, df)),
        observed=pd.Series(observed, index=labels, name="observed"),
        expected=pd.Series(expected, index=labels, name="expected"),
        variance=variance,
        method=method,
    )
