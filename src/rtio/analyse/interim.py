"""An interim (or final) look of a group-sequential two-arm comparison at a data cut-off.

The efficacy boundary is the design's (:func:`rtio.design.group_sequential.efficacy_bounds`,
Lan–DeMets spending identical to rpact) recomputed at the information actually observed: earlier
looks at their planned information fractions, this look at the observed fraction of the planned
events (the final look at 1, spending what is left). The observed statistic is the Wald Z of the
Cox log hazard ratio of the experimental arm vs the reference — against the margin for
non-inferiority (Z = (log HR − log margin) / SE), against 1 for superiority — and the boundary is
crossed when Z ≤ −c_K. The repeated confidence interval (Jennison & Turnbull 1989) is
exp(log HR ± c_K · SE): over all looks, the intervals cover the true HR with probability 1 − 2α.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from rtio.analyse.arms import StudyArms
from rtio.analyse.derived import Derived
from rtio.analyse.effects import hazard_ratio
from rtio.analyse.options import AnalysisOptions
from rtio.analyse.primary import Plan, resolve_plan
from rtio.analyse.results import Effect, InterimAnalysis
from rtio.analyse.survival import strata_of
from rtio.design.group_sequential import alpha_spent, efficacy_bounds
from rtio.io import Study


def _not_assessed(look: int, reason: str, assumed: list[str]) -> InterimAnalysis:
    return InterimAnalysis(
        look=look,
        crossed=None,
        statement=f"Look {look} not assessed: {reason}.",
        reason=reason,
        assumed=assumed,
    )


def design_values(
    study: Study, options: AnalysisOptions, plan: Plan
) -> tuple[int | None, list[float], str | None, int | None]:
    """Looks, planned information fractions, spending and planned events: the protocol's, else the
    command line's (recorded in ``plan.assumed``)."""
    stated = study.protocol.statistical_plan
    interim = stated.interim if stated else None
    looks = interim.looks if interim else None
    if looks is None and options.looks is not None:
        looks = options.looks
        plan.assumed.append(f"{looks} planned analyses (--looks)")
    fractions = (
        list(interim.information_fractions) if interim and interim.information_fractions else []
    )
    if looks is not None and not fractions:
        fractions = [(i + 1) / looks for i in range(looks)]
    spending = interim.spending if interim else None
    if spending is None and options.spending is not None:
        spending = options.spending
        plan.assumed.append(f"{spending} alpha spending (--spending)")
    events = stated.target_events if stated else None
    if events is None and options.target_events is not None:
        events = options.target_events
        plan.assumed.append(f"{events} planned events at the final analysis (--target-events)")
    return looks, fractions, spending, events


