"""The primary analysis as the protocol states it, and its verdict.

* Single arm against a historical control (seed 004): the observed median of the primary endpoint
  against the median the sample size assumed (success rule ``median_reaches_target``), with the
  one-sample log-rank test against the historical median beside it and the observed events
  against the design's target events.
* Non-inferiority of two arms (seed 003): the Cox hazard ratio of the experimental arm vs the
  declared reference with a CI at level 1 − 2α (α one-sided), stratified when the protocol
  stratifies; non-inferior when the upper limit lies below the margin, in every primary
  population (ITT and per-protocol, ICH E9 / CONSORT NI extension); superiority (HR < 1) stated
  separately.
* Superiority of two arms: the Cox HR with a CI at 1 − α (two-sided) and the Wald test.

A plan value the protocol leaves empty comes from the command line and is listed in
``assumed``; a value missing from both gives the verdict ``not_assessed`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from rtio.analyse.arms import StudyArms
from rtio.analyse.derived import Derived
from rtio.analyse.effects import hazard_ratio
from rtio.analyse.options import AnalysisOptions
from rtio.analyse.results import Effect, Interval, PrimaryAnalysis, PrimaryEndpoint, Test
from rtio.analyse.survival import KM_METHOD, strata_of
from rtio.io import Study
from rtio.lookup import is_in
from rtio.stats import kaplan_meier, one_sample_logrank

DEFAULT_POPULATIONS = {"non_inferiority": ["ITT", "per_protocol"]}
"""Primary populations when the protocol names none: non-inferiority is judged in ITT and
per-protocol together (ICH E9; CONSORT extension for non-inferiority trials), others in ITT."""


@dataclass
class Plan:
    """The statistical-plan values of one analysis, each from the protocol or the command line."""

    hypothesis: str | None
    endpoint: str | None
    alpha: float | None
    sided: int | None
    margin: float | None
    strata: list[str]
    populations: list[str]
    rule: str | None
    assumed: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def one_sided_alpha(self) -> float | None:
        if self.alpha is None or self.sided is None:
            return None
        return self.alpha if self.sided == 1 else self.alpha / 2


def resolve_plan(study: Study, options: AnalysisOptions) -> Plan:
    """The plan values: the protocol's where it states them, else the command line's (assumed)."""
    protocol = study.protocol
    plan = protocol.statistical_plan
    assumed: list[str] = []
    ignored: list[str] = []

    def pick(name: str, stated: object, given: object, text: str) -> object:
        if stated is not None and stated != []:
            if given is not None and given != () and given != stated:
                ignored.append(f"--{name} {given} ignored: the protocol states {stated}")
            return stated
        if given is not None and given != ():
            assumed.append(text.format(given))
            return given
        return None

    margin = (
        plan.non_inferiority_margin.value
        if plan
        and plan.non_inferiority_margin
        and plan.non_inferiority_margin.scale == "hazard_ratio"
        else None
    )
    hypothesis = plan.comparison if plan else None
    strata = pick(
        "stratify",
        list(protocol.design.stratification_factors) or None,
        ",".join(options.stratify) or None,
        "stratification factors {} (--stratify)",
    )
    if isinstance(strata, str):
        factors = strata.split(",")
    else:
        factors = list(strata) if isinstance(strata, list) else []
    populations = list(plan.primary_populations) if plan and plan.primary_populations else []
    if not populations and hypothesis is not None:
        populations = DEFAULT_POPULATIONS.get(hypothesis, ["ITT"])
        assumed.append(
            f"primary populations {' and '.join(p.replace('_', '-') for p in populations)} "
            "(the protocol names none)"
        )
    return Plan(
        hypothesis=hypothesis,
        endpoint=pick(  # type: ignore[arg-type]
            "endpoint",
            plan.primary_endpoint if plan else None,
            options.endpoint,
            "primary endpoint {} (--endpoint)",
        ),
        alpha=pick("alpha", plan.alpha if plan else None, options.alpha, "alpha {} (--alpha)"),  # type: ignore[arg-type]
        sided=pick(
            "sided", plan.sided if plan else None, options.sided, "{}-sided alpha (--sided)"
        ),  # type: ignore[arg-type]
        margin=pick(
            "ni-margin", margin, options.ni_margin, "non-inferiority margin HR {} (--ni-margin)"
        )  # type: ignore[arg-type]
        if hypothesis == "non_inferiority"
        else None,
        strata=factors,
        populations=populations,
        rule=plan.success_rule.rule if plan and plan.success_rule else None,
        assumed=assumed,
        ignored=ignored,
    )


def _not_assessed(plan: Plan, reason: str) -> PrimaryEndpoint:
    return PrimaryEndpoint(
        hypothesis=plan.hypothesis,
        endpoint=plan.endpoint,
        alpha=plan.alpha,
        sided=plan.sided,  # type: ignore[arg-type]
        margin=plan.margin,
        stratified_by=plan.strata,
        populations=plan.populations,
        success_rule=plan.rule,
        verdict="not_assessed",
        statement=f"The primary endpoint was not assessed: {reason}.",
        reason=reason,
        assumed=plan.assumed,
    )


def _rows(derived: Derived, ids: pd.Index, endpoint: str) -> pd.DataFrame:
    adtte = derived.adtte
    return adtte[(adtte["paramcd"] == endpoint) & is_in(adtte["subject_id"], ids)]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "NE" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    if value is None:
        return "NE"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def single_arm(
    study: Study, derived: Derived, populations: dict[str, pd.Index], plan: Plan
) -> PrimaryEndpoint:
    """Observed median vs the design's target (or the one-sample test), per primary population."""
    stated = study.protocol.statistical_plan
    control = stated.historical_control if stated else None
    expected = stated.expected if stated else None
    if control is None or control.median_months is None:
        return _not_assessed(plan, "the protocol gives no historical control median")
    if plan.endpoint is None:
        return _not_assessed(plan, "the protocol names no primary endpoint (give --endpoint)")
    rule = plan.rule
    if rule is None:
        rule = "test_significant"
        plan.assumed.append("success rule: the one-sample log-rank test significant at alpha")
    if rule == "median_reaches_target" and (expected is None or expected.median_months is None):
        return _not_assessed(
            plan, "the success rule needs the expected median, which the protocol does not give"
        )
    if rule == "test_significant" and (plan.alpha is None or plan.sided is None):
        return _not_assessed(plan, "alpha and sidedness are missing (give --alpha and --sided)")
    sided = plan.sided or 1
    analyses = []
    for population in plan.populations:
        if population not in populations:
            return _not_assessed(plan, f"population {population!r} is not derived for this study")
        rows = _rows(derived, populations[population], plan.endpoint)
        if rows.empty:
            return _not_assessed(plan, f"no {plan.endpoint} data in the {population} population")
        time, event = rows["aval_months"].to_numpy(float), 1 - rows["cnsr"].to_numpy(int)
        median = kaplan_meier(time, event).median()
        test = one_sample_logrank(time, event, control.median_months, sided=sided)
        if rule == "median_reaches_target":
            assert expected is not None and expected.median_months is not None
            target = expected.median_months
            if np.isfinite(median.value):
                met = bool(median.value >= target)
            elif time.max() >= target:
                met = True  # not reached: survival stays above one half past the target
            else:
                return _not_assessed(
                    plan,
                    f"the median {plan.endpoint} is not reached and follow-up ({time.max():.1f} "
                    f"months) is shorter than the {target:g}-month target",
                )
        else:
            target = None
            met = bool(test.p_value < (plan.alpha or 0.05) and test.statistic > 0)
        analyses.append(
            PrimaryAnalysis(
                population=population,
                n=len(rows),
                events=int(event.sum()),
                median=Interval(
                    value=median.value, lower=median.lower, upper=median.upper, method=KM_METHOD
                ),
                target_median_months=target,
                test=Test(
                    statistic=test.statistic,
                    p_value=test.p_value,
                    method=f"{test.method} against the historical median {control.median_months:g} months ({'one' if sided == 1 else 'two'}-sided)",
                ),
                verdict="met" if met else "not met",
            )
        )
    verdict = "met" if all(a.verdict == "met" for a in analyses) else "not met"
    first = analyses[0]
    assert first.median is not None and first.test is not None
    planned = stated.target_events if stated else None
    parts = [
        f"Median {plan.endpoint} in the {first.population} population {_fmt(first.median.value)} months "
        f"(95% CI {_fmt(first.median.lower)}–{_fmt(first.median.upper)})"
        + (
            f" vs the {first.target_median_months:g}-month target of the design: {verdict}."
            if first.target_median_months is not None
            else f": {verdict}."
        ),
        f"One-sample log-rank test against the historical median of {control.median_months:g} months: "
        f"Z = {first.test.statistic:.2f}, p = {_p(first.test.p_value)} ({'one' if sided == 1 else 'two'}-sided).",
        f"Observed {first.events} {plan.endpoint} events"
        + (f"; the design planned {planned}." if planned else "."),
    ]
    return PrimaryEndpoint(
        hypothesis=plan.hypothesis,
        endpoint=plan.endpoint,
        alpha=plan.alpha,
        sided=plan.sided,  # type: ignore[arg-type]
        populations=plan.populations,
        success_rule=rule,
        verdict=verdict,  # type: ignore[arg-type]
        statement=" ".join(parts),
        assumed=plan.assumed,
        analyses=analyses,
        observed_events=first.events,
        planned_events=planned,
    )


