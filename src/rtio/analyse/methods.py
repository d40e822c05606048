"""The Methods paragraph, written from the analyses that ran and the parameters they used."""

from __future__ import annotations

from rtio.analyse.derived import Derived
from rtio.analyse.results import Results
from rtio.vocabulary import DAYS_PER_MONTH


def _months(days: str) -> str:
    return f"{float(days) / DAYS_PER_MONTH:g}"


def _populations(results: Results) -> str:
    listed = ", ".join(f"{k.replace('_', '-')} n = {v}" for k, v in results.populations.items())
    return f"Populations were derived from the protocol's rules ({listed})."


def _response(results: Results, derived: Derived) -> list[str]:
    if not results.response:
        return []
    confirmation = (
        f"best overall response required a confirming assessment ≥ {derived.confirm_min_days} "
        "days later (the unconfirmed reading is shown beside it)"
        if derived.confirmed
        else "best overall response did not require confirmation, as the protocol states none "
        f"(the confirmed reading, ≥ {derived.confirm_min_days} days apart, is shown beside it)"
    )
    out = [
        "Tumour response was derived from lesion measurements by RECIST 1.1 (target sums, non-target "
        f"and new lesions; baseline within {derived.baseline_window_days} days before day 1); "
        f"{confirmation}; SD required ≥ {derived.sd_min_days} days from day 1.",
        "ORR and DCR are given with exact Clopper–Pearson 95 % confidence intervals.",
    ]
    if any(block.orr_odds_ratio is not None for block in results.response):
        block = next(b for b in results.response if b.orr_odds_ratio is not None)
        assert block.orr_odds_ratio is not None
        out.append(
            f"ORR of {block.orr_odds_ratio.group} vs {block.orr_odds_ratio.reference} is given as a "
            "conditional maximum-likelihood odds ratio with its exact CI and Fisher's exact test (R "
            "fisher.test), and as a difference with the Wald CI (R prop.test without continuity "
            "correction)."
        )
    return out


def _survival(results: Results) -> list[str]:
    if not results.survival:
        return []
    text = (
        "PFS (first progression or death) and OS were estimated by the Kaplan–Meier method with "
        "log-transformed 95 % CIs (as R survfit); median CIs invert the pointwise band "
        f"(Brookmeyer–Crowley, as R quantile.survfit). Durations are in months (days / {DAYS_PER_MONTH})."
    )
    if results.follow_up is not None:
        text += " Median follow-up uses the reverse Kaplan–Meier method."
    return [text]


def _comparisons(results: Results) -> list[str]:
    out = []
    for comparison in results.comparisons[:1]:
        hr = comparison.hazard_ratio
        if hr is None:
            continue
        text = (
            f"Arms were compared by the log-rank test and by Cox proportional-hazards regression "
            f"(Efron ties, Wald CIs) as the hazard ratio of {hr.group} vs {hr.reference}, the "
            "reference arm the protocol declares; proportionality was checked by the cox.zph score "
            "test."
        )
        if comparison.strata:
            text += f" Log-rank test and Cox model were also stratified by {', '.join(comparison.strata)}."
        out.append(text)
    if results.forest is not None:
        out.append(
            f"Subgroup hazard ratios ({results.forest.group} vs {results.forest.reference}) are "
            "unstratified Cox models within each subgroup level."
        )
    return out


def _primary(results: Results) -> list[str]:
    primary = results.primary_endpoint
    if primary is None or primary.verdict == "not_assessed":
        return []
    if primary.hypothesis == "non_inferiority":
        return [
            f"Non-inferiority was judged on the hazard ratio of {primary.endpoint} with a "
            f"{100 * (primary.conf_level or 0):g} % CI (1 − 2α, one-sided α "
            f"{(primary.alpha or 0) / (1 if primary.sided == 1 else 2):g}) against the margin "
            f"{primary.margin:g} in {' and '.join(p.replace('_', '-') for p in primary.populations)}"
            + (
                f", stratified by {' × '.join(primary.stratified_by)}"
                if primary.stratified_by
                else ""
            )
            + "; superiority was tested separately."
        ]
    if primary.hypothesis == "single_arm_vs_historical_control":
        return [
            "The primary endpoint was judged by the protocol's success rule "
            f"({(primary.success_rule or '').replace('_', ' ')}); the one-sample log-rank test "
            "(Finkelstein 2003) against the historical control median and an exponential "
            "maximum-likelihood test are reported beside it."
        ]
    return [
        f"Superiority was tested by the Wald test of the Cox hazard ratio at {primary.sided}-sided "
        f"alpha {primary.alpha:g}."
    ]


