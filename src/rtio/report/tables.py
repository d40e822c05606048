"""Results rendered as plain tables (title, header, rows of text) shared by the HTML, DOCX and PDF
writers, so the three formats print the same numbers.

Every comparison's label is built from the effect's ``group`` and ``reference`` ("HR salvage vs
immediate"); a statistic that could not be estimated prints "not estimable (reason)", never a
number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rtio.analyse.results import (
    Abscopal,
    AETable,
    CohortHazardRatio,
    CompetingRisks,
    Effect,
    GroupMedian,
    Interval,
    Proportion,
    ResponseBlock,
    Results,
    SurvivalResult,
    Test,
)
from rtio.derive.adverse_events import percent_text
from rtio.vocabulary import DAYS_PER_MONTH

NONE_EVALUABLE = "— (none evaluable)"
"""A rate cell with no evaluable patient."""
ROW_LIMIT = 100
"""Listings of patients (deviations) print at most this many rows; results.json has them all."""


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str | None = None
    key: str = field(default="")


def _num(value: float | None, digits: int = 1) -> str:
    return "NE" if value is None else f"{value:.{digits}f}"


def _whole_digits(*values: float | None) -> int:
    """0 when every known value is a whole number, else 1: one number format for a column."""
    return 0 if all(float(v).is_integer() for v in values if v is not None) else 1


def _interval(interval: Interval | None, digits: int = 1) -> str:
    if interval is None:
        return "—"
    return f"{_num(interval.value, digits)} ({_num(interval.lower, digits)}–{_num(interval.upper, digits)})"


def _pct_ci(p: Proportion) -> str:
    if p.rate is None or p.lower is None or p.upper is None:
        return f"{p.k}/{p.n}" if p.n else "—"
    return f"{p.k}/{p.n}, {100 * p.rate:.1f}% ({100 * p.lower:.1f}–{100 * p.upper:.1f})"


def _p(value: float | None) -> str:
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def effect_label(effect: Effect, measure: str = "HR") -> str:
    """ "HR group vs reference" — the label of an effect, from its own fields."""
    return f"{measure} {effect.group} vs {effect.reference}"


def effect_text(effect: Effect | None, digits: int = 2, scale: float = 1.0) -> str:
    """ "value (lower–upper)", or "not estimable (reason)"."""
    if effect is None:
        return "—"
    if effect.not_estimable:
        return f"not estimable ({effect.not_estimable})"
    value, lower, upper = (
        None if v is None else scale * v for v in (effect.value, effect.lower, effect.upper)
    )
    dash = " to " if lower is not None and lower < 0 else "–"
    return f"{_num(value, digits)} ({_num(lower, digits)}{dash}{_num(upper, digits)})"


def test_text(test: Test | None) -> str:
    """The p-value of a test, or "not estimable (reason)"."""
    if test is None:
        return "—"
    if test.not_estimable:
        return f"not estimable ({test.not_estimable})"
    return _p(test.p_value)


def _population(name: str) -> str:
    return name.replace("_", "-")


def arm_columns(results: Results) -> list[str]:
    """Arm labels of a randomized trial in protocol order (those with patients)."""
    return [a.label for a in results.arms if a.n]


def primary(results: Results) -> Table | None:
    """The primary analysis per population (and the superiority test beside a non-inferiority
    one): the estimate named by its groups in the heading, the test's p and the verdict."""
    p = results.primary_endpoint
    if p is None:
        return None
    analyses = [*p.analyses, *([p.superiority] if p.superiority is not None else [])]
    effects = [a.hazard_ratio for a in analyses if a.hazard_ratio is not None]
    estimate = (
        f"{effect_label(effects[0])} ({100 * effects[0].conf_level:g}% CI)"
        if effects
        else "Median, months (95% CI)"
    )
    rows = []
    for a in analyses:
        superiority = a is p.superiority
        rows.append(
            [
                _population(a.population) + (" (superiority)" if superiority else ""),
                str(a.n),
                str(a.events),
                effect_text(a.hazard_ratio)
                if a.hazard_ratio is not None
                else _interval(a.median)
                + (
                    f"; target {a.target_median_months:g}"
                    if a.target_median_months is not None
                    else ""
                ),
                "—" if a.test is None else test_text(a.test),
                ("superiority " + ("shown" if a.verdict == "met" else "not shown"))
                if superiority
                else a.verdict,
            ]
        )
    if not rows:  # not assessed: the reason is in the note
        populations = ", ".join(_population(name) for name in p.populations) or "—"
        rows.append([populations, "—", "—", "not assessed", "—", "not assessed"])
    tests = list(dict.fromkeys(a.test.method for a in analyses if a.test is not None))
    facts = [
        f"Hypothesis: {(p.hypothesis or 'not stated').replace('non_inferiority', 'non-inferiority').replace('_', ' ')}",
        f"endpoint: {p.endpoint or 'not stated'}",
        f"alpha: {'not stated' if p.alpha is None else f'{p.alpha:g}'}"
        + ("" if p.sided is None else f" ({p.sided}-sided)"),
    ]
    if p.margin is not None:
        facts.append(f"margin: HR {p.margin:g}")
    if p.conf_level is not None:
        facts.append(f"CI level {100 * p.conf_level:g}%")
    if p.stratified_by:
        facts.append(f"stratified by {' × '.join(p.stratified_by)}")
    note = "; ".join(facts) + "."
    if tests:
        note += " Tests: " + "; ".join(tests) + "."
    if p.reason:
        note += f" Not assessed: {p.reason}."
    if p.assumed:
        note += " ASSUMED (not stated by the protocol): " + "; ".join(p.assumed) + "."
    return Table(
        f"Primary endpoint — verdict: {p.verdict.replace('_', ' ')}",
        ["Population", "n", "Events", estimate, "p", "Verdict"],
        rows,
        note,
        "primary",
    )