def _cox(
    rows: pd.DataFrame,
    arms: StudyArms,
    strata: pd.Series | None,
    strata_label: str,
    conf_level: float,
) -> tuple[Effect, float | None, float | None]:
    """HR of the experimental arm vs the reference, with log HR and its SE."""
    assert arms.group is not None and arms.reference is not None
    label = rows["subject_id"].map(arms.of_subject).to_numpy(dtype=object)
    layer = None if strata is None else rows["subject_id"].map(strata).to_numpy()
    effect, fit = hazard_ratio(
        rows["aval_months"].to_numpy(float),
        1 - rows["cnsr"].to_numpy(int),
        label == arms.group,
        arms.group,
        arms.reference,
        layer,
        strata_label,
        conf_level,
    )
    if fit is None:
        return effect, None, None
    row = fit.summary.iloc[0]
    return effect, float(row["coef"]), float(row["se"])


def two_arm(
    study: Study, derived: Derived, populations: dict[str, pd.Index], arms: StudyArms, plan: Plan
) -> PrimaryEndpoint:
    """Non-inferiority or superiority of the experimental arm vs the declared reference."""
    if not arms.comparable or arms.group is None or arms.reference is None:
        return _not_assessed(plan, arms.problem or "the arms cannot be compared")
    missing = [
        text
        for value, text in (
            (plan.endpoint, "the primary endpoint (--endpoint)"),
            (plan.alpha, "alpha (--alpha)"),
            (plan.sided, "sidedness (--sided)"),
            (
                plan.margin if plan.hypothesis == "non_inferiority" else 0.0,
                "the non-inferiority margin (--ni-margin)",
            ),
        )
        if value is None
    ]
    if missing:
        return _not_assessed(plan, "the protocol does not state " + ", ".join(missing))
    assert plan.endpoint is not None and plan.one_sided_alpha is not None
    alpha1 = plan.one_sided_alpha
    ni = plan.hypothesis == "non_inferiority"
    conf_level = 1 - 2 * alpha1
    subjects = study.tables["subjects"]
    strata, problem = strata_of(subjects, plan.strata)
    if problem is not None:
        return _not_assessed(plan, problem)
    label = " × ".join(plan.strata)
    analyses = []
    for population in plan.populations:
        if population not in populations:
            return _not_assessed(plan, f"population {population!r} is not derived for this study")
        rows = _rows(derived, populations[population], plan.endpoint)
        effect, log_hr, se = _cox(rows, arms, strata, label, conf_level)
        if effect.not_estimable:
            verdict = "not_assessed"
            test = None
        elif ni:
            assert log_hr is not None and se is not None and plan.margin is not None
            z = (log_hr - np.log(plan.margin)) / se
            test = Test(
                statistic=z,
                p_value=float(norm.cdf(z)),
                method=f"Wald Z of log HR against log {plan.margin:g} (one-sided)",
            )
            verdict = (
                "non-inferior"
                if effect.upper is not None and effect.upper < plan.margin
                else "non-inferiority not shown"
            )
        else:
            assert log_hr is not None and se is not None
            z = log_hr / se
            p = float(norm.cdf(z)) if plan.sided == 1 else float(2 * norm.sf(abs(z)))
            test = Test(
                statistic=z,
                p_value=p,
                method="Wald Z of log HR"
                + (" (one-sided, HR < 1)" if plan.sided == 1 else " (two-sided)"),
            )
            verdict = "met" if p < (plan.alpha or 0) and log_hr < 0 else "not met"
        analyses.append(
            PrimaryAnalysis(
                population=population,
                n=len(rows),
                events=int((rows["cnsr"] == 0).sum()),
                hazard_ratio=effect,
                test=test,
                verdict=verdict,
            )
        )
    verdicts = {a.verdict for a in analyses}
    if "not_assessed" in verdicts:
        failed = next(a for a in analyses if a.verdict == "not_assessed")
        assert failed.hazard_ratio is not None
        return _not_assessed(
            plan,
            f"the hazard ratio in {failed.population} is not estimable ({failed.hazard_ratio.not_estimable})",
        )
    good = "non-inferior" if ni else "met"
    verdict = good if verdicts == {good} else ("non-inferiority not shown" if ni else "not met")
    superiority = _superiority(derived, populations, arms, plan, strata, label) if ni else None
    return PrimaryEndpoint(
        hypothesis=plan.hypothesis,
        endpoint=plan.endpoint,
        alpha=plan.alpha,
        sided=plan.sided,  # type: ignore[arg-type]
        conf_level=conf_level,
        margin=plan.margin,
        stratified_by=plan.strata,
        populations=plan.populations,
        success_rule=plan.rule or ("upper_limit_below_margin" if ni else "test_significant"),
        verdict=verdict,  # type: ignore[arg-type]
        statement=_two_arm_statement(plan, arms, analyses, verdict, superiority, conf_level),
        assumed=plan.assumed,
        analyses=analyses,
        superiority=superiority,
        observed_events=analyses[0].events,
        planned_events=study.protocol.statistical_plan.target_events
        if study.protocol.statistical_plan
        else None,
    )