def _safety(results: Results) -> list[str]:
    if not results.safety:
        return []
    return [
        "Adverse events are counted once per patient and term at the worst CTCAE grade; "
        "radiotherapy-related events use the irradiated patients as the denominator."
    ]


def _biomarkers(results: Results) -> list[str]:
    out = []
    if results.biomarker_tests:
        out.append(
            "Biomarkers were compared between responders (CR/PR) and stable disease by the two-sided "
            "Mann–Whitney test (exact below 50 per group without ties, as R wilcox.test)."
        )
    if results.biomarker_paired:
        out.append(
            "Baseline and on-treatment values of the same patients were compared by the Wilcoxon "
            "signed-rank test (as R wilcox.test paired)."
        )
    if results.biomarker_survival:
        text = (
            "High and low groups were split at the 30th percentile (R quantile type 7; values ≥ the "
            "cut-off high) and compared by the log-rank test and the Cox HR of high vs low."
        )
        days = sorted({landmark.day for landmark in results.biomarker_landmarks})
        if days:
            text += (
                " On-treatment markers were analysed from a landmark at their planned sampling day "
                f"({', '.join(f'day {d:g}' for d in days)}); patients without follow-up beyond it "
                "were excluded."
            )
        out.append(text)
    if out:
        out.append("No adjustment was made for multiple comparisons (exploratory).")
    return out


def _cohort(results: Results) -> list[str]:
    cohort = results.cohort
    if cohort is None:
        return []
    out = []
    landmarks = sorted(
        {_months(k) for k in (cohort.local_rt.landmarks if cohort.local_rt else {})}
        | {_months(k) for k in (cohort.io_cycles.landmark_medians if cohort.io_cycles else {})},
        key=float,
    )
    if cohort.local_rt or cohort.io_cycles:
        out.append(
            "Exposures that start after the index date were analysed naively, at landmarks ("
            + ", ".join(f"{m} months" for m in landmarks)
            + ") and as time-varying covariates in Cox models on counting-process data."
        )
    if cohort.neoadjuvant_endpoints:
        out.append("Surgical and pathological endpoints are given with exact Clopper–Pearson CIs.")
    return out


def _rt_lesions(results: Results) -> list[str]:
    lesions = results.rt_lesions
    if lesions is None:
        return []
    out = [
        "A response of non-irradiated lesions is called abscopal only for lesions outside every RT "
        "field with no systemic therapy between the first RT fraction and the response scan; "
        "otherwise it is an out-of-field response."
    ]
    if lesions.competing_risks is not None:
        out.append(
            "Competing first events were summarised by Aalen–Johansen cumulative incidence"
            + (
                " and compared between arms by Gray's test."
                if lesions.competing_risks.gray_test_by_arm
                else "."
            )
        )
    return out


def methods_text(results: Results, derived: Derived) -> list[str]:
    """One sentence group per analysis present in ``results``, with the parameters used."""
    cutoff = results.meta.data_cutoff
    software = results.meta.software
    return [
        _populations(results),
        *([f"Data cut-off: {cutoff}; later records were set aside."] if cutoff else []),
        *_response(results, derived),
        *_survival(results),
        *_primary(results),
        *_comparisons(results),
        *_safety(results),
        *_biomarkers(results),
        *_cohort(results),
        *_rt_lesions(results),
        f"Analyses were run with rtio {results.meta.rtio_version} (Python {software['python']}, "
        f"numpy {software['numpy']}, scipy {software['scipy']}, pandas {software['pandas']}); its "
        "statistics are tested against R survival to 1e-8.",
    ]