def baseline(results: Results) -> Table:
    n = results.populations.get("ITT", 0)
    groups = list(results.baseline[0].by_arm) if results.baseline else []
    sizes = {a.label: a.n for a in results.arms}
    with_smd = any(row.smd is not None for row in results.baseline)
    rows, last = [], None
    for row in results.baseline:
        rows.append(
            [row.characteristic if row.characteristic != last else "", row.category]
            + [row.by_arm[g].text if g in row.by_arm else "" for g in groups]
            + [row.text]
            + ([_num(row.smd, 2)] if with_smd else [])
        )
        last = row.characteristic
    header = (
        ["Characteristic", ""]
        + [f"{g} (n = {sizes[g]})" if g in sizes else g for g in groups]
        + [f"Total (n = {n})"]
        + (["SMD"] if with_smd else [])
    )
    note = "Data are n (%) unless stated."
    if with_smd:
        note += (
            " SMD: standardized mean difference of the exposed vs the unexposed group (|SMD| < 0.1"
            " is the usual mark of balance)."
        )
    return Table("Table 1. Baseline characteristics", header, rows, note, "baseline")


def _response_row(block: ResponseBlock, group: str) -> list[str]:
    counts = {c.category: c.n for c in block.distribution}
    return (
        [_population(block.population), block.reading, group]
        + [str(counts.get(c, 0)) for c in ("CR", "PR", "SD", "PD", "NE")]
        + [_pct_ci(block.orr), _pct_ci(block.dcr)]
    )


def response(results: Results) -> Table:
    rows = []
    for block in results.response:
        for label, part in block.by_arm.items():
            rows.append(_response_row(part, label))
        rows.append(_response_row(block, "Total" if block.by_arm else "All"))
    return Table(
        "Tumour response (RECIST 1.1)",
        [
            "Population",
            "Reading",
            "Group",
            "CR",
            "PR",
            "SD",
            "PD",
            "NE",
            "ORR (95% CI)",
            "DCR (95% CI)",
        ],
        rows,
        "Exact Clopper–Pearson 95% CIs; subjects without an evaluable assessment count as NE in "
        "the denominator.",
        "response",
    )


def response_comparison(results: Results) -> Table | None:
    """The ORR of the experimental arm vs the reference, per population and reading: the odds
    ratio (Fisher's exact test) and the difference in percentage points."""
    compared = [
        b for b in results.response if b.orr_odds_ratio is not None and b.orr_difference is not None
    ]
    if not compared:
        return None
    first = compared[0].orr_odds_ratio
    assert first is not None and compared[0].orr_difference is not None
    rows = [
        [
            _population(b.population),
            b.reading,
            f"{b.by_arm[first.group].orr.k}/{b.by_arm[first.group].orr.n}"
            if first.group in b.by_arm
            else "—",
            f"{b.by_arm[first.reference].orr.k}/{b.by_arm[first.reference].orr.n}"
            if first.reference in b.by_arm
            else "—",
            effect_text(b.orr_odds_ratio),
            _p(b.orr_odds_ratio.p_value) if b.orr_odds_ratio is not None else "—",
            effect_text(b.orr_difference, 1, 100),
        ]
        for b in compared
    ]
    return Table(
        f"Objective response: {first.group} vs {first.reference}",
        [
            "Population",
            "Reading",
            f"ORR {first.group}",
            f"ORR {first.reference}",
            f"Odds ratio ({100 * first.conf_level:g}% CI)",
            "Fisher's exact p",
            f"Difference, percentage points ({100 * compared[0].orr_difference.conf_level:g}% CI)",
        ],
        rows,
        f"Odds ratio: {first.method}. Difference: {compared[0].orr_difference.method}. "
        f"The reference is {first.reference}, the arm the protocol declares as the comparator.",
        "response_comparison",
    )


