"""Survival and inference statistics with numbers identical to R (survival, stats).

Depends only on numpy, scipy and pandas; imports no other rtio package. See docs/statistics.md
for each method and its R equivalent.
"""

from rtio.stats.binomial import binomial_ci
from rtio.stats.cox import CoxPH, cox_ph
from rtio.stats.cox_zph import CoxZPH, cox_zph
from rtio.stats.cutoffs import Cutoff, percentile_cutoff
from rtio.stats.estimate import Estimate, NotEstimableError, TestResult
from rtio.stats.follow_up import median_follow_up
from rtio.stats.gray import gray_test
from rtio.stats.inputs import ArrayLike, FrameLike
from rtio.stats.kaplan_meier import KaplanMeier, KaplanMeierGroups, kaplan_meier
from rtio.stats.logrank import LogRank, logrank_test
from rtio.stats.one_sample import OneSampleTest, exponential_test, one_sample_logrank
from rtio.stats.rank_tests import MannWhitney, mann_whitney
from rtio.stats.restricted_mean import RestrictedMean, cumulative_incidence, rmst
from rtio.stats.risk_set import RiskTable, product_limit, risk_table

__all__ = [
    "ArrayLike",
    "CoxPH",
    "CoxZPH",
    "Cutoff",
    "Estimate",
    "FrameLike",
    "KaplanMeier",
    "KaplanMeierGroups",
    "LogRank",
    "MannWhitney",
    "NotEstimableError",
    "OneSampleTest",
    "RestrictedMean",
    "RiskTable",
    "TestResult",
    "binomial_ci",
    "cox_ph",
    "cox_zph",
    "cumulative_incidence",
    "exponential_test",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "mann_whitney",
    "median_follow_up",
    "one_sample_logrank",
    "percentile_cutoff",
    "product_limit",
    "risk_table",
    "rmst",
]