def _superiority(
    derived: Derived,
    populations: dict[str, pd.Index],
    arms: StudyArms,
    plan: Plan,
    strata: pd.Series | None,
    label: str,
) -> PrimaryAnalysis:
    """The superiority test (HR < 1) in ITT, stated beside a non-inferiority verdict."""
    assert plan.endpoint is not None and plan.alpha is not None
    rows = _rows(derived, populations["ITT"], plan.endpoint)
    effect, log_hr, se = _cox(
        rows, arms, strata, label, 1 - plan.alpha if plan.sided == 2 else 1 - 2 * plan.alpha
    )
    test = None
    verdict = "not_assessed"
    if log_hr is not None and se is not None:
        z = log_hr / se
        p = float(2 * norm.sf(abs(z))) if plan.sided == 2 else float(norm.cdf(z))
        test = Test(
            statistic=z,
            p_value=p,
            method="Wald Z of log HR"
            + (" (two-sided)" if plan.sided == 2 else " (one-sided, HR < 1)"),
        )
        verdict = "met" if p < plan.alpha and log_hr < 0 else "not met"
    return PrimaryAnalysis(
        population="ITT",
        n=len(rows),
        events=int((rows["cnsr"] == 0).sum()),
        hazard_ratio=effect,
        test=test,
        verdict=verdict,
    )