def _rate_cell(s: SurvivalResult, months: int) -> str:
    rates = {round(r.months): r for r in s.rates}
    r = rates.get(months)
    if r is None or r.survival is None:
        return "—"
    return (
        f"{100 * r.survival:.1f}% ({_num(None if r.lower is None else 100 * r.lower)}–"
        f"{_num(None if r.upper is None else 100 * r.upper)})"
    )


def _survival_row(s: SurvivalResult, group: str) -> list[str]:
    return [
        s.endpoint,
        _population(s.population),
        group,
        str(s.n),
        str(s.events),
        _interval(s.median),
        _rate_cell(s, 12),
        _rate_cell(s, 24),
    ]


def survival(results: Results) -> Table:
    rows = []
    for s in results.survival:
        for label, part in s.by_arm.items():
            rows.append(_survival_row(part, label))
        rows.append(_survival_row(s, "Total" if s.by_arm else "All"))
    note_parts = []
    if results.follow_up is not None:
        low, high = results.follow_up_range or (None, None)
        note_parts.append(
            f"Median follow-up (reverse KM) {_interval(results.follow_up)} months; range among censored "
            f"{_num(low)}–{_num(high)} months."
        )
    if results.duration_of_response is not None:
        q1, q3 = results.duration_of_response_iqr or (None, None)
        note_parts.append(
            f"Median duration of response {_num(results.duration_of_response.value)} months (IQR {_num(q1)}–{_num(q3)})."
        )
    note_parts.append(f"NE: not estimable (not reached). Months = days / {DAYS_PER_MONTH}.")
    return Table(
        "Time-to-event endpoints (Kaplan–Meier)",
        [
            "Endpoint",
            "Population",
            "Group",
            "n",
            "Events",
            "Median, months (95% CI)",
            "12-month rate (95% CI)",
            "24-month rate (95% CI)",
        ],
        rows,
        " ".join(note_parts),
        "survival",
    )


def historical(results: Results) -> Table | None:
    if not results.historical_control:
        return None
    rows = [
        [
            h.endpoint,
            h.population,
            f"{h.median_control_months:g}",
            f"{h.observed:.0f}",
            f"{h.expected:.1f}",
            f"{h.statistic:.2f}",
            _p(h.p_value) + (" (one-sided)" if h.sided == 1 else ""),
            h.method,
        ]
        for h in results.historical_control
    ]
    return Table(
        "Comparison with the historical control",
        [
            "Endpoint",
            "Population",
            "Control median (months)",
            "Observed",
            "Expected",
            "Z",
            "p",
            "Method",
        ],
        rows,
        key="historical",
    )


def safety_overview(results: Results) -> Table | None:
    if not results.safety_summary:
        return None
    groups = list(results.safety_summary[0].by_arm)
    rows = [
        [row.label]
        + [percent_text(row.by_arm[g].n, row.by_arm[g].denominator) for g in groups]
        + [percent_text(row.n, row.denominator)]
        for row in results.safety_summary
    ]
    first = results.safety_summary[0]
    header = (
        ["Patients with"]
        + [f"{g} (n = {first.by_arm[g].denominator})" for g in groups]
        + [f"Total (n = {first.denominator})"]
    )
    return Table(
        "Adverse events: overview",
        header,
        rows,
        "Patients counted once per row; % of the safety population (of each arm).",
        "ae_overview",
    )


