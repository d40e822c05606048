"""Retrospective cohort analyses that respect when an exposure starts.

An exposure that starts after the index date (radiotherapy during first-line immunotherapy, the
13th cycle of a PD-1 inhibitor) can only be received by patients who lived long enough to receive
it. Comparing "ever exposed" with "never exposed" from the index date credits the exposure with
that immortal time. This package builds the honest analyses — landmark, exposure as a
time-varying covariate, Simon–Makuch curves — and reports them next to the naive comparison;
it also provides propensity-score weighting and the surgical / pathological endpoints of
neoadjuvant cohorts.
"""

from rtio.cohort.followup import overall_survival
from rtio.cohort.landmark import landmark_data
from rtio.cohort.propensity import balance_table, inverse_probability_weights, propensity_scores
from rtio.cohort.timing import counting_process, cycle_category_times, first_rt_start_day

__all__ = [
    "balance_table",
    "counting_process",
    "cycle_category_times",
    "first_rt_start_day",
    "inverse_probability_weights",
    "landmark_data",
    "overall_survival",
    "propensity_scores",
]
