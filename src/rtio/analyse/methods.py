"""The Methods paragraph, written from the analyses that ran and the parameters they used."""

from __future__ import annotations

from rtio.analyse.derived import Derived
from rtio.analyse.results import Results


def methods_text(results: Results, derived: Derived) -> list[str]:
    """One sentence group per analysis present in ``results``."""
    methods = [
        f"Populations were derived from the protocol's rules ({', '.join(f'{k} n = {v}' for k, v in results.populations.items())}).",
        "Tumour response was derived from lesion measurements by RECIST 1.1 (target sums, non-target and new lesions; "
        f"baseline within {derived.baseline_window_days} days before day 1); best overall response "
        + (
            "required confirmation ≥ 28 days later"
            if derived.confirmed
            else "did not require confirmation"
        )
        + "; SD required ≥ 42 days from day 1.",
        "ORR and DCR are given with exact Clopper–Pearson 95 % confidence intervals.",
        "PFS (first progression or death) and OS were estimated by the Kaplan–Meier method with log-transformed 95 % CIs "
        "(as R survfit); median CIs invert the pointwise band (Brookmeyer–Crowley, as R quantile.survfit). "
        "Durations are in months (days / 30.4375). Median follow-up uses the reverse Kaplan–Meier method.",
    ]
    if results.historical_control:
        methods.append(
            "The primary endpoint was compared with the protocol's historical control median by the one-sample "
            "log-rank test (Finkelstein 2003) and an exponential maximum-likelihood test."
        )
    if results.safety:
        methods.append(
            "Adverse events are counted once per patient and term at the worst CTCAE grade; radiotherapy-related "
            "events use the irradiated patients as the denominator."
        )
    if results.biomarker_tests or results.biomarker_survival:
        methods.append(
            "Biomarkers were compared between responders (CR/PR) and stable disease by the two-sided "
            "Mann–Whitney test (exact below 50 per group without ties, as R wilcox.test); high/low groups were "
            "split at the 30th percentile (R quantile type 7; values ≥ the cut-off high) and compared by the "
            "log-rank test. No adjustment was made for multiple comparisons (exploratory)."
        )
    if results.forest:
        methods.append(
            "Arms were compared by Cox proportional-hazards regression (Efron ties) with Wald 95 % CIs."
        )
    if results.cohort:
        methods.append(
            "Exposures that start after the index date were analysed naively, at landmarks (3 and 6 months) and "
            "as time-varying covariates in Cox models on counting-process data."
        )
    software = results.meta.software
    methods.append(
        f"Analyses were run with rtio {results.meta.rtio_version} (Python {software['python']}, numpy "
        f"{software['numpy']}, scipy {software['scipy']}, pandas {software['pandas']}); its statistics are "
        "tested against R survival to 1e-8."
    )
    return methods