def _ae_table(table: AETable, number: int) -> Table:
    n = table.denominator
    groups = list(table.by_arm_denominator)
    if groups:
        rows = [
            [row.term]
            + [
                cell
                for g in groups
                for cell in (
                    percent_text(row.by_arm[g].any_grade, table.by_arm_denominator[g]),
                    percent_text(row.by_arm[g].grade_3_plus, table.by_arm_denominator[g]),
                )
            ]
            + [percent_text(row.any_grade, n), percent_text(row.grade_3_plus, n)]
            for row in table.rows
        ]
        header = (
            ["Term (CTCAE v5)"]
            + [
                f"{g} (n = {table.by_arm_denominator[g]}): {grade}"
                for g in groups
                for grade in ("any grade", "grade ≥3")
            ]
            + [f"Total (n = {n}): any grade", "Total: grade ≥3"]
        )
    else:
        rows = [
            [row.term]
            + [
                percent_text(count, n)
                for count in (row.grade_1, row.grade_2, row.grade_3, row.grade_4, row.grade_5)
            ]
            + [percent_text(row.any_grade, n), percent_text(row.grade_3_plus, n)]
            for row in table.rows
        ]
        header = [
            "Term (CTCAE v5)",
            "Grade 1",
            "Grade 2",
            "Grade 3",
            "Grade 4",
            "Grade 5",
            "Any grade",
            "Grade ≥3",
        ]
    return Table(
        f"Table {number}. {table.title} (n = {n})",
        header,
        rows,
        "Patients counted once per term at their worst grade; % of the denominator.",
        f"ae_{number}",
    )


def adverse_events(results: Results) -> list[Table]:
    return [_ae_table(table, i) for i, table in enumerate(results.safety, start=2)]


def biomarkers(results: Results) -> list[Table]:
    out = []
    if results.biomarker_tests:
        rows = [
            [
                t.biomarker,
                t.timepoint.replace("_", "-"),
                t.unit or "—",
                str(t.n_responders),
                str(t.n_stable),
                _num(t.median_responders, 4 if abs(t.median_responders or 0) < 1 else 1),
                _num(t.median_stable, 4 if abs(t.median_stable or 0) < 1 else 1),
                "—" if t.statistic is None else f"{t.statistic:g}",
                f"not estimable ({t.not_estimable})" if t.not_estimable else _p(t.p_value),
            ]
            for t in results.biomarker_tests
        ]
        out.append(
            Table(
                f"Biomarkers: responders (CR/PR) vs stable disease — all {len(rows)} comparisons",
                [
                    "Biomarker",
                    "Timepoint",
                    "Unit",
                    "n CR/PR",
                    "n SD",
                    "Median CR/PR",
                    "Median SD",
                    "W",
                    "p",
                ],
                rows,
                "Two-sided Mann–Whitney test; exploratory, no adjustment for multiple comparisons.",
                "biomarker_tests",
            )
        )
    if results.biomarker_paired:
        rows = [
            [
                t.biomarker,
                t.unit or "—",
                str(t.n_pairs),
                _num(t.median_baseline, 2),
                _num(t.median_on_treatment, 2),
                _num(t.median_change, 2),
                "—" if t.statistic is None else f"{t.statistic:g}",
                f"not estimable ({t.not_estimable})" if t.not_estimable else _p(t.p_value),
            ]
            for t in results.biomarker_paired
        ]
        out.append(
            Table(
                "Biomarkers: on treatment vs baseline in the same patients",
                [
                    "Biomarker",
                    "Unit",
                    "Pairs",
                    "Median baseline",
                    "Median on treatment",
                    "Median change",
                    "V",
                    "p",
                ],
                rows,
                "Wilcoxon signed-rank test (V: sum of the ranks of the positive changes); "
                "exploratory.",
                "biomarker_paired",
            )
        )
    if results.biomarker_survival:
        rows = [
            [
                c.title,
                f"{c.cutoff:.4g}" + (f" {c.unit}" if c.unit else "")
                if c.cutoff is not None
                else "—",
                "; ".join(f"{curve.group} {curve.n}" for curve in c.curves),
                effect_label(c.hazard_ratio) if c.hazard_ratio else "—",
                effect_text(c.hazard_ratio),
                test_text(c.logrank),
            ]
            for c in results.biomarker_survival
        ]
        landmarks = "; ".join(
            f"{m.timepoint}: landmark day {m.day:g}, {m.n_excluded} excluded ({m.reason})"
            for m in results.biomarker_landmarks
        )
        out.append(
            Table(
                f"Survival by biomarker level — all {len(rows)} comparisons",
                [
                    "Comparison",
                    "Cut-off (30th percentile)",
                    "n per group",
                    "Effect",
                    "HR (95% CI)",
                    "Log-rank p",
                ],
                rows,
                "Cut-off: 30th percentile (R quantile type 7); values ≥ the cut-off are high; "
                "HR of high vs low (low is the reference). Exploratory, no adjustment for multiple "
                "comparisons."
                + (f" On-treatment markers from a landmark: {landmarks}." if landmarks else ""),
                "biomarker_survival",
            )
        )
    return out