def interim_analysis(
    study: Study,
    derived: Derived,
    populations: dict[str, pd.Index],
    arms: StudyArms,
    options: AnalysisOptions,
) -> InterimAnalysis | None:
    """The boundary, observed statistic, crossed / not crossed and repeated CI at look
    ``options.look``; None when no look was asked for."""
    if options.look is None:
        return None
    look = options.look
    plan = resolve_plan(study, options)
    looks, fractions, spending, planned = design_values(study, options, plan)
    missing = [
        text
        for value, text in (
            (looks, "the number of looks (--looks)"),
            (spending, "the spending function (--spending)"),
            (planned, "the planned events (--target-events)"),
            (plan.endpoint, "the primary endpoint (--endpoint)"),
            (plan.alpha, "alpha (--alpha)"),
            (plan.sided, "sidedness (--sided)"),
            (
                plan.margin if plan.hypothesis == "non_inferiority" else 0.0,
                "the margin (--ni-margin)",
            ),
        )
        if value is None
    ]
    if plan.hypothesis not in ("non_inferiority", "superiority"):
        return _not_assessed(
            look, "group-sequential looks apply to a two-arm comparison", plan.assumed
        )
    if missing:
        return _not_assessed(
            look, "the protocol does not state " + ", ".join(missing), plan.assumed
        )
    assert looks is not None and spending is not None and planned is not None
    assert plan.endpoint is not None and plan.one_sided_alpha is not None
    if look > looks:
        return _not_assessed(look, f"the design has {looks} looks", plan.assumed)
    if not arms.comparable or arms.group is None or arms.reference is None:
        return _not_assessed(look, arms.problem or "the arms cannot be compared", plan.assumed)
    adtte = derived.adtte
    rows = adtte[(adtte["paramcd"] == plan.endpoint) & adtte["subject_id"].isin(populations["ITT"])]
    events = int((rows["cnsr"] == 0).sum())
    observed = 1.0 if look == looks else min(events / planned, 1.0)
    earlier = fractions[: look - 1]
    if earlier and observed <= earlier[-1]:
        return _not_assessed(
            look,
            f"the observed information fraction {observed:.3f} ({events} of {planned} events) is "
            f"not beyond look {look - 1}'s planned {earlier[-1]:.3f}",
            plan.assumed,
        )
    schedule = np.array([*earlier, observed])
    alpha1 = plan.one_sided_alpha
    bound = float(efficacy_bounds(schedule, alpha1, spending)[-1])
    strata, problem = strata_of(study.tables["subjects"], plan.strata)
    if problem is not None:
        return _not_assessed(look, problem, plan.assumed)
    label = rows["subject_id"].map(arms.of_subject).to_numpy(dtype=object)
    effect, fit = hazard_ratio(
        rows["aval_months"].to_numpy(float),
        1 - rows["cnsr"].to_numpy(int),
        label == arms.group,
        arms.group,
        arms.reference,
        None if strata is None else rows["subject_id"].map(strata).to_numpy(),
        " × ".join(plan.strata),
    )
    if fit is None:
        return _not_assessed(
            look, f"the hazard ratio is not estimable ({effect.not_estimable})", plan.assumed
        )
    coef, se = float(fit.summary["coef"].iloc[0]), float(fit.summary["se"].iloc[0])
    null = np.log(plan.margin) if plan.hypothesis == "non_inferiority" and plan.margin else 0.0
    z = (coef - null) / se
    crossed = bool(z <= -bound)
    repeated = Effect(
        value=float(np.exp(coef)),
        lower=float(np.exp(coef - bound * se)),
        upper=float(np.exp(coef + bound * se)),
        conf_level=1 - 2 * alpha1,
        group=arms.group,
        reference=arms.reference,
        method=f"repeated confidence interval at the look-{look} boundary (Jennison & Turnbull 1989); "
        + effect.method,
        p_value=None,
    )
    boundary_hr = float(np.exp(null - bound * se))
    goal = "non-inferiority" if plan.hypothesis == "non_inferiority" else "superiority"
    statement = (
        f"Look {look} of {looks} at {events} of {planned} planned {plan.endpoint} events (information "
        f"fraction {observed:.3f}; {spending} spending, one-sided alpha {alpha1:g}, cumulative alpha "
        f"spent {float(alpha_spent(np.array([observed]), alpha1, spending)[0]):.4g}): boundary Z ≤ "
        f"{-bound:.3f} (HR ≤ {boundary_hr:.3f}), observed Z = {z:.3f} (HR {np.exp(coef):.3f}); the "
        f"{goal} boundary is {'crossed' if crossed else 'not crossed'}. Repeated "
        f"{100 * (1 - 2 * alpha1):g}% CI {repeated.lower:.3f}–{repeated.upper:.3f}."
    )
    return InterimAnalysis(
        look=look,
        looks=looks,
        hypothesis=plan.hypothesis,
        endpoint=plan.endpoint,
        spending=spending,
        alpha=alpha1,
        planned_events=planned,
        observed_events=events,
        information_fraction=observed,
        information_fractions=[float(f) for f in schedule],
        alpha_spent=float(alpha_spent(np.array([observed]), alpha1, spending)[0]),
        boundary_z=-bound,
        boundary_hazard_ratio=boundary_hr,
        observed_z=z,
        p_value=float(norm.cdf(z)),
        crossed=crossed,
        repeated_ci=repeated,
        statement=statement,
        assumed=plan.assumed,
    )