def _two_arm_statement(
    plan: Plan,
    arms: StudyArms,
    analyses: list[PrimaryAnalysis],
    verdict: str,
    superiority: PrimaryAnalysis | None,
    conf_level: float,
) -> str:
    ni = plan.hypothesis == "non_inferiority"
    parts = []
    for a in analyses:
        hr = a.hazard_ratio
        assert hr is not None and a.test is not None
        parts.append(
            f"{a.population.replace('_', '-')}: HR {plan.endpoint} {hr.group} vs {hr.reference} {_fmt(hr.value, 2)} "
            f"({100 * conf_level:g}% CI {_fmt(hr.lower, 2)}–{_fmt(hr.upper, 2)}"
            + (f"; upper limit vs margin {plan.margin:g}" if ni else f"; p = {_p(a.test.p_value)}")
            + f"): {a.verdict}."
        )
    head = (
        (
            f"Non-inferiority of {arms.group} to {arms.reference} (margin HR {plan.margin:g}, one-sided "
            f"alpha {plan.one_sided_alpha:g}"
            if ni
            else f"Superiority of {arms.group} over {arms.reference} ({plan.sided}-sided alpha {plan.alpha:g}"
        )
        + (f", stratified by {' × '.join(plan.strata)}" if plan.strata else "")
        + f"): {verdict}."
    )
    tail = []
    if (
        superiority is not None
        and superiority.test is not None
        and superiority.hazard_ratio is not None
    ):
        tail.append(
            f"Superiority (HR < 1, ITT) stated separately: p = {_p(superiority.test.p_value)}, "
            f"{'shown' if superiority.verdict == 'met' else 'not shown'}."
        )
    if plan.assumed:
        tail.append("Assumed (not in the protocol): " + "; ".join(plan.assumed) + ".")
    return " ".join([head, *parts, *tail])


def primary_endpoint(
    study: Study,
    derived: Derived,
    populations: dict[str, pd.Index],
    arms: StudyArms,
    options: AnalysisOptions,
) -> PrimaryEndpoint | None:
    """The protocol's primary analysis and its verdict; None for designs without a hypothesis
    (retrospective cohorts)."""
    if study.protocol.design.type == "retrospective_cohort":
        return None
    plan = resolve_plan(study, options)
    if plan.hypothesis is None:
        return _not_assessed(plan, "the protocol states no hypothesis")
    if plan.hypothesis == "single_arm_vs_historical_control":
        return single_arm(study, derived, populations, plan)
    return two_arm(study, derived, populations, arms, plan)