def comparative(results: Results) -> list[Table]:
    out = []
    if results.comparisons:
        first = results.comparisons[0].hazard_ratio
        rows = [
            [
                c.title,
                effect_text(c.hazard_ratio),
                "—" if c.logrank.statistic is None else f"{c.logrank.statistic:.2f}",
                test_text(c.logrank),
                test_text(c.ph_test),
                effect_text(c.stratified_hazard_ratio),
                test_text(c.stratified_logrank),
            ]
            for c in [*results.comparisons, *results.comparisons_other_populations]
        ]
        strata = results.comparisons[0].strata
        out.append(
            Table(
                "Comparison of arms",
                [
                    "Comparison",
                    (effect_label(first) if first else "HR") + " (95% CI)",
                    "Log-rank χ²",
                    "p",
                    "PH test p",
                    "Stratified HR (95% CI)",
                    "Stratified p",
                ],
                rows,
                "Reference arm: the protocol's active comparator. PH test: score test of a "
                "time-varying hazard ratio on the Kaplan–Meier time scale (R cox.zph); a small p "
                "questions the proportional-hazards assumption behind the HR. "
                + (
                    f"Stratified: Cox model and log-rank test stratified by {', '.join(strata)}."
                    if strata
                    else "No stratification factors were declared: no stratified analysis."
                ),
                "arms",
            )
        )
    if results.forest is not None:
        rows = [
            [r.subgroup, r.level, str(r.n), str(r.events), effect_text(r.hazard_ratio)]
            for r in results.forest.rows
        ]
        out.append(
            Table(
                f"Subgroup hazard ratios ({results.forest.endpoint}, HR {results.forest.group} vs "
                f"{results.forest.reference})",
                ["Subgroup", "Level", "n", "Events", "HR (95% CI)"],
                rows,
                key="forest",
            )
        )
    return out


def _months_label(days: str) -> str:
    return f"{float(days) / DAYS_PER_MONTH:.0f} months"


def _median_cell(m: GroupMedian) -> str:
    return f"{_num(m.median_months)} ({_num(m.lower_months)}–{_num(m.upper_months)})"


def _hr_cells(hr: CohortHazardRatio) -> list[str]:
    return [
        str(hr.n_subjects),
        str(hr.n_events),
        effect_text(hr.hazard_ratio),
        _p(hr.hazard_ratio.p_value),
    ]


def cohort(results: Results) -> list[Table]:
    cohort = results.cohort
    if cohort is None:
        return []
    out = []
    comparison = cohort.local_rt
    if comparison is not None:
        rows = [["Naive (ever vs never, from the index date)", *_hr_cells(comparison.naive_hr)]]
        for landmark, hr in comparison.landmarks.items():
            rows.append([f"Landmark at {_months_label(landmark)}", *_hr_cells(hr)])
        if comparison.time_varying_hr is not None:
            rows.append(
                ["Time-varying exposure (start, stop]", *_hr_cells(comparison.time_varying_hr)]
            )
        effect = comparison.naive_hr.hazard_ratio
        out.append(
            Table(
                f"Exposure: {comparison.exposure}",
                ["Analysis", "Patients", "Events", f"{effect_label(effect)} (95% CI)", "p"],
                rows,
                comparison.warning,
                "cohort_local_rt",
            )
        )
    cycles = cohort.io_cycles
    if cycles is not None:
        rows = [
            [f"Naive: {m.group} (final category)", str(m.n), str(m.events), _median_cell(m), ""]
            for m in cycles.naive_medians
        ]
        for landmark, medians in cycles.landmark_medians.items():
            for m in medians:
                rows.append(
                    [
                        f"Landmark {_months_label(landmark)}: {m.group}",
                        str(m.n),
                        str(m.events),
                        _median_cell(m),
                        "",
                    ]
                )
        for hr in cycles.time_varying_hr.values():
            rows.append(
                [
                    f"Time-varying: {effect_label(hr.hazard_ratio)}",
                    str(hr.n_subjects),
                    str(hr.n_events),
                    "",
                    effect_text(hr.hazard_ratio),
                ]
            )
        out.append(
            Table(
                "Exposure: IO cycles",
                ["Analysis", "Patients", "Events", "Median OS, months (95% CI)", "HR (95% CI)"],
                rows,
                cycles.warning,
                "cohort_io_cycles",
            )
        )
    if cohort.neoadjuvant_endpoints:
        rows = [
            [
                e.endpoint,
                f"{e.k}/{e.n}",
                "—"
                if e.rate is None or e.lower is None or e.upper is None
                else f"{100 * e.rate:.1f}% ({100 * e.lower:.1f}–{100 * e.upper:.1f})",
            ]
            for e in cohort.neoadjuvant_endpoints
        ]
        out.append(
            Table(
                "Surgical and pathological endpoints",
                ["Endpoint", "n/N", "Rate (95% CI)"],
                rows,
                "Exact Clopper–Pearson 95% CIs; denominator: all patients.",
                "neoadjuvant",
            )
        )
    return out


def rt_lesions(results: Results) -> list[Table]:
    lesions = results.rt_lesions
    if lesions is None:
        return []
    a = lesions.abscopal
    arms = list(lesions.abscopal_by_arm)
    groups = [a, *lesions.abscopal_by_arm.values()]
    fields = [lesions.progression_field, *lesions.progression_field_by_arm.values()]
    rows = []
    if a.n:
        rows.append(["Abscopal response", *(_abscopal_rate(g) for g in groups)])
        rows.append(
            [
                "Out-of-field response (systemic therapy given)",
                *(f"{g.out_of_field_k}/{g.n}" if g.n else NONE_EVALUABLE for g in groups),
            ]
        )
    for where in lesions.progression_field:
        rows.append([f"First progression: {where}", *(str(f.get(where, 0)) for f in fields)])
    return [
        Table(
            "Irradiated and non-irradiated lesions",
            ["Measure", "Total", *arms] if arms else ["Measure", "n (rate, 95% CI)"],
            rows,
            (
                f"Abscopal response: {a.definition}; exact CI. {a.out_of_field_definition[:1].upper()}"
                f"{a.out_of_field_definition[1:]}. "
                if a.n
                else f"Abscopal response not evaluable: {a.definition}. "
            )
            + "In-field: an irradiated lesion progressed; out-of-field: a non-irradiated or new lesion.",
            "rt_lesions",
        ),
        *_competing_first_events(lesions.competing_risks),
    ]


def _abscopal_rate(abscopal: Abscopal) -> str:
    """k/n with the rate and its exact 95% CI; a dash when no patient is evaluable."""
    if not abscopal.n:
        return NONE_EVALUABLE
    if abscopal.lower is None or abscopal.upper is None:
        return f"{abscopal.k}/{abscopal.n}"
    rate = 100 * abscopal.k / abscopal.n
    return (
        f"{abscopal.k}/{abscopal.n} ({rate:.1f}%, "
        f"{100 * abscopal.lower:.1f}–{100 * abscopal.upper:.1f})"
    )


def _competing_first_events(risks: CompetingRisks | None) -> list[Table]:
    """Cumulative incidence of each competing first event, with Gray's test by arm if two arms."""
    if risks is None or not risks.incidence:
        return []
    gray = risks.gray_test_by_arm or {}
    months = [f"{t:g} months" for t in risks.times_months]
    arms = risks.by_arm or {}
    rows = []
    for cause, values in risks.incidence.items():
        groups = [
            *[
                (f"{arm} (n = {a.n})", a.events.get(cause, 0), a.incidence[cause])
                for arm, a in arms.items()
            ],
            (f"Total (n = {risks.n})", risks.events.get(cause, 0), values),
        ]
        for i, (group, events, incidence) in enumerate(groups):
            rows.append(
                [
                    cause if i == 0 else "",
                    *([group] if arms else []),
                    str(events),
                    *[f"{100 * v:.1f}%" for v in incidence],
                    *([test_text(gray.get(cause)) if i == 0 else ""] if gray else []),
                ]
            )
    return [
        Table(
            "Competing first events after day 1 (cumulative incidence)",
            [
                "First event",
                *(["Group"] if arms else []),
                "Events",
                *months,
                *(["Gray's test p, by arm"] if gray else []),
            ],
            rows,
            "Aalen–Johansen cumulative incidence of each first event (PFS time; in-field includes "
            "progression in and out of the field together); competing events are the other rows. "
            + (
                "Gray's test compares the arms' cumulative incidence of that event. A lesion is "
                "in-field when an RT course covered it at any time, so in an arm whose RT is "
                "deferred or not given (salvage RT) progression is mostly out-of-field by design: "
                "the test compares the arms' patterns of first failure, not an effect of RT."
                if gray
                else ""
            ),
            "competing_events",
        )
    ]


def interim(results: Results) -> Table | None:
    look = results.interim
    if look is None:
        return None
    if look.reason is not None:
        return Table(
            f"Interim analysis, look {look.look}: not assessed",
            ["Look", "Reason"],
            [[str(look.look), look.reason]],
            ("ASSUMED: " + "; ".join(look.assumed) + ".") if look.assumed else None,
            "interim",
        )
    ci = look.repeated_ci
    rows = [
        [
            f"{look.look} of {look.looks}",
            f"{look.observed_events} / {look.planned_events}",
            _num(look.information_fraction, 3),
            f"{look.alpha_spent:.4g}" if look.alpha_spent is not None else "—",
            f"Z ≤ {_num(look.boundary_z, 3)} (HR ≤ {_num(look.boundary_hazard_ratio, 3)})",
            _num(look.observed_z, 3),
            "crossed" if look.crossed else "not crossed",
            effect_text(ci, 3),
        ]
    ]
    return Table(
        f"Interim analysis ({(look.hypothesis or '').replace('_', '-')}, {look.endpoint}, "
        f"{effect_label(ci) if ci else 'HR'})",
        [
            "Look",
            "Events / planned",
            "Information fraction",
            "Cumulative alpha spent",
            "Efficacy boundary",
            "Observed Z",
            "Boundary",
            f"Repeated {100 * ci.conf_level:g}% CI" if ci else "Repeated CI",
        ],
        rows,
        f"{look.statement} Earlier looks at their planned information fractions "
        f"({', '.join(f'{f:.3f}' for f in look.information_fractions[:-1]) or 'none'}); Lan–DeMets "
        "spending as rpact."
        + ((" ASSUMED: " + "; ".join(look.assumed) + ".") if look.assumed else ""),
        "interim",
    )


def _per_protocol_note(results: Results, pp: int) -> str:
    """How many ITT patients the per-protocol population leaves out, and why: not receiving the
    allocated intervention (the trial profile's count) and deviating from the RT prescription."""
    itt = results.populations.get("ITT")
    if itt is None or itt == pp:
        return f" Per-protocol population: {pp} patients (none left out)."
    arms = results.disposition.arms if results.disposition is not None else []
    not_received = sum(a.allocated - a.received_allocated for a in arms)
    deviating = len(results.deviations.subjects) if results.deviations is not None else 0
    why = [
        *([f"{not_received} did not receive the allocated intervention"] if not_received else []),
        *([f"{deviating} deviated from the RT prescription"] if deviating else []),
    ]
    return (
        f" Per-protocol population: {pp} of {itt} ITT patients ({itt - pp} left out"
        + (f": {'; '.join(why)}" if why else "")
        + ")."
    )


def deviations(results: Results) -> Table | None:
    d = results.deviations
    if d is None:
        return None
    rows = [
        [row.subject_id, *([row.arm or ""] if results.arms else []), row.description, row.detail]
        for row in d.rows[:ROW_LIMIT]
    ]
    if len(d.rows) > ROW_LIMIT:
        rows.append(
            [
                f"… {len(d.rows) - ROW_LIMIT} more (all in results.json)",
                *([""] if results.arms else []),
                "",
                "",
            ]
        )
    if not rows:
        rows = [["—", *([""] if results.arms else []), "none", ""]]
    by_rule = "; ".join(f"{k}: {v}" for k, v in d.by_rule.items())
    pp = results.populations.get("per_protocol")
    return Table(
        "Radiotherapy protocol deviations",
        ["Patient", *(["Arm"] if results.arms else []), "Rule", "Detail"],
        rows,
        d.consequence
        + (f" Deviations by rule: {by_rule}." if by_rule else "")
        + (
            _per_protocol_note(results, pp)
            if pp is not None
            else " The protocol defines no per-protocol population: the deviating patients stay in "
            "the ITT analyses."
        ),
        "deviations",
    )


def exposure(results: Results) -> Table | None:
    e = results.exposure
    if e is None:
        return None
    digits = _whole_digits(
        *(v for r in e.rows for v in (r.cycles_median, r.cycles_q1, r.cycles_q3))
    )
    rows = [
        [
            r.drug,
            r.group,
            str(r.patients),
            f"{_num(r.cycles_median, digits)} ({_num(r.cycles_q1, digits)}–"
            f"{_num(r.cycles_q3, digits)}); "
            f"{_num(r.cycles_min, 0)}–{_num(r.cycles_max, 0)}",
            f"{_num(r.months_median)} ({_num(r.months_q1)}–{_num(r.months_q3)})",
            "—" if r.dose_intensity_median is None else f"{100 * r.dose_intensity_median:.0f}%",
        ]
        for r in e.rows
    ]
    reasons = "; ".join(f"{k}: {v}" for k, v in e.discontinuation.items())
    return Table(
        "Treatment exposure",
        [
            "Drug",
            "Group",
            "Patients",
            "Cycles, median (IQR); range",
            "Time on treatment, months, median (IQR)",
            "Relative dose intensity, median",
        ],
        rows,
        f"Time on treatment: first dose to last dose + one {e.cycle_days}-day cycle. Relative dose "
        "intensity where the protocol gives a fixed dose ("
        + (", ".join(f"{k} {v:g} mg" for k, v in e.planned_doses.items()) or "none")
        + "). Treatment stopped (patients): "
        + (reasons or "none")
        + ".",
        "exposure",
    )


def irecist(results: Results) -> Table | None:
    i = results.irecist
    if i is None:
        return None
    n = sum(c.n for c in i.distribution)
    rows = [
        [c.category, str(c.n), "—" if c.pct is None else f"{c.pct:.1f}%"] for c in i.distribution
    ]
    note = "iRECIST (Seymour 2017): iBOR is the best of iCR > iPR > iSD > iUPD > iCPD."
    if i.ipfs is not None:
        note += f" iPFS (confirmed progression or death): {i.ipfs.events}/{i.ipfs.n} events, median {_interval(i.ipfs.median)} months."
    return Table(
        f"iRECIST best overall response (n = {n})", ["iBOR", "n", "%"], rows, note, "irecist"
    )


def adjusted(results: Results) -> list[Table]:
    cohort = results.cohort
    if cohort is None:
        return []
    out = []
    model = cohort.multivariable
    if model is not None:
        rows = [
            [
                t.term,
                effect_label(t.hazard_ratio),
                effect_text(t.hazard_ratio),
                _p(t.hazard_ratio.p_value),
            ]
            for t in model.terms
        ]
        out.append(
            Table(
                f"{model.title} (n = {model.n_subjects}, events = {model.n_events})",
                ["Term", "Comparison", "HR (95% CI)", "p"],
                rows or [["—", "—", f"not estimable ({model.not_estimable})", "—"]],
                f"Model: {model.model}. {model.method}.",
                "cohort_multivariable",
            )
        )
    ps = cohort.propensity
    if ps is not None:
        rows = [
            [
                "Inverse-probability weighting",
                str(ps.n),
                effect_text(ps.weighted_hazard_ratio),
                _p(ps.weighted_hazard_ratio.p_value if ps.weighted_hazard_ratio else None),
            ],
            [
                f"1:1 matching ({ps.pairs} pairs)",
                str(2 * ps.pairs),
                effect_text(ps.matched_hazard_ratio),
                _p(ps.matched_hazard_ratio.p_value if ps.matched_hazard_ratio else None),
            ],
        ]
        effect = ps.weighted_hazard_ratio
        out.append(
            Table(
                f"Propensity-score analyses at the {_months_label(str(ps.landmark_days))} landmark",
                [
                    "Analysis",
                    "Patients",
                    f"{effect_label(effect) if effect else 'HR'} (95% CI)",
                    "p",
                ],
                rows,
                f"Patients alive at the landmark (n = {ps.n}, {ps.n_exposed} exposed by then); propensity "
                f"of exposure from {', '.join(ps.covariates)} (logistic regression)."
                + (f" Not estimable: {ps.not_estimable}." if ps.not_estimable else ""),
                "cohort_propensity",
            )
        )
        if ps.balance_weighted:
            matched = {b.covariate: b for b in ps.balance_matched}
            rows = [
                [
                    b.covariate,
                    _num(b.smd_before, 3),
                    _num(b.smd_after, 3),
                    _num(matched[b.covariate].smd_before, 3) if b.covariate in matched else "—",
                ]
                for b in ps.balance_weighted
            ]
            out.append(
                Table(
                    "Covariate balance (standardized mean differences)",
                    ["Covariate", "Before", "After weighting", "After matching"],
                    rows,
                    "|SMD| < 0.1 is the usual mark of balance (Austin 2009).",
                    "cohort_balance",
                )
            )
    return out


def all_tables(results: Results) -> list[Table]:
    """Every table the results support, in report order."""
    optional: Sequence[Table | None] = (primary(results), interim(results))
    tables = [t for t in optional if t is not None] + [baseline(results)]
    if results.response:
        tables.append(response(results))
        compared = response_comparison(results)
        if compared is not None:
            tables.append(compared)
    if results.survival:
        tables.append(survival(results))
    extra = historical(results)
    if extra is not None:
        tables.append(extra)
    later: Sequence[Table | None] = (
        irecist(results),
        exposure(results),
        deviations(results),
    )
    overview = safety_overview(results)
    return (
        tables
        + comparative(results)
        + [t for t in later if t is not None]
        + rt_lesions(results)
        + cohort(results)
        + adjusted(results)
        + ([overview] if overview is not None else [])
        + adverse_events(results)
        + biomarkers(results)
    )
